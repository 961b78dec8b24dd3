package banana

import (
	"bytes"
	"runtime"
	"testing"
)

// A long-lived decoder does not keep the expressions it has handed out alive once the
// caller drops them. Values are boxed in shared chunks: chunks that straddled
// expressions used to chain every tree to the one before (so a connection's decoder
// retained everything it had ever decoded), and a large list or string boxed in a chunk
// stayed alive as long as the chunk did.
func TestDecoderRetainsNothing(t *testing.T) {
	ints := []any{}
	for i := 0; i < 5000; i++ {
		ints = append(ints, int64(i))
	}
	large, _ := AppendExpr(nil, []any{ints, bytes.Repeat([]byte{'x'}, 100<<10)}, DialectPB)
	// Expressions of every size from a pair to some 300 nested lists, one after another,
	// so that some fit the chunks they start in and some outgrow them.
	var varied []byte
	for i := 0; i < 40; i++ {
		x := []any{}
		for j := 0; j < (i*37)%150; j++ {
			x = append(x, []any{[]any{[]byte("unicode"), []byte("k")}, int64(j)})
		}
		varied, _ = AppendExpr(varied, x, DialectPB)
	}
	for _, tc := range []struct {
		name string
		wire []byte
		raw  bool
	}{
		{"nested", benchStructured()["Dict100"], false},
		{"varied", varied, false},
		{"large", large, false},
		{"large raw", large, true},
	} {
		d := Decoder{Dialect: DialectPB, Raw: tc.raw}
		var exprs []any
		heap := func() uint64 {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
		run := func(n int) {
			for i := 0; i < n; i++ {
				var err error
				if exprs, err = d.Feed(tc.wire, exprs[:0]); err != nil || len(exprs) == 0 {
					t.Fatal(err)
				}
			}
			exprs = exprs[:0]
		}
		// Checked at several points: what a chunk holds depends on where it was filled.
		base := heap()
		for r := 0; r < 5; r++ {
			run(40 + 7*r) // 10 to 40 MB of trees in all if they were kept
			if h := heap(); h > base && h-base > 4<<20 {
				t.Errorf("%s: heap grew by %d KiB", tc.name, (h-base)>>10)
			}
		}
		runtime.KeepAlive(&d)
	}
}
