package deferred

import (
	"errors"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// GenericError is test_defer.py's GenericError.
type GenericError struct{ Msg string }

func (e *GenericError) Error() string { return e.Msg }

var genericError = failure.Type[*GenericError]()

// successResultOf is trial's successResultOf: d must have a success result now; awaiting
// it consumes it (the result becomes nil).
func successResultOf(t testing.TB, d *Deferred) any {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return nil, nil })
	if len(got) == 0 {
		t.Fatalf("successResultOf: %v has no result", d)
	}
	if f, ok := got[0].(*failure.Failure); ok {
		t.Fatalf("successResultOf: %v failed:\n%s", d, f.Traceback())
	}
	return got[0]
}

// failureResultOf is trial's failureResultOf: d must have failed now, matching one of
// targets if any are given; the failure is consumed.
func failureResultOf(t testing.TB, d *Deferred, targets ...error) *failure.Failure {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return nil, nil })
	if len(got) == 0 {
		t.Fatalf("failureResultOf: %v has no result", d)
	}
	f, ok := got[0].(*failure.Failure)
	if !ok {
		t.Fatalf("failureResultOf: %v succeeded with %#v", d, got[0])
	}
	if len(targets) > 0 && f.Check(targets...) == nil {
		t.Fatalf("failureResultOf: %v failed with %s, expected one of %v", d, f.Traceback(), targets)
	}
	return f
}

// assertNoResult is trial's assertNoResult: d has no result now. (A failure found is
// swallowed, as in trial.)
func assertNoResult(t testing.TB, d *Deferred) {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return r, nil })
	if len(got) > 0 {
		if _, ok := got[0].(*failure.Failure); ok {
			d.AddErrback(func(*failure.Failure) (any, error) { return nil, nil })
		}
		t.Fatalf("assertNoResult: %v has a result: %#v", d, got[0])
	}
}

// appendTo returns a callback that records its argument and returns nil (like
// Python's list.append used as a callback).
func appendTo[T any](dst *[]T) func(T) (any, error) {
	return func(v T) (any, error) {
		*dst = append(*dst, v)
		return nil, nil
	}
}

// recordAny is appendTo for AddCallback/AddBoth.
func recordAny(dst *[]any) Callback { return appendTo(dst) }

// recordFailure is appendTo for AddErrback.
func recordFailure(dst *[]*failure.Failure) Errback { return appendTo(dst) }

func mustPanic[T error](t testing.TB, f func()) T {
	t.Helper()
	var got T
	func() {
		defer func() {
			r := recover()
			err, ok := r.(error)
			if !ok || !errors.As(err, &got) {
				t.Fatalf("expected a panic with %T, got %#v", got, r)
			}
		}()
		f()
	}()
	return got
}

// fakeCallbackCanceller is test_defer.py's fakeCallbackCanceller.
func fakeCallbackCanceller(d *Deferred) { d.Callback("Callback Result") }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
