package jelly

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/internal/twistedtest"
	"github.com/gotwisted/twisted/spread/banana"
)

// runPeer runs testdata/interop.py in the given mode with real Twisted, sending req as
// JSON on stdin and decoding its JSON answer into resp.
func runPeer(t *testing.T, mode string, req, resp any) {
	t.Helper()
	py := twistedtest.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/interop.py", mode)
	cmd.Env = append(os.Environ(), "PYTHONHASHSEED=0")
	if req != nil {
		in, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = bytes.NewReader(in)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("interop.py %s: %v\n%s", mode, err, stderr.String())
	}
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("interop.py %s: %v\n%s", mode, err, out)
	}
}

// interopPoint is interop.Point on the Go side.
type interopPoint struct{ X, Y any }

func (*interopPoint) JellyClassName() string { return "interop.Point" }

func interopRegistry() *Registry {
	r := NewRegistry()
	r.SetUnjellyableForClass("interop.Point", (*interopPoint)(nil))
	return r
}

type peerResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Repr  string `json:"repr"`
}

// TestInteropPythonToGo: Python jellies and bananas a list of values in both dialects; Go
// decodes, unjellies, jellies and encodes them again; Python decodes Go's bytes, compares
// the values with the originals (identity and cycles included) and the bytes with its own.
func TestInteropPythonToGo(t *testing.T) {
	var gen []struct {
		Name    string `json:"name"`
		HexPB   string `json:"hex_pb"`
		HexNone string `json:"hex_none"`
	}
	runPeer(t, "gen", nil, &gen)
	if len(gen) < 20 {
		t.Fatalf("only %d values from Python", len(gen))
	}
	type checkReq struct {
		Name    string `json:"name"`
		Dialect string `json:"dialect"`
		Hex     string `json:"hex"`
	}
	var reqs []checkReq
	reg := interopRegistry()
	for _, g := range gen {
		for _, c := range []struct {
			d banana.Dialect
			h string
		}{{banana.DialectPB, g.HexPB}, {banana.DialectNone, g.HexNone}} {
			wire, _ := hex.DecodeString(c.h)
			// Fed in small pieces, as a socket would deliver it.
			dec := banana.Decoder{Dialect: c.d}
			var exprs []any
			var err error
			for i := 0; i < len(wire); i += 7 {
				if exprs, err = dec.Feed(wire[i:min(i+7, len(wire))], exprs); err != nil {
					t.Fatalf("%s/%v: banana: %v", g.Name, c.d, err)
				}
			}
			if len(exprs) != 1 {
				t.Fatalf("%s/%v: %d expressions", g.Name, c.d, len(exprs))
			}
			v, err := Unjelly(exprs[0], WithRegistry(reg))
			if err != nil {
				t.Fatalf("%s/%v: unjelly: %v", g.Name, c.d, err)
			}
			out, err := AppendJelly(nil, v, c.d, WithRegistry(reg))
			if err != nil {
				t.Fatalf("%s/%v: jelly: %v", g.Name, c.d, err)
			}
			if !bytes.Equal(out, wire) {
				t.Errorf("%s/%v: Go re-encodes\n % x\nPython sent\n % x", g.Name, c.d, out, wire)
			}
			reqs = append(reqs, checkReq{g.Name, c.d.String(), hex.EncodeToString(out)})
		}
	}
	var res []peerResult
	runPeer(t, "check", reqs, &res)
	if len(res) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(res), len(reqs))
	}
	for i, r := range res {
		if !r.OK {
			t.Errorf("%s (%s): Python says: %s", r.Name, reqs[i].Dialect, r.Error)
		}
	}
}

// TestInteropGoToPython: values built in Go, jellied and encoded by Go, are decoded by
// Python's banana and unjellied by Python's globalSecurity unjellier into the values a
// Python program expects.
func TestInteropGoToPython(t *testing.T) {
	shared := []any{int64(1)}
	cyc := make([]any, 1)
	cyc[0] = cyc
	cdict := NewDict(1)
	_ = cdict.Set("self", cdict)
	p := &interopPoint{X: int64(3), Y: "four"}
	cases := []struct {
		name  string
		v     any
		check string
		exact bool // Python re-encodes the value to the very same bytes
	}{
		{"None", nil, "v is None", true},
		{"bools", []any{true, false}, "v == [True, False]", true},
		{"ints", []any{0, -1, int64(1) << 40, uint64(1) << 63, new(big.Int).Lsh(big.NewInt(1), 400)},
			"v == [0, -1, 2**40, 2**63, 2**400]", true},
		{"text and bytes", []any{"h\u00e9", []byte("h\xc3\xa9"), "", []byte{}}, "v == ['h\u00e9', b'h\\xc3\\xa9', '', b'']", true},
		{"vocab words as data", []any{[]byte("remote"), "copy", []byte("version")}, "v == [b'remote', 'copy', b'version']", true},
		{"tuple", Tuple{int64(1), Tuple{}}, "v == (1, ())", true},
		{"typed slices", []any{[]int{1, 2}, []string{"a"}, [][]byte{[]byte("b")}}, "v == [[1, 2], ['a'], [b'b']]", true},
		{"ordered dict", DictOf("b", int64(1), "a", int64(2), int64(3), []byte("x")), "list(v.items()) == [('b', 1), ('a', 2), (3, b'x')]", true},
		{"go map", map[string]int{"x": 1, "y": 2}, "v == {'x': 1, 'y': 2}", false},
		{"map of lists", map[string][]float64{"f": {1.5, -2}}, "v == {'f': [1.5, -2.0]}", true},
		{"set", Set{int64(1), int64(2)}, "v == {1, 2} and type(v) is set", true},
		{"frozenset", FrozenSet{"a"}, "v == frozenset(['a'])", true},
		{"datetime", time.Date(2020, 7, 11, 1, 16, 5, 344000, time.UTC), "v == datetime.datetime(2020, 7, 11, 1, 16, 5, 344)", true},
		{"date", Date{2020, 2, 29}, "v == datetime.date(2020, 2, 29)", true},
		{"time", Time{1, 2, 3, 4}, "v == datetime.time(1, 2, 3, 4)", true},
		{"duration", -90 * time.Minute, "v == datetime.timedelta(minutes=-90)", true},
		{"decimal", Decimal{Coefficient: big.NewInt(-78901), Exponent: -3}, "v == decimal.Decimal('-78.901')", true},
		{"shared", []any{shared, shared}, "v[0] is v[1] and v[0] == [1]", true},
		{"cyclic list", cyc, "v[0] is v", true},
		{"cyclic dict", cdict, "v['self'] is v", true},
		{"copyable", p, "v == Point(3, 'four')", true},
		{"copyable twice", []any{p, p}, "v[0] is v[1] and v[0] == Point(3, 'four')", true},
		{"unpersistable", &Unpersistable{Reason: "why"}, "isinstance(v, jelly.Unpersistable)", false},
		{"nan", []float64{math.NaN(), math.Inf(-1)}, "math.isnan(v[0]) and v[1] == -math.inf", true},
	}
	type acceptReq struct {
		Name  string `json:"name"`
		Hex   string `json:"hex"`
		Check string `json:"check"`
		Exact bool   `json:"exact"`
	}
	var reqs []acceptReq
	for _, c := range cases {
		out, err := AppendJelly(nil, c.v, banana.DialectPB)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		reqs = append(reqs, acceptReq{c.name, hex.EncodeToString(out), c.check, c.exact})
	}
	var res []peerResult
	runPeer(t, "accept", reqs, &res)
	if len(res) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(res), len(reqs))
	}
	for _, r := range res {
		if !r.OK {
			t.Errorf("%s: Python got %s: %s", r.Name, r.Repr, strings.TrimSpace(r.Error))
		}
	}
}
