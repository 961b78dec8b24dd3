package jelly

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/gotwisted/twisted/spread/banana"
)

// The shapes of issue 5: the arguments of a small call (two ints), 1 KiB and 64 KiB of
// bytes, a list of 1000 ints, a dict of 100 str->int. Each is measured as jelly+banana
// (the fused AppendJelly encoder, and banana.Decoder + Unjelly for decoding) and through
// encoding/gob with the natural Go type, in the same run.
// cpuTime returns the process's user+system CPU time. The benchmarks report it per
// operation as cpu-ns/op next to ns/op: on a shared machine wall time per operation
// swings with other processes' load, CPU time spent by this process much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f b.N times and reports CPU time per operation.
func measure(b *testing.B, f func()) {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

type benchShape struct {
	name  string
	jelly any // the value given to AppendJelly
	gob   any // the same data as a gob-friendly Go value
	gobT  func() any
}

func benchShapes() []benchShape {
	ints := make([]int64, 1000)
	anyInts := make([]any, 1000)
	for i := range ints {
		ints[i] = int64(i)
		anyInts[i] = int64(i)
	}
	m := make(map[string]int, 100)
	d := NewDict(100)
	for i := 0; i < 100; i++ {
		k := fmt.Sprintf("key%03d", i)
		m[k] = i
		_ = d.Set(k, int64(i))
	}
	kb, kb64 := bytes.Repeat([]byte{'x'}, 1024), bytes.Repeat([]byte{'y'}, 64*1024)
	return []benchShape{
		{"SmallCall", Tuple{int64(1), int64(2)}, [2]int64{1, 2}, func() any { return new([2]int64) }},
		{"Bytes1K", kb, kb, func() any { return new([]byte) }},
		{"Bytes64K", kb64, kb64, func() any { return new([]byte) }},
		{"List1000Ints", anyInts, ints, func() any { return new([]int64) }},
		{"TypedList1000Ints", ints, ints, func() any { return new([]int64) }},
		// gob with the same dynamic representation jelly decodes to ([]any of int64).
		{"AnyList1000Ints", anyInts, anyInts, func() any { return new([]any) }},
		{"Dict100", d, m, func() any { return new(map[string]int) }},
		{"Map100", m, m, func() any { return new(map[string]int) }},
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run("jelly/"+s.name, func(b *testing.B) {
			var j Jellier
			buf, err := j.AppendJelly(nil, s.jelly, banana.DialectPB)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(buf)))
			measure(b, func() { buf, _ = j.AppendJelly(buf[:0], s.jelly, banana.DialectPB) })
		})
		b.Run("gob/"+s.name, func(b *testing.B) {
			var w bytes.Buffer
			enc := gob.NewEncoder(&w)
			if err := enc.Encode(s.gob); err != nil { // type information goes out once
				b.Fatal(err)
			}
			w.Reset()
			_ = enc.Encode(s.gob)
			b.SetBytes(int64(w.Len()))
			measure(b, func() {
				w.Reset()
				_ = enc.Encode(s.gob)
			})
		})
	}
}

// BenchmarkJellyTree measures the tree API (Jelly then banana.AppendExpr), the path a
// caller takes when it needs the s-expression itself.
func BenchmarkJellyTree(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			var j Jellier
			var buf []byte
			measure(b, func() {
				sexp, _ := j.Jelly(s.jelly)
				buf, _ = banana.AppendExpr(buf[:0], sexp, banana.DialectPB)
			})
		})
	}
}

// repeatReader replays a gob stream: the first message (with type information) once, then
// the steady-state message forever.
type repeatReader struct {
	first, msg []byte
	off        int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.msg[r.off:])
		n += c
		r.off = (r.off + c) % len(r.msg)
	}
	return n, nil
}

var _ io.Reader = (*repeatReader)(nil)

func BenchmarkDecode(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run("jelly/"+s.name, func(b *testing.B) {
			wire, err := AppendJelly(nil, s.jelly, banana.DialectPB)
			if err != nil {
				b.Fatal(err)
			}
			d := banana.Decoder{Dialect: banana.DialectPB}
			var u Unjellier
			var exprs []any
			b.SetBytes(int64(len(wire)))
			measure(b, func() {
				exprs, _ = d.Feed(wire, exprs[:0])
				if _, err := u.Unjelly(exprs[0]); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("wire/"+s.name, func(b *testing.B) {
			wire, err := AppendJelly(nil, s.jelly, banana.DialectPB)
			if err != nil {
				b.Fatal(err)
			}
			var u Unjellier
			b.SetBytes(int64(len(wire)))
			measure(b, func() {
				if _, _, err := u.UnjellyBanana(wire, banana.DialectPB); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("typed/"+s.name, func(b *testing.B) {
			// PB's path for a method with typed parameters: the value as the only element of
			// an argument tuple, decoded by TryUnjellyBananaSeq into a fresh destination of
			// gob's type each time, as gob's own row does.
			wire, err := AppendJelly(nil, Tuple{s.jelly}, banana.DialectPB)
			if err != nil {
				b.Fatal(err)
			}
			t := reflect.TypeOf(s.gobT()).Elem()
			var u Unjellier
			b.SetBytes(int64(len(wire)))
			measure(b, func() {
				dst := []reflect.Value{reflect.New(t).Elem()}
				if _, ok := u.TryUnjellyBananaSeq(wire, banana.DialectPB, dst); !ok {
					b.Fatal("no typed decode")
				}
			})
		})
		b.Run("gob/"+s.name, func(b *testing.B) {
			var w bytes.Buffer
			enc := gob.NewEncoder(&w)
			_ = enc.Encode(s.gob)
			first := append([]byte(nil), w.Bytes()...)
			w.Reset()
			_ = enc.Encode(s.gob)
			msg := append([]byte(nil), w.Bytes()...)
			dec := gob.NewDecoder(&repeatReader{first: first, msg: msg})
			if err := dec.Decode(s.gobT()); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(msg)))
			measure(b, func() {
				if err := dec.Decode(s.gobT()); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// Steady-state allocation budgets: encoding a small call's arguments allocates nothing,
// decoding them (banana then unjelly) well under one allocation.
func TestAllocations(t *testing.T) {
	var args any = Tuple{int64(1), int64(2)}
	var j Jellier
	buf := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(1000, func() { buf, _ = j.AppendJelly(buf[:0], args, banana.DialectPB) }); a != 0 {
		t.Errorf("AppendJelly: %.2f allocations", a)
	}
	wire := append([]byte(nil), buf...)
	d := banana.Decoder{Dialect: banana.DialectPB}
	var u Unjellier
	var exprs []any
	a := testing.AllocsPerRun(1000, func() {
		exprs, _ = d.Feed(wire, exprs[:0])
		if _, err := u.Unjelly(exprs[0]); err != nil {
			t.Fatal(err)
		}
	})
	if a > 0.5 {
		t.Errorf("decode: %.2f allocations", a)
	}
}
