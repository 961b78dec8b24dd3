package deferred

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// Python-only rows of the inlineCallbacks tables (test_defgen.py, test_inlinecb.py):
//   - test_nonGeneratorReturn, test_nonGeneratorReturnValue: Inline takes a typed body
//     func(*Co) (any, error); the compiler rejects anything else.
//   - test_returnValueNonLocalWarning, test_returnValueNonLocalDeferred: Go returns values
//     with return; there is no returnValue.
//   - testYieldNonDeferred, testStackUsage2: Await takes a *Deferred; Await(nil) returns at
//     once (TestYieldNonDeferred, TestStackUsage2).
//   - test_withInlineCallbacks (contextvars): pass a context.Context explicitly.

// TerminalException is test_defgen.py's TerminalException.
type TerminalException struct{ Msg string }

func (e *TerminalException) Error() string { return e.Msg }

// Ports test_defgen.py InlineCallbacksTests.testBasics: awaiting an asynchronous success
// and an asynchronous failure; the body's return value is the result.
func TestInlineBasics(t *testing.T) {
	clock := &fakeClock{}
	getThing := func() *Deferred {
		d := New(nil)
		clock.CallLater(0, func() { d.Callback("hi") })
		return d
	}
	getOwie := func() *Deferred {
		d := New(nil)
		clock.CallLater(0, func() { d.Errback(&GenericError{"OMG"}) })
		return d
	}
	d := Inline(func(c *Co) (any, error) {
		x, err := Await[string](c, getThing())
		if err != nil || x != "hi" {
			t.Errorf("got %q %v", x, err)
		}
		_, err = c.Await(getOwie())
		var f *failure.Failure
		if !errors.As(err, &f) || f.Check(genericError) == nil || f.Error() != "OMG" {
			t.Errorf("got %v", err)
		}
		return "WOOSH", nil
	})
	assertNoResult(t, d)
	clock.Advance(0)
	clock.Advance(0)
	if got := successResultOf(t, d); got != "WOOSH" {
		t.Fatal(got)
	}
}

// Ports test_defgen.py InlineCallbacksTests.testBuggy.
func TestInlineBuggy(t *testing.T) {
	clock := &fakeClock{}
	d := Inline(func(c *Co) (any, error) {
		p := New(nil)
		clock.CallLater(0, func() { p.Callback("hi") })
		c.Await(p)
		zero := 0
		return 1 / zero, nil
	})
	clock.Advance(0)
	f := failureResultOf(t, d, failure.Type[runtime.Error]())
	if !strings.Contains(f.Traceback(), "TestInlineBuggy.func1") {
		t.Fatalf("traceback lacks the body's frame:\n%s", f.Traceback())
	}
}

// Ports test_defgen.py InlineCallbacksTests.testNothing and testReturnNoValue.
func TestInlineNothing(t *testing.T) {
	if got := successResultOf(t, Inline(func(*Co) (any, error) { return nil, nil })); got != nil {
		t.Fatal(got)
	}
}

// Ports test_defgen.py InlineCallbacksTests.testReturnValue and test_inlinecb.py
// test_returnWithValue.
func TestInlineReturnValue(t *testing.T) {
	d := Inline(func(c *Co) (any, error) {
		c.Await(Succeed(5))
		return 6, nil
	})
	if got := successResultOf(t, d); got != 6 {
		t.Fatal(got)
	}
}

// Ports test_defgen.py InlineCallbacksTests.testHandledTerminalFailure.
func TestInlineHandledTerminalFailure(t *testing.T) {
	d := Inline(func(c *Co) (any, error) {
		_, err := c.Await(Fail(&TerminalException{"Handled Terminal Failure"}))
		if _, ok := failure.As[*TerminalException](err); !ok {
			t.Errorf("got %v", err)
		}
		return nil, nil
	})
	if got := successResultOf(t, d); got != nil {
		t.Fatal(got)
	}
}

// Ports test_defgen.py InlineCallbacksTests.testHandledTerminalAsyncFailure.
func TestInlineHandledTerminalAsyncFailure(t *testing.T) {
	p := New(nil)
	d := Inline(func(c *Co) (any, error) {
		_, err := c.Await(p)
		if _, ok := failure.As[*TerminalException](err); !ok {
			t.Errorf("got %v", err)
		}
		return nil, nil
	})
	p.Errback(&TerminalException{"Handled Terminal Failure"})
	if got := successResultOf(t, d); got != nil {
		t.Fatal(got)
	}
}

// Ports test_defgen.py InlineCallbacksTests.testStackUsage: thousands of already-fired
// Deferreds awaited in a row.
func TestInlineStackUsage(t *testing.T) {
	d := Inline(func(c *Co) (any, error) {
		x := 0
		for i := 0; i < 5000; i++ {
			if _, err := c.Await(Succeed(1)); err != nil {
				return nil, err
			}
		}
		return x, nil
	})
	if got := successResultOf(t, d); got != 0 {
		t.Fatal(got)
	}
}

// Replaces test_defgen.py testStackUsage2 and testYieldNonDeferred: Await(nil) returns nil
// at once.
func TestYieldNonDeferred(t *testing.T) {
	d := Inline(func(c *Co) (any, error) {
		for i := 0; i < 5000; i++ {
			if v, err := c.Await(nil); v != nil || err != nil {
				return nil, errors.New("Await(nil) did not return (nil, nil)")
			}
		}
		return 0, nil
	})
	if got := successResultOf(t, d); got != 0 {
		t.Fatal(got)
	}
}

// The 100 000 synchronous awaits: the driver loops instead of recursing, so the
// callbacks of the returned Deferred run at the same depth after 1 or 100 000 awaits.
func TestInline100000SynchronousAwaits(t *testing.T) {
	depthAfter := func(n int) int {
		start := New(nil)
		sum := 0
		d := Inline(func(c *Co) (any, error) {
			c.Await(start) // suspend, so the rest runs from start.Callback below
			for i := 0; i < n; i++ {
				v, err := Await[int](c, Succeed(1))
				if err != nil {
					return nil, err
				}
				sum += v
			}
			return sum, nil
		})
		depth := 0
		d.AddCallback(func(v any) (any, error) {
			pcs := make([]uintptr, 4096)
			depth = runtime.Callers(0, pcs)
			return v, nil
		})
		start.Callback(nil)
		if got := successResultOf(t, d); got != n {
			t.Fatalf("sum %v, want %d", got, n)
		}
		return depth
	}
	if a, b := depthAfter(1), depthAfter(100000); a != b || a == 0 {
		t.Fatalf("stack depth %d after 1 await, %d after 100000", a, b)
	}
}

// Core-semantics 1.10: Inline is eager and awaiting consumes the awaited result.
func TestInlineEagerAndConsuming(t *testing.T) {
	var steps []string
	awaited := Fail(&GenericError{"consumed"})
	d := Inline(func(c *Co) (any, error) {
		steps = append(steps, "start")
		c.Await(awaited)
		steps = append(steps, "after")
		return "done", nil
	})
	if strings.Join(steps, ",") != "start,after" || !d.HasResult() {
		t.Fatalf("body did not run eagerly: %v", steps)
	}
	if got := successResultOf(t, awaited); got != nil {
		t.Fatalf("awaited result not consumed: %v", got)
	}
}

// A panic in the body fails the returned Deferred with a PanicError whose traceback
// shows the body; an error returned from the body fails it with that error.
func TestInlinePanicAndError(t *testing.T) {
	f := failureResultOf(t, Inline(func(c *Co) (any, error) {
		c.Await(Succeed(1))
		panic(&GenericError{"in body"})
	}), genericError)
	if _, ok := f.Value.(*failure.PanicError); !ok || !strings.Contains(f.Traceback(), "TestInlinePanicAndError") {
		t.Fatalf("%T\n%s", f.Value, f.Traceback())
	}
	err := &GenericError{"returned"}
	if f := failureResultOf(t, Inline(func(*Co) (any, error) { return nil, err })); f.Value != error(err) {
		t.Fatal(f)
	}
}

// Await outside its body (from a callback, after the body returned) panics with a
// clear *AwaitError; inside a Deferred callback that becomes a failure.
func TestAwaitMisuse(t *testing.T) {
	var escaped *Co
	p := New(nil)
	d := Inline(func(c *Co) (any, error) {
		escaped = c
		return c.Await(p)
	})
	// The body is suspended: Await from a callback on the reactor side is misuse.
	cb := Succeed(nil).AddCallback(func(any) (any, error) { return escaped.Await(Succeed(1)) })
	f := failureResultOf(t, cb, failure.Type[*AwaitError]())
	if !strings.Contains(f.Error(), "outside its Inline body") {
		t.Fatal(f)
	}
	p.Callback("ok")
	successResultOf(t, d)
	e := mustPanic[*AwaitError](t, func() { escaped.Await(Succeed(1)) })
	if !strings.Contains(e.Error(), "after its Inline body returned") {
		t.Fatal(e)
	}
}

// Inline bodies can await other Inline bodies (nested coroutines).
func TestInlineNested(t *testing.T) {
	p := New(nil)
	inner := func(x int) *Deferred {
		return Inline(func(c *Co) (any, error) {
			v, err := Await[int](c, p)
			return v + x, err
		})
	}
	d := Inline(func(c *Co) (any, error) {
		a, err := Await[int](c, inner(1))
		if err != nil {
			return nil, err
		}
		b, err := Await[int](c, inner(2)) // p was consumed: awaits nil
		return []int{a, b}, err
	})
	p.Callback(10)
	f := failureResultOf(t, d, failure.Type[*TypeError]())
	if !strings.Contains(f.Error(), "<nil>") {
		t.Fatal(f)
	}
}

// Stop ends a suspended body: Await returns ErrCoroutineStopped and the returned Deferred
// fires with the body's outcome; Suspended lists suspended bodies.
func TestInlineStop(t *testing.T) {
	p := New(nil)
	d := Inline(func(c *Co) (any, error) {
		_, err := c.Await(p)
		return nil, err
	})
	var co *Co
	for _, c := range Suspended() {
		if c.s.target == d {
			co = c
		}
	}
	if co == nil || !strings.Contains(co.String(), "suspended") {
		t.Fatalf("body not listed as suspended: %v", Suspended())
	}
	co.Stop()
	f := failureResultOf(t, d)
	if !errors.Is(f, ErrCoroutineStopped) {
		t.Fatal(f)
	}
	for _, c := range Suspended() {
		if c == co {
			t.Fatal("stopped body still listed")
		}
	}
	p.Callback(1) // the late result is ignored
	successResultOf(t, p)
}

// cancellationSample is test_inlinecb.py CancellationTests.sampleInlineCB.
type UntranslatedError struct{}

func (*UntranslatedError) Error() string { return "untranslated" }

type TranslatedError struct{}

func (*TranslatedError) Error() string { return "translated" }

type DontFail struct{ ActualValue int }

func (*DontFail) Error() string { return "don't fail" }

func sampleInlineCB(getChildDeferred func() *Deferred) *Deferred {
	return Inline(func(c *Co) (any, error) {
		x, err := Await[int](c, getChildDeferred())
		if err != nil {
			if _, ok := failure.As[*UntranslatedError](err); ok {
				return nil, &TranslatedError{}
			}
			df, ok := failure.As[*DontFail](err)
			if !ok {
				return nil, err
			}
			x = df.ActualValue - 2
		}
		return x + 1, nil
	})
}

// Ports test_inlinecb.py CancellationTests.test_cascadeCancellingOnCancel.
func TestCascadeCancellingOnCancel(t *testing.T) {
	var childResult error
	d := sampleInlineCB(func() *Deferred {
		c := New(nil)
		c.AddErrback(func(f *failure.Failure) (any, error) { childResult = f.Check(ErrCancelled); return nil, f })
		return c
	})
	d.AddErrback(swallow)
	d.Cancel()
	if childResult != ErrCancelled {
		t.Fatal("no cascade cancelling occurs")
	}
}

// Ports test_inlinecb.py CancellationTests.test_errbackCancelledErrorOnCancel.
func TestErrbackCancelledErrorOnCancel(t *testing.T) {
	d := sampleInlineCB(func() *Deferred { return New(nil) })
	d.Cancel()
	failureResultOf(t, d, ErrCancelled)
}

// Ports test_inlinecb.py CancellationTests.test_errorToErrorTranslation.
func TestErrorToErrorTranslation(t *testing.T) {
	a := New(func(it *Deferred) { it.Errback(&UntranslatedError{}) })
	d := sampleInlineCB(func() *Deferred { return a })
	d.Cancel()
	failureResultOf(t, d, failure.Type[*TranslatedError]())
}

// Ports test_inlinecb.py CancellationTests.test_errorToSuccessTranslation.
func TestErrorToSuccessTranslation(t *testing.T) {
	a := New(func(it *Deferred) { it.Errback(&DontFail{4321}) })
	d := sampleInlineCB(func() *Deferred { return a })
	var results []any
	d.AddCallback(recordAny(&results))
	d.Cancel()
	if len(results) != 1 || results[0] != 4320 {
		t.Fatal(results)
	}
}

// Ports test_inlinecb.py CancellationTests.test_asynchronousCancellation.
func TestAsynchronousCancellation(t *testing.T) {
	more := New(nil)
	d := sampleInlineCB(func() *Deferred {
		c := New(nil)
		c.AddErrback(func(f *failure.Failure) (any, error) {
			if err := f.Trap(ErrCancelled); err != nil {
				return nil, err
			}
			return more, nil
		})
		return c
	})
	d.Cancel()
	assertNoResult(t, d)
	more.Callback(6543)
	if got := successResultOf(t, d); got != 6544 {
		t.Fatal(got)
	}
}

// Core-semantics 1.10 (verified): a body that catches CancelledError and returns a value
// makes the cancelled Deferred succeed; cancelling a finished body does nothing.
func TestInlineSwallowedCancellation(t *testing.T) {
	d := Inline(func(c *Co) (any, error) {
		_, err := c.Await(New(nil))
		if errors.Is(err, ErrCancelled) {
			return "swallowed", nil
		}
		return nil, err
	})
	d.Cancel()
	if got := successResultOf(t, d); got != "swallowed" {
		t.Fatal(got)
	}
	d.Cancel()
}

// Ports test_inlinecb.py test_forwardTracebacks and test_forwardLotsOfTracebacks: a failure
// travelling through nested Inline layers is the same Failure, with the frames of where
// it was raised.
func TestForwardTracebacks(t *testing.T) {
	var layer func(n int) *Deferred
	layer = func(n int) *Deferred {
		return Inline(func(c *Co) (any, error) {
			if n == 0 {
				var m map[int]int
				m[0] = 1 // raises
				return nil, nil
			}
			return c.Await(layer(n - 1))
		})
	}
	f := failureResultOf(t, layer(10), failure.Type[runtime.Error]())
	if !strings.Contains(f.Traceback(), "TestForwardTracebacks") {
		t.Fatalf("lost the raising frame:\n%s", f.Traceback())
	}
}

// Then and Catch give typed callbacks; a wrong type is a *TypeError failure.
func TestThenAndCatch(t *testing.T) {
	d := Then(Succeed(20), func(n int) (string, error) { return strings.Repeat("x", n/10), nil })
	if got := successResultOf(t, d); got != "xx" {
		t.Fatal(got)
	}
	d = Then(Succeed("not an int"), func(n int) (int, error) { return n, nil })
	failureResultOf(t, d, failure.Type[*TypeError]())
	d = Then(Succeed(nil), func(p *GenericError) (bool, error) { return p == nil, nil })
	if got := successResultOf(t, d); got != true {
		t.Fatal(got)
	}
	d = Catch(Fail(&GenericError{"caught"}), func(e *GenericError) (any, error) { return e.Msg, nil })
	if got := successResultOf(t, d); got != "caught" {
		t.Fatal(got)
	}
	d = Catch(Fail(&TerminalException{"other"}), func(e *GenericError) (any, error) { return e.Msg, nil })
	failureResultOf(t, d, failure.Type[*TerminalException]())
}
