package deferred

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

var firstError = failure.Type[*FirstError]()

func swallow(*failure.Failure) (any, error) { return nil, nil }

// Ports test_defer.py DeferredTests.testDeferredList.
func TestDeferredList(t *testing.T) {
	defr1, defr2, defr3 := New(nil), New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{defr1, defr2, defr3})
	var result []Result
	dl.AddCallbacks(func(r any) (any, error) { result = append(result, r.([]Result)...); return nil, nil }, nil)
	defr1.Callback("1")
	defr2.AddErrback(swallow)
	defr2.Errback(&GenericError{"2"})
	defr3.Callback("3")
	if len(result) != 3 ||
		!result[0].OK || result[0].Value != "1" ||
		result[1].OK || result[1].Failure.Error() != "2" ||
		!result[2].OK || result[2].Value != "3" {
		t.Fatalf("%+v", result)
	}
}

// Ports test_defer.py DeferredTests.testEmptyDeferredList and
// DeferredListEmptyTests.testDeferredListEmpty.
func TestEmptyDeferredList(t *testing.T) {
	var result []any
	NewDeferredList(nil).AddCallbacks(recordAny(&result), nil)
	if len(result) != 1 || len(result[0].([]Result)) != 0 {
		t.Fatalf("%v", result)
	}
	result = nil
	dl2 := NewDeferredList(nil, FireOnOneCallback)
	dl2.AddCallbacks(recordAny(&result), nil)
	if len(result) != 0 || dl2.Called() {
		t.Fatal("an empty list with FireOnOneCallback must never fire")
	}
}

// Ports test_defer.py DeferredTests.testDeferredListFireOnOneError.
func TestDeferredListFireOnOneError(t *testing.T) {
	defr1, defr2, defr3 := New(nil), New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{defr1, defr2, defr3}, FireOnOneErrback)
	var result []*failure.Failure
	dl.AddErrback(recordFailure(&result))
	defr2.AddErrback(swallow)
	defr1.Callback("1")
	if len(result) != 0 {
		t.Fatal("a success fired the list")
	}
	defr2.Errback(&GenericError{"from def2"})
	if len(result) != 1 {
		t.Fatal("the failure did not fire the list")
	}
	fe, ok := failure.As[*FirstError](result[0])
	if !ok || result[0].Check(firstError) == nil {
		t.Fatalf("failure is %T, want *FirstError", result[0].Value)
	}
	if fe.SubFailure.Check(genericError) == nil || fe.SubFailure.Error() != "from def2" || fe.Index != 1 {
		t.Fatalf("%#v", fe)
	}
	defr3.Callback("3")
}

// Ports test_defer.py DeferredTests.testDeferredListDontConsumeErrors.
func TestDeferredListDontConsumeErrors(t *testing.T) {
	d1 := New(nil)
	dl := NewDeferredList([]*Deferred{d1})
	var errorTrap []*failure.Failure
	d1.AddErrback(recordFailure(&errorTrap))
	var resultLists []any
	dl.AddCallback(recordAny(&resultLists))
	d1.Errback(&GenericError{"Bang"})
	if len(errorTrap) != 1 || errorTrap[0].Error() != "Bang" {
		t.Fatalf("the input's chain did not see the failure: %v", errorTrap)
	}
	if len(resultLists) != 1 || resultLists[0].([]Result)[0].Failure.Error() != "Bang" {
		t.Fatalf("%v", resultLists)
	}
}

// Ports test_defer.py DeferredTests.testDeferredListConsumeErrors.
func TestDeferredListConsumeErrors(t *testing.T) {
	d1 := New(nil)
	dl := NewDeferredList([]*Deferred{d1}, ConsumeErrors)
	var errorTrap []*failure.Failure
	d1.AddErrback(recordFailure(&errorTrap))
	var resultLists []any
	dl.AddCallback(recordAny(&resultLists))
	d1.Errback(&GenericError{"Bang"})
	if len(errorTrap) != 0 {
		t.Fatalf("consumed failure reached the input's chain: %v", errorTrap)
	}
	if len(resultLists) != 1 || resultLists[0].([]Result)[0].Failure.Error() != "Bang" {
		t.Fatalf("%v", resultLists)
	}
}

// Ports test_defer.py DeferredTests.testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds.
func TestDeferredListFireOnOneErrorWithAlreadyFiredDeferreds(t *testing.T) {
	d1, d2 := New(nil), New(nil)
	d1.Errback(&GenericError{"Bang"})
	dl := NewDeferredList([]*Deferred{d1, d2}, FireOnOneErrback)
	var result []*failure.Failure
	dl.AddErrback(recordFailure(&result))
	if len(result) != 1 {
		t.Fatal(result)
	}
	d1.AddErrback(swallow)
}

// Ports test_defer.py DeferredTests.testDeferredListWithAlreadyFiredDeferreds.
func TestDeferredListWithAlreadyFiredDeferreds(t *testing.T) {
	d1, d2 := New(nil), New(nil)
	d1.Errback(&GenericError{"Bang"})
	d2.Callback(2)
	dl := NewDeferredList([]*Deferred{d1, d2})
	var result []any
	dl.AddCallback(recordAny(&result))
	if len(result) != 1 {
		t.Fatal(result)
	}
	d1.AddErrback(swallow)
}

// Ports test_defer.py DeferredTests.test_cancelDeferredList.
func TestCancelDeferredList(t *testing.T) {
	one, two := New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{one, two})
	dl.Cancel()
	failureResultOf(t, one, cancelled)
	failureResultOf(t, two, cancelled)
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListCallback.
func TestCancelDeferredListCallback(t *testing.T) {
	one, two := New(fakeCallbackCanceller), New(nil)
	dl := NewDeferredList([]*Deferred{one, two})
	dl.Cancel()
	failureResultOf(t, two, cancelled)
	result := successResultOf(t, dl.Deferred).([]Result)
	if !result[0].OK || result[0].Value != "Callback Result" || result[1].OK || result[1].Failure.Check(cancelled) == nil {
		t.Fatalf("%+v", result)
	}
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneCallback.
func TestCancelDeferredListWithFireOnOneCallback(t *testing.T) {
	one, two := New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{one, two}, FireOnOneCallback)
	dl.Cancel()
	failureResultOf(t, one, cancelled)
	failureResultOf(t, two, cancelled)
	// Every input failed, so the list fires with the full result list, as in Twisted.
	if rs := successResultOf(t, dl.Deferred).([]Result); len(rs) != 2 || rs[0].OK || rs[1].OK {
		t.Fatalf("%+v", rs)
	}
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback.
func TestCancelDeferredListWithFireOnOneCallbackAndDeferredCallback(t *testing.T) {
	one, two := New(fakeCallbackCanceller), New(nil)
	dl := NewDeferredList([]*Deferred{one, two}, FireOnOneCallback)
	dl.Cancel()
	failureResultOf(t, two, cancelled)
	if got := successResultOf(t, dl.Deferred); got != (FirstResult{Value: "Callback Result", Index: 0}) {
		t.Fatalf("%#v", got)
	}
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneErrback.
func TestCancelDeferredListWithFireOnOneErrback(t *testing.T) {
	one, two := New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{one, two}, FireOnOneErrback)
	dl.Cancel()
	failureResultOf(t, one, cancelled)
	failureResultOf(t, two, cancelled)
	f := failureResultOf(t, dl.Deferred, firstError)
	if fe, _ := failure.As[*FirstError](f); fe.SubFailure.Check(cancelled) == nil {
		t.Fatal(fe)
	}
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneErrbackAllDeferredsCallback.
func TestCancelDeferredListWithFireOnOneErrbackAllDeferredsCallback(t *testing.T) {
	one, two := New(fakeCallbackCanceller), New(fakeCallbackCanceller)
	dl := NewDeferredList([]*Deferred{one, two}, FireOnOneErrback)
	dl.Cancel()
	result := successResultOf(t, dl.Deferred).([]Result)
	for _, r := range result {
		if !r.OK || r.Value != "Callback Result" {
			t.Fatalf("%+v", result)
		}
	}
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListWithOriginalDeferreds.
func TestCancelDeferredListWithOriginalDeferreds(t *testing.T) {
	one, two := New(nil), New(nil)
	args := make([]*Deferred, 2, 3)
	args[0], args[1] = one, two
	dl := NewDeferredList(args)
	three := New(nil)
	args = append(args, three)
	dl.Cancel()
	failureResultOf(t, one, cancelled)
	failureResultOf(t, two, cancelled)
	assertNoResult(t, three)
}

// Ports test_defer.py DeferredTests.test_cancelDeferredListWithException: a panicking
// canceller is logged and the other inputs are still cancelled.
func TestCancelDeferredListWithException(t *testing.T) {
	l := collectUnhandled(t)
	one := New(func(*Deferred) { panic(&GenericError{"test"}) })
	two := New(nil)
	dl := NewDeferredList([]*Deferred{one, two})
	dl.Cancel()
	failureResultOf(t, two, cancelled)
	var logged int
	for _, r := range l.Records() {
		r.Attrs(func(a slog.Attr) bool {
			if f, ok := a.Value.Any().(*failure.Failure); ok && f.Check(genericError) != nil {
				logged++
			}
			return true
		})
	}
	if logged != 1 {
		t.Fatalf("%d logged errors, want 1", logged)
	}
	// As in Twisted, the panic unwound one's Cancel before its errback: one has no result.
	assertNoResult(t, one)
	one.Callback(nil)
}

// Ports test_defer.py DeferredTests.test_cancelFiredOnOneCallbackDeferredList.
func TestCancelFiredOnOneCallbackDeferredList(t *testing.T) {
	one, two := New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{one, two}, FireOnOneCallback)
	one.Callback(nil)
	dl.Cancel()
	assertNoResult(t, two)
}

// Ports test_defer.py DeferredTests.test_cancelFiredOnOneErrbackDeferredList.
func TestCancelFiredOnOneErrbackDeferredList(t *testing.T) {
	one, two := New(nil), New(nil)
	dl := NewDeferredList([]*Deferred{one, two}, FireOnOneErrback)
	one.Errback(&GenericError{"test"})
	dl.Cancel()
	assertNoResult(t, two)
	failureResultOf(t, one, genericError)
	failureResultOf(t, dl.Deferred, firstError)
}

// Ports test_defer.py DeferredTests.test_gatherResults.
func TestGatherResults(t *testing.T) {
	var results []any
	Gather([]*Deferred{Succeed(1), Succeed(2)}).AddCallback(recordAny(&results))
	if fmt.Sprint(results) != "[[1 2]]" {
		t.Fatal(results)
	}
	var errs []*failure.Failure
	dl := []*Deferred{Succeed(1), Fail(&GenericError{"v"})}
	Gather(dl).AddErrback(recordFailure(&errs))
	if len(errs) != 1 {
		t.Fatal(errs)
	}
	dl[1].AddErrback(func(*failure.Failure) (any, error) { return 1, nil })
}

// Ports test_defer.py DeferredTests.test_gatherResultsWithConsumeErrors.
func TestGatherResultsWithConsumeErrors(t *testing.T) {
	dgood, dbad := Succeed(1), Fail(&GenericError{"oh noes"})
	d := Gather([]*Deferred{dgood, dbad}, ConsumeErrors)
	var unconsumed, gathered []*failure.Failure
	dbad.AddErrback(recordFailure(&unconsumed))
	d.AddErrback(recordFailure(&gathered))
	if len(unconsumed) != 0 || len(gathered) != 1 {
		t.Fatalf("unconsumed %v gathered %v", unconsumed, gathered)
	}
	fe, ok := gathered[0].Value.(*FirstError)
	if !ok || fe.SubFailure.Check(genericError) == nil {
		t.Fatalf("%#v", gathered[0].Value)
	}
}

// Core-semantics 1.9 and 7.3: a gathered failure does not match the sub-failure's type
// (FirstError has no Unwrap); trap FirstError and look at SubFailure.
func TestGatherFirstErrorDoesNotUnwrap(t *testing.T) {
	f := failureResultOf(t, Gather([]*Deferred{Succeed(1), Fail(&GenericError{"k"})}, ConsumeErrors))
	if f.Check(genericError) != nil {
		t.Fatal("FirstError matched the sub-failure's type")
	}
	if _, ok := failure.As[*GenericError](f); ok {
		t.Fatal("errors.As reached through FirstError")
	}
	fe, _ := failure.As[*FirstError](f)
	if fe.Index != 1 || fe.SubFailure.Check(genericError) == nil {
		t.Fatal(fe)
	}
}

// Ports test_defer.py DeferredTests.test_cancelGatherResults.
func TestCancelGatherResults(t *testing.T) {
	one, two := New(nil), New(nil)
	result := Gather([]*Deferred{one, two})
	result.Cancel()
	failureResultOf(t, one, cancelled)
	failureResultOf(t, two, cancelled)
	f := failureResultOf(t, result, firstError)
	if f.Value.(*FirstError).SubFailure.Check(cancelled) == nil {
		t.Fatal(f)
	}
}

// Ports test_defer.py DeferredTests.test_cancelGatherResultsWithAllDeferredsCallback.
func TestCancelGatherResultsWithAllDeferredsCallback(t *testing.T) {
	one, two := New(fakeCallbackCanceller), New(fakeCallbackCanceller)
	result := Gather([]*Deferred{one, two})
	result.Cancel()
	if got := fmt.Sprint(successResultOf(t, result)); got != "[Callback Result Callback Result]" {
		t.Fatal(got)
	}
}

// Ports test_defer.py FirstErrorTests.test_repr: FirstError[#3, <repr of value>].
func TestFirstErrorRepr(t *testing.T) {
	f := failure.New(&GenericError{"some text"})
	e := &FirstError{SubFailure: f, Index: 3}
	if got := fmt.Sprintf("%#v", e); got != `FirstError[#3, *deferred.GenericError("some text")]` {
		t.Fatal(got)
	}
}

// Ports test_defer.py FirstErrorTests.test_str: FirstError[#5, <the failure>]. Error()
// keeps Go's one-line convention: the failure's message, not its traceback.
func TestFirstErrorStr(t *testing.T) {
	f := failure.New(&GenericError{"some text"})
	e := &FirstError{SubFailure: f, Index: 5}
	if got := e.Error(); got != "FirstError[#5, some text]" {
		t.Fatal(got)
	}
}

// Ports test_defer.py FirstErrorTests.test_comparison.
func TestFirstErrorComparison(t *testing.T) {
	first := failure.New(&GenericError{"1/0"})
	one := &FirstError{SubFailure: first, Index: 13}
	anotherOne := &FirstError{SubFailure: first, Index: 13}
	another := &FirstError{SubFailure: failure.New(&GenericError{"bar"}), Index: 9}
	if !one.Equal(anotherOne) || one.Equal(another) || !errorsIs(one, anotherOne) || errorsIs(one, another) {
		t.Fatal("FirstError equality")
	}
	if errorsIs(one, &GenericError{}) {
		t.Fatal("FirstError equal to another type")
	}
}
