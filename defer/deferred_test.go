package deferred

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// Python-only rows of DeferredTests, and what replaces them:
//   - test_addCallbacksNoneCallbackArgs, test_addCallbacksNoneErrbackArgs: Go has no
//     extra-argument tuples; closures carry arguments (see TestCallbackWithArgs).
//   - test_errbackWithNoArgsNoDebug, test_errbackWithNoArgs: Go has no "current exception";
//     Errback(nil) gives a *failure.NoCurrentExceptionError (TestErrbackWithNoArgs), and
//     locals cannot be captured: debug mode captures deeper stacks instead
//     (TestErrorInCallbackCapturesVarsWhenDebugging).
//   - test_circularChainWarning, test_circularChainException: Go has no warnings; the
//     circular chain becomes a *CircularChainError failure (TestCircularChainException).
//   - test_fromCoroutineRequiresCoroutine: Inline takes a typed func, so the compiler
//     rejects non-coroutines.
//
// Other classes of test_defer.py:
//   - EnsureDeferredTests: Go has no coroutine objects to ensure; a Deferred returned to
//     MaybeDeferred passes through as is (TestMaybeDeferredAsync, the test_passesThroughDeferreds
//     behaviour); test_willNotAllowNonDeferredOrCoroutine is a compile-time type error.
//   - TimeoutErrorTests (the deprecated defer.timeout), DeferredFutureAdapterTests (asyncio)
//     and CoroutineContextVarsTests (contextvars): Python-only; pass a context.Context.
//   - DeferredFilesystemLockTests: not ported; DeferredFilesystemLock stands on
//     twisted.python.lockfile, which gotwisted does not port.

// Ports test_defer.py DeferredTests.testCallbackWithoutArgs.
func TestCallbackWithoutArgs(t *testing.T) {
	d := New(nil)
	var cbResults []any
	var ebResults []*failure.Failure
	d.AddCallbacks(recordAny(&cbResults), recordFailure(&ebResults))
	d.Callback("hello")
	if len(ebResults) != 0 || len(cbResults) != 1 || cbResults[0] != "hello" {
		t.Fatalf("callback got %v, errback got %v", cbResults, ebResults)
	}
}

// Ports test_defer.py DeferredTests.testCallbackWithArgs and testCallbackWithKwArgs:
// extra arguments are bound with a closure and arrive after the result.
func TestCallbackWithArgs(t *testing.T) {
	callback := func(result any, extra string) (any, error) {
		return fmt.Sprint(result, " ", extra), nil
	}
	d := New(nil)
	world := "world"
	d.AddCallback(func(r any) (any, error) { return callback(r, world) })
	d.Callback("hello")
	if got := successResultOf(t, d); got != "hello world" {
		t.Fatalf("got %q", got)
	}
}

// Ports test_defer.py DeferredTests.testTwoCallbacks.
func TestTwoCallbacks(t *testing.T) {
	d := New(nil)
	var first, second []any
	d.AddCallback(func(r any) (any, error) { first = append(first, r); return r, nil })
	d.AddCallback(recordAny(&second))
	d.Callback("hello")
	if fmt.Sprint(first, second) != "[hello] [hello]" {
		t.Fatalf("got %v %v", first, second)
	}
}

// Ports test_defer.py DeferredTests.test_addCallbacksNoneErrback.
func TestAddCallbacksNoneErrback(t *testing.T) {
	err := &GenericError{"oopsie"}
	d := New(nil)
	var cb []any
	d.AddCallbacks(recordAny(&cb), nil)
	d.Errback(err)
	var eb []*failure.Failure
	d.AddErrback(recordFailure(&eb))
	if len(cb) != 0 || len(eb) != 1 || eb[0].Value != error(err) {
		t.Fatalf("cb=%v eb=%v", cb, eb)
	}
}

// Ports test_defer.py DeferredTests.testImmediateSuccess.
func TestImmediateSuccess(t *testing.T) {
	var l []any
	Succeed("success").AddCallback(recordAny(&l))
	if len(l) != 1 || l[0] != "success" {
		t.Fatalf("got %v", l)
	}
}

// Ports test_defer.py DeferredTests.testImmediateFailure.
func TestImmediateFailure(t *testing.T) {
	var l []*failure.Failure
	Fail(&GenericError{"fail"}).AddErrback(recordFailure(&l))
	if len(l) != 1 || l[0].Value.Error() != "fail" {
		t.Fatalf("got %v", l)
	}
}

// Ports test_defer.py DeferredTests.testPausedFailure.
func TestPausedFailure(t *testing.T) {
	var l []*failure.Failure
	d := Fail(&GenericError{"fail"})
	d.Pause()
	d.AddErrback(recordFailure(&l))
	if len(l) != 0 {
		t.Fatal("errback ran while paused")
	}
	d.Unpause()
	if len(l) != 1 || l[0].Error() != "fail" {
		t.Fatalf("got %v", l)
	}
}

// Ports test_defer.py DeferredTests.testCallbackErrors: a panic in a callback (Python's
// raise) and a returned Failure both reach the next errback.
func TestCallbackErrors(t *testing.T) {
	var l []*failure.Failure
	zero := 0
	d := New(nil).AddCallback(func(any) (any, error) { return 1 / zero, nil }).AddErrback(recordFailure(&l))
	d.Callback(1)
	var re runtime.Error
	if len(l) != 1 || !errors.As(l[0], &re) || !strings.Contains(re.Error(), "divide by zero") {
		t.Fatalf("got %v", l)
	}
	if _, ok := l[0].Value.(*failure.PanicError); !ok {
		t.Fatalf("Value is %T, want *failure.PanicError", l[0].Value)
	}

	l = nil
	ret := failure.New(&GenericError{"zero"})
	d = New(nil).AddCallback(func(any) (any, error) { return ret, nil }).AddErrback(recordFailure(&l))
	d.Callback(1)
	if len(l) != 1 || l[0] != ret {
		t.Fatalf("got %v, want the returned Failure itself", l)
	}
}

// The rules: a returned error switches sides (and is wrapped once), a returned
// *Failure as the error is used as is, an errback that returns a value switches back,
// and a panic with a *Failure propagates that Failure.
func TestReturnedErrorSwitchesSides(t *testing.T) {
	plain := &GenericError{"plain"}
	var l []*failure.Failure
	var after []any
	d := New(nil).
		AddCallback(func(any) (any, error) { return "ignored", plain }).
		AddErrback(func(f *failure.Failure) (any, error) { l = append(l, f); return nil, f }).
		AddErrback(func(f *failure.Failure) (any, error) { l = append(l, f); return "recovered", nil }).
		AddCallback(recordAny(&after))
	d.Callback(nil)
	if len(l) != 2 || l[0] != l[1] || l[0].Value != error(plain) {
		t.Fatalf("failures %v: want the same Failure wrapping plain twice", l)
	}
	if len(after) != 1 || after[0] != "recovered" {
		t.Fatalf("after = %v", after)
	}

	f := failure.New(plain)
	got := failureResultOf(t, Succeed(1).AddCallback(func(any) (any, error) { return nil, f }))
	if got != f {
		t.Fatal("a *Failure returned as error was wrapped again")
	}
	got = failureResultOf(t, Succeed(1).AddCallback(func(any) (any, error) { panic(f) }))
	if got != f {
		t.Fatal("a panicked *Failure was wrapped")
	}
	got = failureResultOf(t, Succeed(1).AddCallback(func(any) (any, error) {
		return nil, fmt.Errorf("context: %w", f)
	}))
	if got == f || !errors.Is(got, plain) {
		t.Fatal("an error containing a Failure must get a new Failure that still unwraps")
	}
}

// Panics of every kind become failures; the traceback shows the panic site below the
// "exception caught here" marker.
func TestPanicBecomesFailure(t *testing.T) {
	cases := []struct {
		name  string
		panic func()
		check func(*failure.Failure) bool
	}{
		{"nil map", func() { var m map[string]int; m["x"] = 1 }, func(f *failure.Failure) bool {
			_, ok := failure.As[runtime.Error](f)
			return ok
		}},
		{"index", func() { s := []int{}; _ = s[len(s)+2] }, func(f *failure.Failure) bool {
			return strings.Contains(f.Error(), "index out of range")
		}},
		{"string", func() { panic("just a string") }, func(f *failure.Failure) bool {
			pe, ok := f.Value.(*failure.PanicError)
			return ok && pe.Value == "just a string" && pe.Unwrap() == nil
		}},
		{"typed error", func() { panic(&GenericError{"typed"}) }, func(f *failure.Failure) bool {
			return f.Check(genericError) != nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := failureResultOf(t, Succeed(nil).AddCallback(func(any) (any, error) { c.panic(); return nil, nil }))
			if !c.check(f) {
				t.Fatalf("unexpected failure %s", f.Traceback())
			}
			tb := f.Traceback()
			marker := strings.Index(tb, failure.ExceptionCaughtHere)
			site := strings.LastIndex(tb, "TestPanicBecomesFailure.func")
			if marker < 0 || site < marker || !strings.Contains(tb, "*failure.PanicError") {
				t.Fatalf("traceback does not show the panic site below the marker:\n%s", tb)
			}
		})
	}
	// Errbacks are protected too.
	f := failureResultOf(t, Fail(errors.New("x")).AddErrback(func(*failure.Failure) (any, error) { panic("in errback") }))
	if !strings.Contains(f.Error(), "in errback") {
		t.Fatal(f)
	}
}

// Ports test_defer.py DeferredTests.testUnpauseBeforeCallback.
func TestUnpauseBeforeCallback(t *testing.T) {
	d := New(nil)
	d.Pause()
	var l []any
	d.AddCallback(recordAny(&l))
	d.Unpause()
	if len(l) != 0 {
		t.Fatal("callback ran before the Deferred was fired")
	}
	d.Callback(1)
	if len(l) != 1 {
		t.Fatal("callback did not run after firing")
	}
}

// Ports test_defer.py DeferredTests.testReturnDeferred.
func TestReturnDeferred(t *testing.T) {
	d1, d2 := New(nil), New(nil)
	d2.Pause()
	var got []any
	d1.AddCallback(func(any) (any, error) { return d2, nil })
	d1.AddCallback(recordAny(&got))
	d1.Callback(1)
	if len(got) != 0 {
		t.Fatal("should not have been called yet")
	}
	d2.Callback(2)
	if len(got) != 0 {
		t.Fatal("still should not have been called yet")
	}
	d2.Unpause()
	if len(got) != 1 || got[0] != 2 {
		t.Fatalf("result should have come from the second Deferred: %v", got)
	}
}

// Ports test_defer.py DeferredTests.test_chainedPausedDeferredWithResult.
func TestChainedPausedDeferredWithResult(t *testing.T) {
	expected := &struct{ x int }{1}
	paused := New(nil)
	paused.Callback(expected)
	paused.Pause()
	chained := New(nil)
	chained.AddCallback(func(any) (any, error) { return paused, nil })
	chained.Callback(nil)
	var result []any
	chained.AddCallback(recordAny(&result))
	if len(result) != 0 {
		t.Fatal("fired while the returned Deferred was paused")
	}
	paused.Unpause()
	if len(result) != 1 || result[0] != expected {
		t.Fatalf("got %v", result)
	}
}

// Ports test_defer.py DeferredTests.test_pausedDeferredChained.
func TestPausedDeferredChained(t *testing.T) {
	first, second := New(nil), New(nil)
	first.AddCallback(func(any) (any, error) { return second, nil })
	first.Callback(nil)
	first.Pause()
	second.Callback(nil)
	var result []any
	second.AddCallback(recordAny(&result))
	if len(result) != 1 || result[0] != nil {
		t.Fatalf("got %v", result)
	}
}

// Ports test_defer.py DeferredTests.test_maybeDeferredSync and
// test_maybeDeferredSyncWithArgs.
func TestMaybeDeferredSync(t *testing.T) {
	result := &struct{ x int }{}
	var results []any
	var errs []*failure.Failure
	MaybeDeferred(func() (any, error) { return result, nil }).AddCallbacks(recordAny(&results), recordFailure(&errs))
	if len(errs) != 0 || len(results) != 1 || results[0] != result {
		t.Fatalf("results %v errors %v", results, errs)
	}
	plusFive := func(x int) int { return x + 5 }
	if got := successResultOf(t, MaybeDeferred(func() (any, error) { return plusFive(10), nil })); got != 15 {
		t.Fatalf("got %v", got)
	}
}

// Ports test_defer.py DeferredTests.test_maybeDeferredSyncException: an error (or a
// panic, Python's exception) becomes the failure.
func TestMaybeDeferredSyncException(t *testing.T) {
	want := &GenericError{"sync"}
	f := failureResultOf(t, MaybeDeferred(func() (any, error) { return nil, want }))
	if f.Value != error(want) {
		t.Fatalf("got %v", f)
	}
	f = failureResultOf(t, MaybeDeferred(func() (any, error) { var p *struct{ x int }; return p.x, nil }))
	if _, ok := failure.As[runtime.Error](f); !ok {
		t.Fatalf("got %v", f)
	}
}

// Ports test_defer.py DeferredTests.test_maybeDeferredSyncFailure.
func TestMaybeDeferredSyncFailure(t *testing.T) {
	expected := failure.New(&GenericError{"x"})
	var results []any
	var errs []*failure.Failure
	MaybeDeferred(func() (any, error) { return expected, nil }).AddCallbacks(recordAny(&results), recordFailure(&errs))
	if len(results) != 0 || len(errs) != 1 || errs[0] != expected {
		t.Fatalf("results %v errors %v", results, errs)
	}
	if f := failureResultOf(t, MaybeDeferred(func() (any, error) { return nil, expected })); f != expected {
		t.Fatal("a *Failure returned as error lost its identity")
	}
}

// Ports test_defer.py DeferredTests.test_maybeDeferredAsync and
// test_maybeDeferredAsyncError.
func TestMaybeDeferredAsync(t *testing.T) {
	d1 := New(nil)
	d2 := MaybeDeferred(func() (any, error) { return d1, nil })
	if d2 != d1 {
		t.Fatal("a returned Deferred must be passed through as is")
	}
	d1.Callback("Success")
	if got := successResultOf(t, d2); got != "Success" {
		t.Fatal(got)
	}
	d1 = New(nil)
	d2 = MaybeDeferred(func() (any, error) { return d1, nil })
	d1.Errback(&GenericError{"async"})
	failureResultOf(t, d2, genericError)
}

// Ports test_defer.py DeferredTests.test_innerCallbacksPreserved.
func TestInnerCallbacksPreserved(t *testing.T) {
	var results []any
	var failures []*failure.Failure
	inner := New(nil)
	cb := func(result any) (any, error) {
		results = append(results, [2]any{"start-of-cb", result})
		d := Succeed("inner")
		d.AddCallback(func(any) (any, error) {
			results = append(results, [2]any{"firstCallback", "inner"})
			return inner, nil
		}).AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"secondCallback", r})
			return strings.Repeat(r.(string), 2), nil
		})
		d.AddErrback(recordFailure(&failures))
		return d, nil
	}
	outer := Succeed("outer")
	outer.AddCallback(cb)
	inner.Callback("orange")
	outer.AddCallback(recordAny(&results))
	inner.AddErrback(recordFailure(&failures))
	outer.AddErrback(recordFailure(&failures))
	want := "[[start-of-cb outer] [firstCallback inner] [secondCallback orange] orangeorange]"
	if len(failures) != 0 || fmt.Sprint(results) != want {
		t.Fatalf("failures %v, results %v", failures, results)
	}
}

// Ports test_defer.py DeferredTests.test_continueCallbackNotFirst.
func TestContinueCallbackNotFirst(t *testing.T) {
	var results []any
	var failures []*failure.Failure
	a := New(nil)
	cb := func(result any) (any, error) {
		results = append(results, [2]any{"cb", result})
		d := New(nil)
		d.AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"firstCallback", r})
			return Gather([]*Deferred{a}), nil
		})
		d.AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"secondCallback", r})
			return nil, nil
		})
		d.AddErrback(recordFailure(&failures))
		d.Callback(nil)
		return d, nil
	}
	outer := Succeed("outer")
	outer.AddCallback(cb)
	outer.AddErrback(recordFailure(&failures))
	if fmt.Sprint(results) != "[[cb outer] [firstCallback <nil>]]" {
		t.Fatalf("results %v", results)
	}
	a.Callback("withers")
	if len(failures) != 0 || fmt.Sprint(results) != "[[cb outer] [firstCallback <nil>] [secondCallback [withers]]]" {
		t.Fatalf("failures %v results %v", failures, results)
	}
}

// Ports test_defer.py DeferredTests.test_callbackOrderPreserved.
func TestCallbackOrderPreserved(t *testing.T) {
	var results []any
	var failures []*failure.Failure
	a := New(nil)
	cb := func(result any) (any, error) {
		results = append(results, [2]any{"cb", result})
		d := New(nil)
		d.AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"firstCallback", r})
			return Gather([]*Deferred{a}), nil
		})
		d.AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"secondCallback", r})
			return nil, nil
		})
		d.AddErrback(recordFailure(&failures))
		d.Callback(nil)
		return d, nil
	}
	outer := New(nil)
	outer.AddCallback(cb)
	outer.AddCallback(func(any) (any, error) { results = append(results, [2]any{"final", nil}); return nil, nil })
	outer.AddErrback(recordFailure(&failures))
	outer.Callback("outer")
	if fmt.Sprint(results) != "[[cb outer] [firstCallback <nil>]]" {
		t.Fatalf("results %v", results)
	}
	a.Callback("withers")
	want := "[[cb outer] [firstCallback <nil>] [secondCallback [withers]] [final <nil>]]"
	if len(failures) != 0 || fmt.Sprint(results) != want {
		t.Fatalf("failures %v results %v", failures, results)
	}
}

// Ports test_defer.py DeferredTests.test_reentrantRunCallbacks.
func TestReentrantRunCallbacks(t *testing.T) {
	d := New(nil)
	var called []int
	d.AddCallback(func(any) (any, error) {
		called = append(called, 1)
		d.AddCallback(func(any) (any, error) { called = append(called, 3); return nil, nil })
		return nil, nil
	})
	d.AddCallback(func(any) (any, error) { called = append(called, 2); return nil, nil })
	d.Callback(nil)
	if fmt.Sprint(called) != "[1 2 3]" {
		t.Fatal(called)
	}
}

// Ports test_defer.py DeferredTests.test_nonReentrantCallbacks.
func TestNonReentrantCallbacks(t *testing.T) {
	d := New(nil)
	var called []int
	d.AddCallback(func(any) (any, error) {
		called = append(called, 1)
		d.AddCallback(func(any) (any, error) { called = append(called, 2); return nil, nil })
		if fmt.Sprint(called) != "[1]" {
			t.Errorf("callback added by a running callback ran early: %v", called)
		}
		return nil, nil
	})
	d.Callback(nil)
	if fmt.Sprint(called) != "[1 2]" {
		t.Fatal(called)
	}
}

// Ports test_defer.py DeferredTests.test_reentrantRunCallbacksWithFailure.
func TestReentrantRunCallbacksWithFailure(t *testing.T) {
	d := New(nil)
	d.AddCallback(func(any) (any, error) {
		d.AddCallback(func(any) (any, error) { return nil, &GenericError{"callback raised exception"} })
		return nil, nil
	})
	d.Callback(nil)
	f := failureResultOf(t, d, genericError)
	if f.Error() != "callback raised exception" {
		t.Fatal(f)
	}
}

// Ports test_defer.py DeferredTests.test_synchronousImplicitChain.
func TestSynchronousImplicitChain(t *testing.T) {
	result := &struct{ x int }{}
	first := Succeed(result)
	second := New(nil)
	second.AddCallback(func(any) (any, error) { return first, nil })
	second.Callback(nil)
	var results []any
	first.AddCallback(recordAny(&results))
	if results[0] != nil {
		t.Fatalf("the first Deferred's result should be nil, got %v", results[0])
	}
	second.AddCallback(recordAny(&results))
	if results[1] != result {
		t.Fatalf("the second Deferred should have the result, got %v", results[1])
	}
}

// Ports test_defer.py DeferredTests.test_asynchronousImplicitChain.
func TestAsynchronousImplicitChain(t *testing.T) {
	first, second := New(nil), New(nil)
	second.AddCallback(func(any) (any, error) { return first, nil })
	second.Callback(nil)
	var firstResult, secondResult []any
	first.AddCallback(recordAny(&firstResult))
	second.AddCallback(recordAny(&secondResult))
	if len(firstResult)+len(secondResult) != 0 {
		t.Fatal("fired early")
	}
	result := &struct{ x int }{}
	first.Callback(result)
	if len(firstResult) != 1 || firstResult[0] != nil || len(secondResult) != 1 || secondResult[0] != result {
		t.Fatalf("first %v second %v", firstResult, secondResult)
	}
}

// Ports test_defer.py DeferredTests.test_synchronousImplicitErrorChain.
func TestSynchronousImplicitErrorChain(t *testing.T) {
	reports := collectUnhandled(t)
	first := Fail(&GenericError{"First Deferred's Failure"})
	second := New(nil)
	second.AddCallback(func(any) (any, error) { return first, nil })
	second.Callback(nil)
	var firstResult []any
	first.AddCallback(recordAny(&firstResult))
	if firstResult[0] != nil {
		t.Fatal(firstResult)
	}
	failureResultOf(t, second, genericError)
	first = nil
	if n := FlushUnhandled(); n != 0 || reports.len() != 0 {
		t.Fatalf("unhandled reports: %d", n)
	}
}

// Ports test_defer.py DeferredTests.test_asynchronousImplicitErrorChain.
func TestAsynchronousImplicitErrorChain(t *testing.T) {
	first, second := New(nil), New(nil)
	second.AddCallback(func(any) (any, error) { return first, nil })
	second.Callback(nil)
	var secondError []*failure.Failure
	second.AddErrback(recordFailure(&secondError))
	var firstResult, secondResult []any
	first.AddCallback(recordAny(&firstResult))
	second.AddCallback(recordAny(&secondResult))
	if len(firstResult)+len(secondResult) != 0 {
		t.Fatal("fired early")
	}
	first.Errback(&GenericError{"First Deferred's Failure"})
	if secondError[0].Check(genericError) == nil {
		t.Fatal(secondError)
	}
	if len(firstResult) != 1 || firstResult[0] != nil || len(secondResult) != 1 {
		t.Fatalf("first %v second %v", firstResult, secondResult)
	}
}

// Ports test_defer.py DeferredTests.test_doubleAsynchronousImplicitChaining.
func TestDoubleAsynchronousImplicitChaining(t *testing.T) {
	first, second, third := New(nil), New(nil), New(nil)
	second.AddCallback(func(any) (any, error) { return first, nil })
	third.AddCallback(func(any) (any, error) { return second, nil })
	var thirdResult []any
	third.AddCallback(recordAny(&thirdResult))
	result := &struct{ x int }{}
	second.Callback(nil)
	third.Callback(nil)
	if len(thirdResult) != 0 {
		t.Fatal("fired early")
	}
	first.Callback(result)
	if len(thirdResult) != 1 || thirdResult[0] != result {
		t.Fatal(thirdResult)
	}
}

// Ports test_defer.py DeferredTests.test_nestedAsynchronousChainedDeferreds.
func TestNestedAsynchronousChainedDeferreds(t *testing.T) {
	var results []any
	var failures []*failure.Failure
	inner := New(nil)
	cb := func(result any) (any, error) {
		results = append(results, [2]any{"start-of-cb", result})
		d := Succeed("inner")
		d.AddCallback(func(any) (any, error) {
			results = append(results, [2]any{"firstCallback", "inner"})
			return inner, nil
		}).AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"secondCallback", r})
			return strings.Repeat(r.(string), 2), nil
		})
		d.AddErrback(recordFailure(&failures))
		return d, nil
	}
	outer := Succeed("outer")
	outer.AddCallback(cb)
	outer.AddCallback(recordAny(&results))
	if fmt.Sprint(results) != "[[start-of-cb outer] [firstCallback inner]]" {
		t.Fatal(results)
	}
	inner.Callback("orange")
	inner.AddErrback(recordFailure(&failures))
	outer.AddErrback(recordFailure(&failures))
	want := "[[start-of-cb outer] [firstCallback inner] [secondCallback orange] orangeorange]"
	if len(failures) != 0 || fmt.Sprint(results) != want {
		t.Fatalf("failures %v results %v", failures, results)
	}
}

// Ports test_defer.py DeferredTests.test_nestedAsynchronousChainedDeferredsWithExtraCallbacks.
func TestNestedAsynchronousChainedDeferredsWithExtraCallbacks(t *testing.T) {
	var results []any
	var failures []*failure.Failure
	inner := New(nil)
	cb := func(result any) (any, error) {
		results = append(results, [2]any{"start-of-cb", result})
		d := Succeed("inner")
		d.AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"firstCallback", r})
			return inner.AddCallback(func(r any) (any, error) { return []any{r}, nil }), nil
		})
		d.AddCallback(func(r any) (any, error) {
			results = append(results, [2]any{"secondCallback", r})
			l := r.([]any)
			return append(append([]any{}, l...), l...), nil
		})
		d.AddErrback(recordFailure(&failures))
		return d, nil
	}
	outer := Succeed("outer")
	outer.AddCallback(cb)
	outer.AddCallback(recordAny(&results))
	if fmt.Sprint(results) != "[[start-of-cb outer] [firstCallback inner]]" {
		t.Fatal(results)
	}
	inner.Callback("withers")
	outer.AddErrback(recordFailure(&failures))
	inner.AddErrback(recordFailure(&failures))
	want := "[[start-of-cb outer] [firstCallback inner] [secondCallback [withers]] [withers withers]]"
	if len(failures) != 0 || fmt.Sprint(results) != want {
		t.Fatalf("failures %v results %v", failures, results)
	}
}

// Ports test_defer.py DeferredTests.test_chainDeferredRecordsExplicitChain.
func TestChainDeferredRecordsExplicitChain(t *testing.T) {
	a, b := New(nil), New(nil)
	b.ChainDeferred(a)
	if a.ChainedTo() != b {
		t.Fatal("explicit chain not recorded")
	}
}

// Ports test_defer.py DeferredTests.test_explicitChainClearedWhenResolved.
func TestExplicitChainClearedWhenResolved(t *testing.T) {
	a, b := New(nil), New(nil)
	b.ChainDeferred(a)
	b.Callback(nil)
	if a.ChainedTo() != nil {
		t.Fatal("chain record not cleared")
	}
}

// Ports test_defer.py DeferredTests.test_chainDeferredRecordsImplicitChain.
func TestChainDeferredRecordsImplicitChain(t *testing.T) {
	a, b := New(nil), New(nil)
	a.AddCallback(func(any) (any, error) { return b, nil })
	a.Callback(nil)
	if a.ChainedTo() != b {
		t.Fatal("implicit chain not recorded")
	}
}

// ChainDeferred (core-semantics 1.5): one-way, leaves the source's result nil, and an
// AlreadyCalledError on the target becomes a failure in the source.
func TestChainDeferred(t *testing.T) {
	a, b := New(nil), New(nil)
	a.ChainDeferred(b)
	a.Callback("v")
	if got := successResultOf(t, b); got != "v" {
		t.Fatal(got)
	}
	if got := successResultOf(t, a); got != nil {
		t.Fatal(got)
	}
	a, b = New(nil), New(nil)
	a.ChainDeferred(b)
	a.Errback(&GenericError{"e"})
	failureResultOf(t, b, genericError)

	a, b = New(nil), Succeed(1)
	a.ChainDeferred(b)
	a.Callback(2)
	failureResultOf(t, a, failure.Type[*AlreadyCalledError]())
}

// Ports test_defer.py DeferredTests.test_circularChainException: Twisted 22.4 only warns
// and the chain stalls; the port fails with *CircularChainError instead of hanging.
func TestCircularChainException(t *testing.T) {
	d := New(nil)
	d.AddCallback(func(any) (any, error) { return d, nil })
	d.Callback("foo")
	failureResultOf(t, d, failure.Type[*CircularChainError]())
}

// Ports test_defer.py DeferredTests.test_repr, test_reprWithResult and
// test_reprWithChaining.
func TestRepr(t *testing.T) {
	d := New(nil)
	if got, want := d.String(), fmt.Sprintf("<Deferred at %p>", d); got != want {
		t.Fatalf("%q != %q", got, want)
	}
	d.Callback("orange")
	if got, want := d.String(), fmt.Sprintf("<Deferred at %p current result: \"orange\">", d); got != want {
		t.Fatalf("%q != %q", got, want)
	}
	a, b := New(nil), New(nil)
	b.ChainDeferred(a)
	if got, want := a.String(), fmt.Sprintf("<Deferred at %p waiting on Deferred at %p>", a, b); got != want {
		t.Fatalf("%q != %q", got, want)
	}
}

// Ports test_defer.py DeferredTests.test_boundedStackDepth.
func TestBoundedStackDepth(t *testing.T) {
	chainDeferreds := func(howMany int) int {
		var stack []int
		recordStackDepth := func(any) (any, error) {
			pcs := make([]uintptr, 4096)
			stack = append(stack, runtime.Callers(0, pcs))
			return nil, nil
		}
		top := New(nil)
		inners := make([]*Deferred, howMany)
		for i := range inners {
			inners[i] = New(nil)
		}
		originals := append([]*Deferred(nil), inners...)
		last := New(nil)
		inner := inners[len(inners)-1]
		inners = inners[:len(inners)-1]
		first := inner
		top.AddCallback(func(any) (any, error) { return first, nil })
		top.AddCallback(recordStackDepth)
		for len(inners) > 0 {
			newInner := inners[len(inners)-1]
			inners = inners[:len(inners)-1]
			inner.AddCallback(func(any) (any, error) { return newInner, nil })
			inner = newInner
		}
		inner.AddCallback(func(any) (any, error) { return last, nil })
		top.Callback(nil)
		for _, d := range originals {
			d.Callback(nil)
		}
		if len(stack) != 0 {
			t.Fatal("fired before the last Deferred")
		}
		last.Callback(nil)
		return stack[0]
	}
	if a, b := chainDeferreds(1), chainDeferreds(2); a != b {
		t.Fatalf("stack depth grew: %d vs %d", a, b)
	}
	if a, b := chainDeferreds(1), chainDeferreds(1000); a != b {
		t.Fatalf("stack depth grew: %d vs %d", a, b)
	}
}

// The 100 000-deep chains: 100 000 callbacks each returning an already-fired
// Deferred (stolen at once), and 100 000 Deferreds each waiting on the next, all resumed
// by one Callback on the innermost. Neither grows the stack.
func TestDeepSynchronousChain(t *testing.T) {
	const n = 100000
	var depths []int
	record := func(v any) (any, error) {
		pcs := make([]uintptr, 4096)
		depths = append(depths, runtime.Callers(0, pcs))
		return v, nil
	}
	top := New(nil)
	top.AddCallback(record)
	for i := 0; i < n; i++ {
		top.AddCallback(func(v any) (any, error) {
			return Succeed(v.(int) + 1).AddCallback(func(v any) (any, error) { return v, nil }), nil
		})
	}
	top.AddCallback(record)
	top.Callback(0)
	if got := successResultOf(t, top); got != n {
		t.Fatalf("got %v", got)
	}

	ds := make([]*Deferred, n)
	for i := range ds {
		ds[i] = New(nil)
	}
	for i := 0; i < n-1; i++ {
		next := ds[i+1]
		ds[i].AddCallback(func(any) (any, error) { return next, nil })
	}
	for i := 0; i < n-1; i++ {
		ds[i].Callback(nil)
	}
	ds[0].AddCallback(record)
	ds[n-1].Callback("deep")
	if got := successResultOf(t, ds[0]); got != "deep" {
		t.Fatalf("got %v", got)
	}
	if len(depths) != 3 || depths[1] != depths[0] || depths[2] > depths[0]+8 {
		t.Fatalf("stack depths %v: the chain walk is not iterative", depths)
	}
}

// Ports test_defer.py DeferredTests.test_resultOfDeferredResultOfDeferredOfFiredDeferredCalled.
func TestResultOfDeferredResultOfDeferredOfFiredDeferredCalled(t *testing.T) {
	first, second, third := New(nil), New(nil), New(nil)
	first.AddCallback(func(any) (any, error) { return second, nil })
	second.AddCallback(func(any) (any, error) { return third, nil })
	second.Callback(nil)
	first.Callback(nil)
	third.Callback(nil)
	var results []any
	second.AddCallback(recordAny(&results))
	if len(results) != 1 || results[0] != nil {
		t.Fatal(results)
	}
}

// Replaces test_defer.py DeferredTests.test_errbackWithNoArgs: Go has no current
// exception; Errback(nil) gives a clear NoCurrentExceptionError failure.
func TestErrbackWithNoArgs(t *testing.T) {
	d := New(nil)
	d.Errback(nil)
	failureResultOf(t, d, failure.Type[*failure.NoCurrentExceptionError]())
}

// Replaces test_defer.py DeferredTests.test_errorInCallbackDoesNotCaptureVars and
// test_errorInCallbackCapturesVarsWhenDebugging: Go cannot capture locals; debug mode
// captures deep stacks instead of shallow ones.
func TestErrorInCallbackCapturesVarsWhenDebugging(t *testing.T) {
	defer SetDebugging(Debugging())
	var recurse func(n int) *failure.Failure
	recurse = func(n int) *failure.Failure {
		if n == 0 {
			d := Succeed(nil)
			d.AddCallback(func(any) (any, error) { return nil, &GenericError{"Bang"} })
			return failureResultOf(t, d)
		}
		return recurse(n - 1)
	}
	SetDebugging(false)
	shallow := len(recurse(40).Frames())
	SetDebugging(true)
	deep := len(recurse(40).Frames())
	if shallow > 20 || deep <= 40 {
		t.Fatalf("frames captured: %d without debug, %d with", shallow, deep)
	}
}

// Ports test_defer.py DeferredTests.test_inlineCallbacksTracebacks: a failure awaited in
// Inline and returned keeps its frames (it is the same Failure).
func TestInlineCallbacksTracebacks(t *testing.T) {
	d := Succeed(nil).AddCallback(func(any) (any, error) { zero := 0; return 1 / zero, nil })
	var orig *failure.Failure
	d.AddErrback(func(f *failure.Failure) (any, error) { orig = f; return nil, f })
	res := Inline(func(c *Co) (any, error) {
		_, err := c.Await(d)
		return nil, err
	})
	f := failureResultOf(t, res)
	if f != orig || !strings.Contains(f.Traceback(), "TestInlineCallbacksTracebacks.func1") {
		t.Fatalf("lost the original failure:\n%s", f.Traceback())
	}
}

// Callback with a *Deferred is a programmer error (Twisted asserts): a clear panic.
func TestCallbackWithDeferredPanics(t *testing.T) {
	d := New(nil)
	e := mustPanic[*DeferredArgumentError](t, func() { d.Callback(New(nil)) })
	if e.Deferred == nil || d.Called() {
		t.Fatal("bad state after rejected Callback")
	}
	if err := d.TryCallback(Succeed(1)); err == nil {
		t.Fatal("TryCallback accepted a Deferred")
	}
}

// Twisted: callback(Failure) is errback (core-semantics 1.2, verified).
func TestCallbackWithFailureIsErrback(t *testing.T) {
	d := New(nil)
	f := failure.New(&GenericError{"x"})
	d.Callback(f)
	if got := failureResultOf(t, d); got != f {
		t.Fatal("not the same failure")
	}
}

// HasResult and Called through the life of a chained Deferred.
func TestCalledAndHasResult(t *testing.T) {
	inner, outer := New(nil), New(nil)
	outer.AddCallback(func(any) (any, error) { return inner, nil })
	if outer.Called() || outer.HasResult() {
		t.Fatal("fresh Deferred reports a result")
	}
	outer.Callback(nil)
	if !outer.Called() || outer.HasResult() || !outer.Paused() {
		t.Fatal("waiting Deferred: want called, no result, paused")
	}
	inner.Callback(3)
	if !outer.HasResult() || outer.Paused() {
		t.Fatal("resumed Deferred has no result")
	}
	if v, ok := Value[int](outer); !ok || v != 3 {
		t.Fatal(v, ok)
	}
}

// SetRepanic lets a callback's panic propagate instead of becoming a Failure.
func TestSetRepanic(t *testing.T) {
	defer SetRepanic(false)
	SetRepanic(true)
	d := New(nil)
	d.AddCallback(func(any) (any, error) { panic("through") })
	func() {
		defer func() {
			if r := recover(); r != "through" {
				t.Fatalf("recovered %v", r)
			}
		}()
		d.Callback(nil)
		t.Fatal("the panic did not propagate")
	}()
	SetRepanic(false)
	f := failureResultOf(t, Succeed(nil).AddCallback(func(any) (any, error) { panic("caught") }))
	if f.Error() != "panic: caught" {
		t.Fatal(f)
	}
}

// An Unpause with no outstanding Pause does nothing: the next Pause still pauses (Twisted's
// unpause would drive the counter negative, and that Pause would not pause).
func TestUnpauseWithoutPause(t *testing.T) {
	t.Run("unfired", func(t *testing.T) {
		d := New(nil)
		d.Unpause()
		d.Unpause()
		if d.Paused() {
			t.Fatal("Paused after an unmatched Unpause")
		}
		d.Pause()
		var got []any
		d.AddCallback(recordAny(&got))
		d.Callback(1)
		if len(got) != 0 || !d.Paused() {
			t.Fatalf("the Pause after unmatched Unpauses did not pause: %v", got)
		}
		d.Unpause()
		if len(got) != 1 || got[0] != 1 || d.Paused() {
			t.Fatalf("got %v, paused %v", got, d.Paused())
		}
	})
	t.Run("fired, after a matched pair", func(t *testing.T) {
		d := Succeed(2)
		d.Pause()
		d.Unpause()
		d.Unpause() // one too many
		d.Pause()
		var got []any
		d.AddCallback(recordAny(&got))
		if len(got) != 0 {
			t.Fatalf("ran while paused: %v", got)
		}
		d.Unpause()
		if len(got) != 1 || got[0] != 2 {
			t.Fatalf("got %v", got)
		}
	})
}

// Waiting on a Deferred returned by a callback is not a Pause: an Unpause cannot release
// it (the callbacks would otherwise run with the inner Deferred as their value), and the
// wait still ends when the inner Deferred fires.
func TestUnpauseDoesNotReleaseChainedWait(t *testing.T) {
	inner := New(nil)
	outer := New(nil)
	outer.AddCallback(func(any) (any, error) { return inner, nil })
	outer.Callback(nil)
	var got []any
	outer.AddCallback(recordAny(&got))
	outer.Unpause()
	if len(got) != 0 || !outer.Paused() || outer.ChainedTo() != inner {
		t.Fatalf("Unpause released the wait: got %v, paused %v", got, outer.Paused())
	}
	// A Pause while waiting nests with the wait as before.
	outer.Pause()
	outer.Unpause()
	outer.Unpause() // unmatched again
	inner.Callback(3)
	if len(got) != 1 || got[0] != 3 || outer.Paused() {
		t.Fatalf("got %v, paused %v", got, outer.Paused())
	}
	outer.Pause()
	outer.AddCallback(recordAny(&got))
	if len(got) != 1 {
		t.Fatalf("the Pause after the wait did not pause: %v", got)
	}
	outer.Unpause()
	if len(got) != 2 || got[1] != nil {
		t.Fatalf("got %v", got)
	}
}
