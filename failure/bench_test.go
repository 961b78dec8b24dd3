package failure

import (
	"errors"
	"testing"
)

var benchErr = errors.New("x")

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New(benchErr)
	}
}

func BenchmarkNewAndClean(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New(benchErr).Clean()
	}
}

func BenchmarkTraceback(b *testing.B) {
	b.ReportAllocs()
	f := New(benchErr)
	for b.Loop() {
		_ = f.Traceback()
	}
}

func BenchmarkFromPanic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		func() {
			defer func() { FromPanic(recover(), 0) }()
			panic(benchErr)
		}()
	}
}
