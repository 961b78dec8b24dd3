package deferred

import (
	"errors"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

func identity(v any) (any, error) { return v, nil }

// add+fire one callback: the budget is 150 ns and 2 allocations.
func BenchmarkAddCallbackAndFire(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d := New(nil)
		d.AddCallback(identity)
		d.Callback(1)
	}
}

// The same on an already-fired Deferred (Succeed, then add).
func BenchmarkSucceedAddCallback(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Succeed(1).AddCallback(identity)
	}
}

func BenchmarkChainOf10Callbacks(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d := New(nil)
		for range 10 {
			d.AddCallback(identity)
		}
		d.Callback(1)
	}
}

// A callback returning a pending Deferred, fired afterwards (pause, continuation, resume).
func BenchmarkReturnPendingDeferred(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		inner := New(nil)
		outer := New(nil)
		outer.AddCallback(func(any) (any, error) { return inner, nil })
		outer.AddCallback(identity)
		outer.Callback(nil)
		inner.Callback(2)
	}
}

// A callback returning an already-fired Deferred (its result is taken over at once).
func BenchmarkReturnFiredDeferred(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		outer := New(nil)
		outer.AddCallback(func(any) (any, error) { return Succeed(2), nil })
		outer.AddCallback(identity)
		outer.Callback(nil)
	}
}

// An error returned from a callback and handled by the next errback (Failure creation
// with a shallow stack capture dominates).
func BenchmarkErrorToErrback(b *testing.B) {
	err := errors.New("x")
	b.ReportAllocs()
	for b.Loop() {
		d := New(nil)
		d.AddCallback(func(any) (any, error) { return nil, err })
		d.AddErrback(func(*failure.Failure) (any, error) { return nil, nil })
		d.Callback(1)
	}
}

// One Inline body per iteration awaiting one already-fired Deferred.
func BenchmarkInlineAwaitFired(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Inline(func(c *Co) (any, error) { return c.Await(Succeed(1)) })
	}
}

// One body, b.N awaits of already-fired Deferreds: the per-await cost.
func BenchmarkInlineAwaitFiredLoop(b *testing.B) {
	b.ReportAllocs()
	fired := Succeed(1)
	Inline(func(c *Co) (any, error) {
		for b.Loop() {
			fired.result = 1 // re-arm: awaiting consumes the result
			c.Await(fired)
		}
		return nil, nil
	})
}

// One body, b.N awaits of pending Deferreds fired from outside (suspend and resume).
func BenchmarkInlineAwaitPendingLoop(b *testing.B) {
	b.ReportAllocs()
	var next *Deferred
	done := false
	Inline(func(c *Co) (any, error) {
		for !done {
			next = New(nil)
			c.Await(next)
		}
		return nil, nil
	})
	for b.Loop() {
		next.Callback(1)
	}
	done = true
	next.Callback(1)
}

// Inline body awaiting one pending Deferred, including starting the coroutine.
func BenchmarkInlineAwaitPending(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := New(nil)
		Inline(func(c *Co) (any, error) { return c.Await(p) })
		p.Callback(1)
	}
}

func BenchmarkDeferredList100(b *testing.B) {
	b.ReportAllocs()
	ds := make([]*Deferred, 100)
	for b.Loop() {
		for i := range ds {
			ds[i] = New(nil)
		}
		dl := NewDeferredList(ds)
		for i, d := range ds {
			d.Callback(i)
		}
		if !dl.Called() {
			b.Fatal("list did not fire")
		}
	}
}

func BenchmarkGather100(b *testing.B) {
	b.ReportAllocs()
	ds := make([]*Deferred, 100)
	for b.Loop() {
		for i := range ds {
			ds[i] = New(nil)
		}
		g := Gather(ds)
		for i, d := range ds {
			d.Callback(i)
		}
		if !g.Called() {
			b.Fatal("gather did not fire")
		}
	}
}

// AllocsPerRun guards the allocation budget for add+fire one callback.
func TestAddCallbackAndFireAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(1000, func() {
		d := New(nil)
		d.AddCallback(identity)
		d.Callback(1)
	})
	if allocs > 2 {
		t.Fatalf("add+fire one callback: %v allocations, budget 2", allocs)
	}
}

// Calibration for the figures above on a shared machine: one 144-byte allocation (the
// size of a Deferred) and one indirect call, the floor under add+fire one callback.
func BenchmarkBaselineAllocAndCall(b *testing.B) {
	b.ReportAllocs()
	f := identity
	for b.Loop() {
		d := &Deferred{}
		d.result, _ = f(1)
		sink = d
	}
}

var sink *Deferred
