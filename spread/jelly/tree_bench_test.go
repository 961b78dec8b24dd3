package jelly

import (
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// BenchmarkUnjellyTree measures Unjelly alone on the trees of BenchmarkDecode's shapes,
// decoded once: the second half of the tree path (BenchmarkDecode's jelly/ rows).
func BenchmarkUnjellyTree(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			wire, err := AppendJelly(nil, s.jelly, banana.DialectPB)
			if err != nil {
				b.Fatal(err)
			}
			d := banana.Decoder{Dialect: banana.DialectPB}
			exprs, err := d.Feed(wire, nil)
			if err != nil || len(exprs) != 1 {
				b.Fatal(err)
			}
			var u Unjellier
			measure(b, func() {
				if _, err := u.Unjelly(exprs[0]); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
