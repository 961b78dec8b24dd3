package jelly

import (
	"runtime"
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// heapAfterGC returns the live heap after a collection.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A long-lived Unjellier and banana Decoder keep nothing of the values they have handed
// out once the caller drops them: neither a chain of shared chunks from one result to
// the one before (nested lists and tuples), nor a large value whose header sits in a
// chunk with later small ones.
func TestUnjellierRetainsNothing(t *testing.T) {
	nested := make([]any, 0, 60)
	for i := 0; i < 60; i++ {
		nested = append(nested, Tuple{int64(i), []any{"x", int64(i * 1000)}, []byte("payload")})
	}
	big := make([]any, 10000) // 160 KiB of elements once decoded
	for i := range big {
		big[i] = int64(i)
	}
	for _, tc := range []struct {
		name string
		v    any
	}{{"nested", nested}, {"large", big}} {
		wire, err := AppendJelly(nil, tc.v, banana.DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		d := banana.Decoder{Dialect: banana.DialectPB}
		var u Unjellier
		var exprs []any
		run := func(n int) {
			for i := 0; i < n; i++ {
				if exprs, err = d.Feed(wire, exprs[:0]); err != nil {
					t.Fatal(err)
				}
				if _, err := u.Unjelly(exprs[0]); err != nil {
					t.Fatal(err)
				}
				if _, _, err := u.UnjellyBanana(wire, banana.DialectPB); err != nil {
					t.Fatal(err)
				}
			}
			exprs = exprs[:0]
		}
		// Checked at several points: what a chunk holds depends on where it was filled.
		base := heapAfterGC()
		for r := 0; r < 6; r++ {
			run(40 + 7*r) // 10 to 100 MB of values in all if they were kept
			if h := heapAfterGC(); h > base && h-base > 4<<20 {
				t.Errorf("%s: heap grew by %d KiB", tc.name, (h-base)>>10)
			}
		}
		runtime.KeepAlive(&d)
		runtime.KeepAlive(&u)
	}
}

// The same for the wire decoder alone: a large dictionary inside a small tuple (whose
// header sits in a shared chunk) is not kept alive by the chunk once dropped.
func TestUnjellyBananaRetainsNothing(t *testing.T) {
	d := NewDict(5000)
	for i := 0; i < 5000; i++ {
		_ = d.Set(int64(i), int64(i))
	}
	wire, err := AppendJelly(nil, Tuple{d}, banana.DialectPB)
	if err != nil {
		t.Fatal(err)
	}
	var u Unjellier
	base := heapAfterGC()
	for r := 0; r < 4; r++ {
		for i := 0; i < 30+7*r; i++ { // ~400 KiB of dictionary each, if kept
			if _, _, err := u.UnjellyBanana(wire, banana.DialectPB); err != nil {
				t.Fatal(err)
			}
		}
		if h := heapAfterGC(); h > base && h-base > 4<<20 {
			t.Errorf("heap grew by %d KiB", (h-base)>>10)
		}
	}
	runtime.KeepAlive(&u)
}
