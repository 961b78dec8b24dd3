package banana

import (
	"testing"
)

// A PB call message as Python sends it: ['message', 1, 'root', 'echo', 1,
// ['tuple', 1, 2], ['dictionary']].
var benchMessage any = []any{[]byte("message"), int64(1), []byte("root"), []byte("echo"), int64(1),
	[]any{[]byte("tuple"), int64(1), int64(2)}, []any{[]byte("dictionary")}}

func BenchmarkAppendExpr(b *testing.B) {
	buf, _ := AppendExpr(nil, benchMessage, DialectPB)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = AppendExpr(buf[:0], benchMessage, DialectPB)
	}
}

func BenchmarkConnFeed(b *testing.B) {
	wire, _ := AppendExpr(nil, benchMessage, DialectPB)
	c := NewConn(true, Options{})
	c.selectDialect(DialectPB)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := c.Feed(wire); err != nil {
			b.Fatal(err)
		}
	}
}

// Steady-state decoding of small messages costs well under one allocation each: values
// are boxed in shared chunks.
func TestFeedAllocations(t *testing.T) {
	wire, _ := AppendExpr(nil, benchMessage, DialectPB)
	c := NewConn(true, Options{})
	c.selectDialect(DialectPB)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, _, err := c.Feed(wire); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.5 {
		t.Errorf("%.2f allocations per message", allocs)
	}
	buf := make([]byte, 0, 128)
	allocs = testing.AllocsPerRun(1000, func() { buf, _ = AppendExpr(buf[:0], benchMessage, DialectPB) })
	if allocs != 0 {
		t.Errorf("encoding: %.2f allocations per message", allocs)
	}
}
