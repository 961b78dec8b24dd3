package basic_test

import (
	"reflect"
	"testing"
)

// Small assertion helpers (testify's assert needs a module this repository's go.sum does not
// carry).

func equal(t *testing.T, want, got any, msgAndArgs ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("not equal %v:\nwant %#v\n got %#v", msgAndArgs, want, got)
	}
}

func isTrue(t *testing.T, v bool, msgAndArgs ...any) {
	t.Helper()
	if !v {
		t.Errorf("expected true %v", msgAndArgs)
	}
}

func isFalse(t *testing.T, v bool, msgAndArgs ...any) {
	t.Helper()
	if v {
		t.Errorf("expected false %v", msgAndArgs)
	}
}
