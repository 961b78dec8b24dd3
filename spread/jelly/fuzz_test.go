package jelly

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// FuzzUnjelly feeds banana bytes (dialect pb) through the decoder and the unjellier, with
// PB's default taster and with the permissive one. No input may panic; whatever unjellies
// must jelly again, the tree and fused encoders must agree byte for byte, and a second
// pass over those bytes must reproduce them exactly (encode(decode(x)) is stable).
func FuzzUnjelly(f *testing.F) {
	for _, file := range []string{"golden_jelly.json", "golden_extra.json"} {
		for _, e := range loadGolden(f, file) {
			f.Add(unhex(f, e.HexPB))
		}
	}
	for _, tt := range unjellyTests {
		if w, err := banana.AppendExpr(nil, tt.sexp, banana.DialectPB); err == nil {
			f.Add(w)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := banana.Decoder{Dialect: banana.DialectPB}
		exprs, _ := d.Feed(data, nil)
		reg := pbTestRegistry()
		for _, sec := range []*SecurityOptions{nil, Insecure()} {
			// The wire decoder agrees with banana.Decoder + Unjelly on every expression.
			pos := 0
			for i, x := range exprs {
				u := Unjellier{Registry: reg, Security: sec, MaxDepth: 200}
				tv, terr := u.Unjelly(x)
				w := Unjellier{Registry: reg, Security: sec, MaxDepth: 200}
				wv, n, werr := w.UnjellyBanana(data[pos:], banana.DialectPB)
				if (terr == nil) != (werr == nil) {
					t.Fatalf("expression %d: Unjelly: %v, UnjellyBanana: %v", i, terr, werr)
				}
				if terr != nil {
					break
				}
				if a, b := encodeBoth(t, tv, reg), encodeBoth(t, wv, reg); !bytes.Equal(a, b) {
					t.Fatalf("expression %d: Unjelly and UnjellyBanana differ:\n% x\n% x", i, a, b)
				}
				// TryUnjellyBanana, where it answers, answers the same; given the
				// expression cut short, it never does.
				y := Unjellier{Registry: reg, Security: sec, MaxDepth: 200}
				if yv, yn, ok := y.TryUnjellyBanana(data[pos:], banana.DialectPB); ok {
					if yn != n || !bytes.Equal(encodeBoth(t, yv, reg), encodeBoth(t, wv, reg)) {
						t.Fatalf("expression %d: TryUnjellyBanana differs (%d bytes, not %d)", i, yn, n)
					}
				}
				if _, _, ok := y.TryUnjellyBanana(data[pos:pos+n-1], banana.DialectPB); ok {
					t.Fatalf("expression %d: TryUnjellyBanana finished a truncated expression", i)
				}
				// Decoding a list or tuple straight into Go types stores what Convert does.
				if elems, ok := sequence(wv); ok && len(elems) <= 6 && (isTag(x, "list") || isTag(x, "tuple")) {
					dsts := make([]reflect.Value, len(elems))
					for k := range dsts {
						dsts[k] = reflect.New(typedTypes[(len(data)+3*k)%len(typedTypes)]).Elem()
					}
					if m, ok := y.TryUnjellyBananaSeq(data[pos:], banana.DialectPB, dsts); ok {
						if m != n {
							t.Fatalf("expression %d: typed decoding took %d bytes, not %d", i, m, n)
						}
						for k, e := range elems {
							want, err := ConvertTo(e, dsts[k].Type())
							if err != nil || !reflect.DeepEqual(want.Interface(), dsts[k].Interface()) {
								t.Fatalf("expression %d element %d as %v: typed %#v, Convert %#v (%v)",
									i, k, dsts[k].Type(), dsts[k].Interface(), want, err)
							}
						}
					}
				}
				pos += n
			}
		}
		for _, x := range exprs {
			for _, sec := range []*SecurityOptions{nil, Insecure()} {
				u := Unjellier{Registry: reg, Security: sec, MaxDepth: 200}
				v, err := u.Unjelly(x)
				if err != nil {
					var je *Error
					if !errors.As(err, &je) {
						t.Fatalf("unjelly error %v is not a *jelly.Error", err)
					}
					continue
				}
				first := encodeBoth(t, v, reg)
				if first == nil {
					continue
				}
				d2 := banana.Decoder{Dialect: banana.DialectPB}
				back, err := d2.Feed(first, nil)
				if err != nil || len(back) != 1 {
					t.Fatalf("decoding our own bytes % x: %v", first, err)
				}
				u2 := Unjellier{Registry: reg, Security: sec, MaxDepth: 400}
				v2, err := u2.Unjelly(back[0])
				if err != nil {
					t.Fatalf("unjellying our own bytes % x: %v", first, err)
				}
				if second := encodeBoth(t, v2, reg); !bytes.Equal(first, second) {
					t.Fatalf("unstable:\n% x\n% x", first, second)
				}
			}
		}
	})
}

// encodeBoth jellies v through the tree and the fused encoder and checks they agree. It
// returns nil when v cannot be sent (a value banana refuses, like a too-large list).
func encodeBoth(t *testing.T, v any, reg *Registry) []byte {
	t.Helper()
	j := Jellier{Registry: reg, MaxDepth: 400}
	sexp, err := j.Jelly(v)
	var tree []byte
	if err == nil {
		tree, err = banana.AppendExpr(nil, sexp, banana.DialectPB)
	}
	fused, err2 := j.AppendJelly(nil, v, banana.DialectPB)
	if (err == nil) != (err2 == nil) {
		t.Fatalf("tree encoder: %v, fused encoder: %v", err, err2)
	}
	if err != nil {
		return nil
	}
	if !bytes.Equal(tree, fused) {
		t.Fatalf("tree and fused encoders disagree:\n% x\n% x", tree, fused)
	}
	return tree
}

// isTag reports whether the tree x is a node with the given tag.
func isTag(x any, tag string) bool {
	l, ok := x.([]any)
	if !ok || len(l) == 0 {
		return false
	}
	b, ok := l[0].([]byte)
	return ok && string(b) == tag
}
