package banana

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// goldenSeeds returns the pb-dialect bytes of the vectors captured from Twisted (kept by
// spread/jelly, which owns the generator script).
func goldenSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, f := range []string{"../jelly/testdata/golden_jelly.json", "../jelly/testdata/golden_extra.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var entries []struct {
			HexPB   string `json:"hex_pb"`
			HexNone string `json:"hex_none"`
		}
		if err := json.Unmarshal(b, &entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			for _, h := range []string{e.HexPB, e.HexNone} {
				raw, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, raw)
			}
		}
	}
	return out
}

// FuzzBananaDecode: no input panics; the decoder agrees with the plain reference decoder;
// feeding whole or split at any point gives the same expressions and error; every decoded expression re-encodes to bytes that decode to an
// expression encoding to the very same bytes.
func FuzzBananaDecode(f *testing.F) {
	for _, s := range goldenSeeds(f) {
		f.Add(s, uint16(len(s)/2))
	}
	for _, tt := range wireTests {
		f.Add(tt.in, uint16(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		whole := Decoder{Dialect: DialectPB}
		exprs, err := whole.Feed(data, nil)

		// The plain reference decoder agrees, values and error.
		ref := refDecoder{Dialect: DialectPB}
		want, werr := ref.Feed(data, nil)
		if (err == nil) != (werr == nil) || (err != nil && !errors.Is(err, errors.Unwrap(werr))) || !sameExpr(exprs, want) {
			t.Fatalf("decoder: %s (%v), reference: %s (%v)", Format(exprs), err, Format(want), werr)
		}

		at := int(split)
		if at > len(data) {
			at = len(data)
		}
		parts := Decoder{Dialect: DialectPB}
		got, err2 := parts.Feed(data[:at], nil)
		if err2 == nil {
			got, err2 = parts.Feed(data[at:], got)
		}
		if (err == nil) != (err2 == nil) || (err != nil && !errors.Is(err2, errors.Unwrap(err))) {
			t.Fatalf("whole: %v, split at %d: %v", err, at, err2)
		}
		if len(got) != len(exprs) {
			t.Fatalf("whole gave %d expressions, split %d", len(exprs), len(got))
		}
		// Raw mode finds the same expressions and fails the same way.
		rd := Decoder{Dialect: DialectPB, Raw: true}
		raws, rerr := rd.Feed(data[:at], nil)
		if rerr == nil {
			raws, rerr = rd.Feed(data[at:], raws)
		}
		if (err == nil) != (rerr == nil) || (err != nil && !errors.Is(rerr, errors.Unwrap(err))) {
			t.Fatalf("tree: %v, raw: %v", err, rerr)
		}
		if len(raws) != len(exprs) {
			t.Fatalf("tree gave %d expressions, raw %d", len(exprs), len(raws))
		}
		// Aliased or not, the raw expressions are the input's bytes, in order.
		ad := Decoder{Dialect: DialectPB, Raw: true, RawAliases: true}
		var joined []byte
		got, aerr := ad.Feed(data[:at], nil)
		for _, r := range got {
			joined = append(joined, r.(Raw)...)
		}
		if aerr == nil {
			got, aerr = ad.Feed(data[at:], nil)
			for _, r := range got {
				joined = append(joined, r.(Raw)...)
			}
		}
		if (aerr == nil) != (rerr == nil) || !bytes.HasPrefix(data, joined) {
			t.Fatalf("aliasing decoder: %v, % x", aerr, joined)
		}
		var plain []byte
		for _, r := range raws {
			plain = append(plain, r.(Raw)...)
		}
		if !bytes.Equal(plain, joined) {
			t.Fatalf("raw expressions % x, aliased % x", plain, joined)
		}
		for i, r := range raws {
			x, err := r.(Raw).Decode(DialectPB)
			if err != nil {
				t.Fatalf("raw %d does not decode: %v", i, err)
			}
			a, err1 := AppendExpr(nil, x, DialectPB)
			b, err2 := AppendExpr(nil, exprs[i], DialectPB)
			if (err1 == nil) != (err2 == nil) || !bytes.Equal(a, b) {
				t.Fatalf("raw %d differs from the tree", i)
			}
			if el, err := r.(Raw).Elements(DialectPB); err == nil {
				if l, ok := exprs[i].([]any); !ok || len(l) != len(el) {
					t.Fatalf("raw %d: %d elements, tree %#v", i, len(el), exprs[i])
				}
			}
		}
		for _, x := range exprs {
			enc, err := AppendExpr(nil, x, DialectPB)
			if err != nil {
				if errors.Is(err, ErrTooDeep) {
					continue
				}
				t.Fatalf("re-encoding a decoded expression: %v", err)
			}
			d := Decoder{Dialect: DialectPB}
			back, err := d.Feed(enc, nil)
			if err != nil || len(back) != 1 || d.Buffered() != 0 {
				t.Fatalf("decoding our own encoding % x: %v (%d)", enc, err, len(back))
			}
			enc2, err := AppendExpr(nil, back[0], DialectPB)
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("unstable: % x then % x (%v)", enc, enc2, err)
			}
		}
	})
}
