// Package credtest has the trial-style helpers cred's tests share: reading a Deferred's
// result synchronously, as Twisted's successResultOf and failureResultOf do.
package credtest

import (
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// SuccessResultOf returns d's current success result, failing the test if d has no result
// yet or failed. Like Twisted's, it consumes the result (d's result becomes nil).
func SuccessResultOf(t testing.TB, d *deferred.Deferred) any {
	t.Helper()
	var (
		got    bool
		result any
		fail   *failure.Failure
	)
	d.AddCallbacks(func(v any) (any, error) {
		got, result = true, v
		return nil, nil
	}, func(f *failure.Failure) (any, error) {
		got, fail = true, f
		return nil, nil
	})
	if !got {
		t.Fatalf("SuccessResultOf: %v has no result yet", d)
	}
	if fail != nil {
		t.Fatalf("SuccessResultOf: %v failed:\n%s", d, fail.Traceback())
	}
	return result
}

// FailureResultOf returns d's current failure, failing the test if d has no result yet,
// succeeded, or failed with something none of targets match (no targets: any failure). The
// failure is consumed.
func FailureResultOf(t testing.TB, d *deferred.Deferred, targets ...error) *failure.Failure {
	t.Helper()
	var (
		got    bool
		result any
		fail   *failure.Failure
	)
	d.AddCallbacks(func(v any) (any, error) {
		got, result = true, v
		return nil, nil
	}, func(f *failure.Failure) (any, error) {
		got, fail = true, f
		return nil, nil
	})
	if !got {
		t.Fatalf("FailureResultOf: %v has no result yet", d)
	}
	if fail == nil {
		t.Fatalf("FailureResultOf: %v succeeded with %#v", d, result)
	}
	if len(targets) > 0 && fail.Check(targets...) == nil {
		t.Fatalf("FailureResultOf: failure %#v matches none of %v:\n%s", fail, targets, fail.Traceback())
	}
	return fail
}
