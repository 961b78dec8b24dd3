package deferred

import (
	"errors"
	"runtime/metrics"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// forcedGCs reads how many collections the program forced (runtime.GC calls).
func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// FlushUnhandled forces a single collection: trial pays for it after every test.
func TestFlushUnhandledCollectsOnce(t *testing.T) {
	FlushUnhandled()
	before := forcedGCs()
	FlushUnhandled()
	if n := forcedGCs() - before; n != 1 {
		t.Errorf("FlushUnhandled forced %d collections, want 1", n)
	}
}

var errLeaked = errors.New("leaked")

// leakFailures drops n Deferreds holding unhandled failures, in the shapes that can hide
// one from a collection: a lone failed Deferred, one chained to another (whose failure
// moved into it), one failed by an Inline body, one whose failure is wrapped by an errback.
//
//go:noinline
func leakFailures(n int) {
	for i := range n {
		switch i % 4 {
		case 0:
			Fail(errLeaked)
		case 1:
			inner := New(nil)
			New(nil).AddCallback(func(any) (any, error) { return inner, nil }).Callback(nil)
			inner.Errback(errLeaked)
		case 2:
			Inline(func(c *Co) (any, error) { return nil, errLeaked })
		case 3:
			Fail(errLeaked).AddErrback(func(f *failure.Failure) (any, error) { return nil, f })
		}
	}
}

// With one collection, every leaked failure is still reported by the FlushUnhandled that
// follows, every time (run with -race -count=3 to shake the runtime's cleanup goroutine).
func TestFlushUnhandledDeterministic(t *testing.T) {
	l := collectUnhandled(t)
	const n = 40
	for round := range 25 {
		leakFailures(n)
		if got := FlushUnhandled(); got != n {
			t.Fatalf("round %d: FlushUnhandled reported %d, want %d", round, got, n)
		}
	}
	if got := len(l.Reports()); got != 25*n {
		t.Errorf("%d reports observed, want %d", got, 25*n)
	}
}
