package task_test

import (
	"reflect"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// trial's successResultOf, failureResultOf and assertNoResult, for Deferreds driven by a
// task.Clock (no reactor needed).

func successResultOf(t testing.TB, d *deferred.Deferred) any {
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

func failureResultOf(t testing.TB, d *deferred.Deferred, targets ...error) *failure.Failure {
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

func assertNoResult(t testing.TB, d *deferred.Deferred) {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return r, nil })
	if len(got) > 0 {
		t.Fatalf("assertNoResult: %v has a result: %#v", d, got[0])
	}
}

func equal(t testing.TB, want, got any, msgAndArgs ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("not equal %v:\nwant %#v\n got %#v", msgAndArgs, want, got)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
