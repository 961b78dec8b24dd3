package jelly

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// goldenEntry is one vector of testdata/golden_*.json, written by testdata/gen_golden.py
// from real Twisted 22.4.
type goldenEntry struct {
	Name     string `json:"name"`
	Python   string `json:"python"`
	Sexp     string `json:"sexp"`
	HexPB    string `json:"hex_pb"`
	HexNone  string `json:"hex_none"`
	Accepted any    `json:"accepted_by_globalSecurity"`
}

func loadGolden(t testing.TB, file string) []goldenEntry {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenEntry
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Stand-ins for PB's reference forms, registered in a per-unjellier Registry the way
// spread/pb registers the real ones: they show that registered functions, Go types and
// Jellyable values reproduce Python's bytes.
type (
	testRemote struct{ tag, id any } // ['remote', id], ['local', id], ['cached', id]
	testCache  struct {              // [type, luid, state], tracked like a Cacheable
		class string
		luid  any
		state any
	}
	simpleCopy struct { // pbtypes.SimpleCopy: a Copyable with attributes x and name
		X    int64
		Name string
	}
)

func (r *testRemote) JellyFor(j *Jellier) (any, error) { return []any{r.tag, r.id}, nil }

func (c *testCache) JellyFor(j *Jellier) (any, error) {
	j.Prepare(c)
	s, err := j.Jelly(c.state)
	if err != nil {
		return nil, err
	}
	return j.Preserve(c, []any{[]byte(c.class), c.luid, s}), nil
}

func (*simpleCopy) JellyClassName() string { return "pbtypes.SimpleCopy" }

func pbTestRegistry() *Registry {
	r := NewRegistry()
	ref := func(u *Unjellier, l []any) (any, error) {
		if len(l) < 2 {
			return nil, newError(ErrMalformed, "short")
		}
		return &testRemote{tag: l[0], id: l[1]}, nil
	}
	r.SetUnjellyableForClass("remote", ref)
	r.SetUnjellyableForClass("local", ref)
	r.SetUnjellyableForClass("cached", ref)
	r.SetUnjellyableForClass("pbtypes.Counter", func(u *Unjellier, l []any) (any, error) {
		if len(l) < 3 {
			return nil, newError(ErrMalformed, "short")
		}
		s, err := u.Unjelly(l[2])
		if err != nil {
			return nil, err
		}
		return &testCache{class: string(l[0].([]byte)), luid: l[1], state: s}, nil
	})
	r.SetUnjellyableForClass("pbtypes.SimpleCopy", (*simpleCopy)(nil))
	return r
}

// goldenChecks verifies what pyRepr cannot: Go types where Python has one type, exact
// float bits, and the values that have no Python repr to compare with.
var goldenChecks = map[string]func(t *testing.T, v any){
	"int 2**31": func(t *testing.T, v any) { wantType[int64](t, v) },
	"int 2**63": func(t *testing.T, v any) { wantType[*big.Int](t, v) },
	"int 2**64": func(t *testing.T, v any) { wantType[*big.Int](t, v) },
	"int -2**63": func(t *testing.T, v any) {
		if v != any(int64(math.MinInt64)) {
			t.Errorf("got %#v, want int64 MinInt64", v)
		}
	},
	"int -2**63-1": func(t *testing.T, v any) { wantType[*big.Int](t, v) },
	"float -0.0": func(t *testing.T, v any) {
		if math.Float64bits(v.(float64)) != 1<<63 {
			t.Errorf("got %v, want -0.0", v)
		}
	},
	"float nan": func(t *testing.T, v any) {
		if math.Float64bits(v.(float64)) != 0x7ff8000000000000 {
			t.Errorf("NaN bits %x", math.Float64bits(v.(float64)))
		}
	},
	"unregistered instance": func(t *testing.T, v any) {
		u, ok := v.(*Unpersistable)
		if !ok || u.Reason != "instance of class pbtypes._Plain deemed insecure" {
			t.Errorf("got %#v", v)
		}
	},
	"Copyable pbtypes.SimpleCopy (via Broker.serialize)": func(t *testing.T, v any) {
		c, ok := v.(*simpleCopy)
		if !ok || c.X != 1 || c.Name != "copy" {
			t.Errorf("got %#v", v)
		}
	},
	"Referenceable first (via Broker.serialize)": func(t *testing.T, v any) {
		r, ok := v.(*testRemote)
		if !ok || string(r.tag.([]byte)) != "remote" || r.id != any(int64(1)) {
			t.Errorf("got %#v", v)
		}
	},
	"Cacheable first (via Broker.serialize)": func(t *testing.T, v any) {
		c, ok := v.(*testCache)
		if !ok || c.luid != any(int64(2)) || pyRepr(c.state) != "{'value': 0}" {
			t.Errorf("got %#v", v)
		}
	},
	"cyclic list l=[l]": func(t *testing.T, v any) {
		l := v.([]any)
		if !sameSlice(l, l[0].([]any)) {
			t.Error("l[0] is not l")
		}
	},
	"identity x=[x, x]": func(t *testing.T, v any) {
		z := v.([]any)
		if !sameSlice(z[0].([]any), z[1].([]any)) || !sameSlice(z, z[0].([]any)) {
			t.Error("identity lost")
		}
	},
	"tuple cycle t=([t],)": func(t *testing.T, v any) {
		tu := v.(Tuple)
		inner := tu[0].([]any)[0].(Tuple)
		if &inner[0] != &tu[0] {
			t.Error("t[0][0] is not t")
		}
	},
	"dict cycle d={'self': d}": func(t *testing.T, v any) {
		d := v.(*Dict)
		if s, _ := d.Get("self"); s != any(d) {
			t.Error("d['self'] is not d")
		}
	},
	"shared empty list [e, e]": func(t *testing.T, v any) {
		l := v.([]any)
		if !sameSlice(l[0].([]any), l[1].([]any)) {
			t.Error("shared empty list lost its identity")
		}
	},
}

func wantType[T any](t *testing.T, v any) {
	t.Helper()
	if _, ok := v.(T); !ok {
		var z T
		t.Errorf("got %T, want %T", v, z)
	}
}

// sameSlice reports whether two slices are the same Python list: same storage and length.
func sameSlice(a, b []any) bool {
	return len(a) == len(b) && cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// TestGolden: every vector captured from Twisted decodes (both dialects) to the value
// Python sent, and that value jellies and encodes back to exactly Python's bytes.
func TestGolden(t *testing.T) {
	for _, file := range []string{"golden_jelly.json", "golden_extra.json"} {
		for _, e := range loadGolden(t, file) {
			t.Run(e.Name, func(t *testing.T) {
				if e.Accepted != true {
					t.Skipf("Python's own receiver refuses it: %v", e.Accepted)
				}
				reg := pbTestRegistry()
				for _, d := range []struct {
					dialect banana.Dialect
					hex     string
				}{{banana.DialectPB, e.HexPB}, {banana.DialectNone, e.HexNone}} {
					wire := unhex(t, d.hex)
					dec := banana.Decoder{Dialect: d.dialect}
					exprs, err := dec.Feed(wire, nil)
					if err != nil || len(exprs) != 1 || dec.Buffered() != 0 {
						t.Fatalf("%v: banana decode: %v (%d exprs)", d.dialect, err, len(exprs))
					}
					u := Unjellier{Registry: reg}
					v, err := u.Unjelly(exprs[0])
					if err != nil {
						t.Fatalf("%v: unjelly: %v", d.dialect, err)
					}
					// The wire decoder, which skips the tree, must give the same value.
					wv, n, err := u.UnjellyBanana(wire, d.dialect)
					if err != nil || n != len(wire) {
						t.Fatalf("%v: UnjellyBanana: %v (%d of %d bytes)", d.dialect, err, n, len(wire))
					}
					if pyRepr(wv) != pyRepr(v) && !strings.HasPrefix(e.Python, "<") {
						t.Errorf("%v: UnjellyBanana gives %s, Unjelly %s", d.dialect, pyRepr(wv), pyRepr(v))
					}
					if wb, err := AppendJelly(nil, wv, d.dialect, WithRegistry(reg)); err != nil || !bytes.Equal(wb, wire) {
						t.Errorf("%v: UnjellyBanana's value re-encodes to % x (%v)", d.dialect, wb, err)
					}
					if check := goldenChecks[e.Name]; check != nil {
						check(t, wv)
					}
					if !strings.HasPrefix(e.Python, "<") && !strings.HasSuffix(e.Python, "...") {
						if got := pyRepr(v); got != e.Python {
							t.Errorf("%v: decoded %s, Python sent %s", d.dialect, got, e.Python)
						}
					}
					if check := goldenChecks[e.Name]; check != nil {
						check(t, v)
					}
					j := Jellier{Registry: reg}
					sexp, err := j.Jelly(v)
					if err != nil {
						t.Fatalf("%v: jelly: %v", d.dialect, err)
					}
					out, err := banana.AppendExpr(nil, sexp, d.dialect)
					if err != nil {
						t.Fatalf("%v: banana encode: %v", d.dialect, err)
					}
					if !bytes.Equal(out, wire) {
						t.Errorf("%v: re-encoded\n got  % x\n want % x", d.dialect, out, wire)
					}
					// The fused encoder must agree byte for byte.
					fused, err := AppendJelly(nil, v, d.dialect, WithRegistry(reg))
					if err != nil {
						t.Fatalf("%v: AppendJelly: %v", d.dialect, err)
					}
					if !bytes.Equal(fused, wire) {
						t.Errorf("%v: AppendJelly\n got  % x\n want % x", d.dialect, fused, wire)
					}
				}
			})
		}
	}
}
