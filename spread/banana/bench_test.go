package banana

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is this process's user+system CPU time: the benchmarks report it per operation
// (cpu-ns/op), steadier than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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

// benchCallMessage is a PB call carrying one structured argument, as jelly writes it:
// ['message', 1, 'root', 'echo', 1, ['tuple', arg], ['dictionary']].
func benchCallMessage(arg any) []byte {
	wire, err := AppendExpr(nil, []any{[]byte("message"), int64(1), []byte("root"), []byte("echo"),
		int64(1), []any{[]byte("tuple"), arg}, []any{[]byte("dictionary")}}, DialectPB)
	if err != nil {
		panic(err)
	}
	return wire
}

func benchStructured() map[string][]byte {
	ints := []any{[]byte("list")}
	for i := 0; i < 1000; i++ {
		ints = append(ints, int64(i))
	}
	dict := []any{[]byte("dictionary")}
	for i := 0; i < 100; i++ {
		key := []any{[]byte("unicode"), []byte{'k', 'e', 'y', '0' + byte(i/100), '0' + byte(i/10%10), '0' + byte(i%10)}}
		dict = append(dict, []any{key, int64(i)})
	}
	return map[string][]byte{"List1000Ints": benchCallMessage(ints), "Dict100": benchCallMessage(dict)}
}

// BenchmarkFeedRaw frames whole messages in Raw mode (PB's receive path): every token is
// checked, no value is built.
func BenchmarkFeedRaw(b *testing.B) {
	for name, wire := range benchStructured() {
		b.Run(name, func(b *testing.B) {
			c := NewConn(true, Options{Raw: true})
			c.selectDialect(DialectPB)
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				if exprs, _, err := c.Feed(wire); err != nil || len(exprs) != 1 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkFeedTree decodes the same messages into trees (Decoder without Raw).
func BenchmarkFeedTree(b *testing.B) {
	for _, name := range []string{"List1000Ints", "Dict100"} {
		wire := benchStructured()[name]
		b.Run(name, func(b *testing.B) {
			d := Decoder{Dialect: DialectPB}
			var exprs []any
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				var err error
				if exprs, err = d.Feed(wire, exprs[:0]); err != nil || len(exprs) != 1 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
