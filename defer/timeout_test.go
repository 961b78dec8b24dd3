package deferred

import (
	"sort"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
)

// fakeClock is a minimal task.Clock for these tests: calls run when Advance passes them.
type fakeClock struct {
	now   time.Duration
	calls []*fakeCall
}

type fakeCall struct {
	at        time.Duration
	f         func()
	cancelled bool
	called    bool
	clock     *fakeClock
}

func (c *fakeClock) CallLater(d time.Duration, f func()) DelayedCall {
	call := &fakeCall{at: c.now + d, f: f, clock: c}
	c.calls = append(c.calls, call)
	return call
}

func (c *fakeClock) Advance(d time.Duration) {
	c.now += d
	sort.SliceStable(c.calls, func(i, j int) bool { return c.calls[i].at < c.calls[j].at })
	for len(c.calls) > 0 && c.calls[0].at <= c.now {
		call := c.calls[0]
		c.calls = c.calls[1:]
		call.called = true
		call.f()
	}
}

func (c *fakeCall) Active() bool { return !c.cancelled && !c.called }

func (c *fakeCall) Cancel() {
	if !c.Active() {
		panic("cancelling an inactive call")
	}
	c.cancelled = true
	for i, x := range c.clock.calls {
		if x == c {
			c.clock.calls = append(c.clock.calls[:i], c.clock.calls[i+1:]...)
			break
		}
	}
}

const sec = time.Second

// overrideFunc is test_defer.py's _overrideFunc.
func overrideFunc(any, time.Duration) (any, error) { return "OVERRIDDEN", nil }

// Ports test_defer.py DeferredAddTimeoutTests.test_timeoutChainable.
func TestTimeoutChainable(t *testing.T) {
	d := New(nil)
	if d.AddTimeout(5*sec, &fakeClock{}, nil) != d {
		t.Fatal("AddTimeout must return its Deferred")
	}
	d.AddCallback(func(any) (any, error) { return "done", nil })
	d.Callback(nil)
	if got := successResultOf(t, d); got != "done" {
		t.Fatal(got)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_successResultBeforeTimeout and
// test_successResultBeforeTimeoutCustom.
func TestSuccessResultBeforeTimeout(t *testing.T) {
	for _, conv := range []func(any, time.Duration) (any, error){nil, overrideFunc} {
		clock := &fakeClock{}
		d := New(nil)
		d.AddTimeout(10*sec, clock, conv)
		inner := New(nil)
		var got any
		d.AddCallback(func(r any) (any, error) { got = r; return inner, nil })
		d.Callback("results")
		if got != "results" {
			t.Fatal(got)
		}
		clock.Advance(15 * sec)
		assertNoResult(t, inner)
		if len(clock.calls) != 0 {
			t.Fatal("the timeout call was not cancelled")
		}
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_failureBeforeTimeout and
// test_failureBeforeTimeoutCustom.
func TestFailureBeforeTimeout(t *testing.T) {
	for _, conv := range []func(any, time.Duration) (any, error){nil, overrideFunc} {
		clock := &fakeClock{}
		d := New(nil)
		d.AddTimeout(10*sec, clock, conv)
		inner := New(nil)
		var got *failure.Failure
		err := &GenericError{"fail"}
		d.AddErrback(func(f *failure.Failure) (any, error) { got = f; return inner, nil })
		d.Errback(err)
		if got == nil || got.Value != error(err) {
			t.Fatal(got)
		}
		clock.Advance(15 * sec)
		assertNoResult(t, inner)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_timedOut.
func TestTimedOut(t *testing.T) {
	clock := &fakeClock{}
	d := New(nil)
	d.AddTimeout(10*sec, clock, nil)
	assertNoResult(t, d)
	clock.Advance(15 * sec)
	f := failureResultOf(t, d, ErrTimeout)
	if te := f.Value.(*TimeoutError); te.Timeout != 10*sec {
		t.Fatal(te)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_timedOutCustom.
func TestTimedOutCustom(t *testing.T) {
	clock := &fakeClock{}
	d := New(nil)
	d.AddTimeout(10*sec, clock, overrideFunc)
	assertNoResult(t, d)
	clock.Advance(15 * sec)
	if got := successResultOf(t, d); got != "OVERRIDDEN" {
		t.Fatal(got)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_timedOutProvidedCancelSuccess.
func TestTimedOutProvidedCancelSuccess(t *testing.T) {
	clock := &fakeClock{}
	d := New(func(c *Deferred) { c.Callback("I was cancelled!") })
	d.AddTimeout(10*sec, clock, nil)
	assertNoResult(t, d)
	clock.Advance(15 * sec)
	if got := successResultOf(t, d); got != "I was cancelled!" {
		t.Fatal(got)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_timedOutProvidedCancelFailure.
func TestTimedOutProvidedCancelFailure(t *testing.T) {
	clock := &fakeClock{}
	err := &GenericError{"what!"}
	d := New(func(c *Deferred) { c.Errback(err) })
	d.AddTimeout(10*sec, clock, nil)
	assertNoResult(t, d)
	clock.Advance(15 * sec)
	if f := failureResultOf(t, d, genericError); f.Value != error(err) {
		t.Fatal(f)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_cancelBeforeTimeout and
// test_cancelBeforeTimeoutCustom.
func TestCancelBeforeTimeout(t *testing.T) {
	for _, conv := range []func(any, time.Duration) (any, error){nil, overrideFunc} {
		clock := &fakeClock{}
		d := New(nil)
		d.AddTimeout(10*sec, clock, conv)
		inner := New(nil)
		var got *failure.Failure
		d.AddErrback(func(f *failure.Failure) (any, error) { got = f; return inner, nil })
		d.Cancel()
		if got == nil || got.Check(ErrCancelled) == nil {
			t.Fatal(got)
		}
		clock.Advance(15 * sec)
		assertNoResult(t, inner)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_providedCancelCalledBeforeTimeoutCustom.
func TestProvidedCancelCalledBeforeTimeoutCustom(t *testing.T) {
	clock := &fakeClock{}
	d := New(func(c *Deferred) { c.Errback(&GenericError{"what!"}) })
	d.AddTimeout(10*sec, clock, overrideFunc)
	assertNoResult(t, d)
	clock.Advance(15 * sec)
	if got := successResultOf(t, d); got != "OVERRIDDEN" {
		t.Fatal(got)
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_errbackAddedBeforeTimeout and
// test_errbackAddedBeforeTimeoutCustom.
func TestErrbackAddedBeforeTimeout(t *testing.T) {
	for _, custom := range []bool{false, true} {
		clock := &fakeClock{}
		d := New(nil)
		var got *failure.Failure
		d.AddErrback(func(f *failure.Failure) (any, error) { got = f; return nil, f })
		if custom {
			d.AddTimeout(10*sec, clock, overrideFunc)
		} else {
			d.AddTimeout(10*sec, clock, nil)
		}
		clock.Advance(15 * sec)
		if got == nil || got.Check(ErrCancelled) == nil {
			t.Fatal(got)
		}
		if custom {
			if r := successResultOf(t, d); r != "OVERRIDDEN" {
				t.Fatal(r)
			}
		} else {
			failureResultOf(t, d, ErrTimeout)
		}
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_errbackAddedBeforeTimeoutSuppressesCancellation
// and test_errbackAddedBeforeTimeoutSuppressesCancellationCustom.
func TestErrbackAddedBeforeTimeoutSuppressesCancellation(t *testing.T) {
	for _, custom := range []bool{false, true} {
		clock := &fakeClock{}
		d := New(nil)
		var got *failure.Failure
		d.AddErrback(func(f *failure.Failure) (any, error) {
			got = f
			if err := f.Trap(ErrCancelled); err != nil {
				return nil, err
			}
			return nil, nil
		})
		if custom {
			d.AddTimeout(10*sec, clock, overrideFunc)
		} else {
			d.AddTimeout(10*sec, clock, nil)
		}
		clock.Advance(15 * sec)
		if got == nil || got.Check(ErrCancelled) == nil {
			t.Fatal(got)
		}
		r := successResultOf(t, d)
		if custom && r != "OVERRIDDEN" || !custom && r != nil {
			t.Fatal(r)
		}
	}
}

// Ports test_defer.py DeferredAddTimeoutTests.test_callbackAddedToCancelerBeforeTimeout
// and test_callbackAddedToCancelerBeforeTimeoutCustom.
func TestCallbackAddedToCancelerBeforeTimeout(t *testing.T) {
	for _, custom := range []bool{false, true} {
		clock := &fakeClock{}
		d := New(func(d *Deferred) { d.Callback("success") })
		var got any
		d.AddCallback(func(v any) (any, error) { got = v; return v, nil })
		if custom {
			d.AddTimeout(10*sec, clock, overrideFunc)
		} else {
			d.AddTimeout(10*sec, clock, nil)
		}
		clock.Advance(15 * sec)
		if got != "success" {
			t.Fatal(got)
		}
		r := successResultOf(t, d)
		if custom && r != "OVERRIDDEN" || !custom && r != "success" {
			t.Fatal(r)
		}
	}
}
