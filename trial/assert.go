package trial

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// FailTest is the panic value of a failed assertion: Twisted's unittest.FailTest, the
// test's failureException. Inside a Deferred callback, an Inline body or the test function
// the Deferred machinery recovers the panic into a Failure, the same way Python's FailTest
// exception becomes a Failure; trial then reports the test as failed ("[FAIL]"), while any
// other error or panic is reported as an error ("[ERROR]").
//
// A *FailTest may also be returned as an error from a callback: the effect is the same.
type FailTest struct {
	// Message explains the failure ("not equal:\na = 1\nb = 2").
	Message string
	// File and Line locate the assertion: the first caller outside package trial.
	File string
	Line int
}

func (e *FailTest) Error() string { return e.Message }

// Location returns "file:line" of the failed assertion, or "" if unknown.
func (e *FailTest) Location() string {
	if e.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", e.File, e.Line)
}

// SkipTest is the panic value of T.Skip: Twisted's unittest.SkipTest. Raised in the test
// or in setUp it marks the test skipped (in setUp, the test method and tearDown do not run;
// cleanups do).
type SkipTest struct {
	Reason string
}

func (e *SkipTest) Error() string { return e.Reason }

// trialPkg is this package's import path, used to find the caller of an assertion.
var trialPkg = reflect.TypeFor[FailTest]().PkgPath()

// newFailTest builds a FailTest located at the first frame outside package trial (test
// files of package trial itself count as outside, so trial's own tests point at
// themselves).
func newFailTest(msg string) *FailTest {
	ft := &FailTest{Message: msg}
	pcs := make([]uintptr, 32)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		inTrial := strings.HasPrefix(fr.Function, trialPkg+".") && !strings.HasSuffix(fr.File, "_test.go")
		if !inTrial && fr.File != "" {
			ft.File, ft.Line = fr.File, fr.Line
			break
		}
		if !more {
			break
		}
	}
	return ft
}

// failNow panics with a FailTest carrying msg.
func failNow(msg string) {
	panic(newFailTest(msg))
}

// message renders testify-style msgAndArgs: a format string and its arguments, or values
// printed with fmt.Sprint.
func message(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if format, ok := msgAndArgs[0].(string); ok && len(msgAndArgs) > 1 {
		return fmt.Sprintf(format, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}

// withMessage prefixes the standard text with the caller's message, as trial does.
func withMessage(msgAndArgs []any, std string) string {
	if m := message(msgAndArgs); m != "" {
		return m + "\n" + std
	}
	return std
}

// repr formats v for assertion messages, like Python's repr: quoted strings and bytes,
// Go syntax for the rest.
func repr(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("[]byte(%q)", x)
	case *failure.Failure:
		return x.GoString()
	case *deferred.Deferred:
		return x.String()
	case error:
		return fmt.Sprintf("%T(%q)", x, x.Error())
	case fmt.Stringer:
		return fmt.Sprintf("%T(%s)", x, x.String())
	}
	return fmt.Sprintf("%#v", v)
}

// Fail fails the test at once, with an optional message (a format string and arguments):
// Twisted's fail(msg).
func (tc *T) Fail(msgAndArgs ...any) {
	failNow(message(msgAndArgs))
}

// Failf fails the test at once with a formatted message.
func (tc *T) Failf(format string, args ...any) {
	failNow(fmt.Sprintf(format, args...))
}

// True fails the test unless cond holds (Twisted's assertTrue).
func (tc *T) True(cond bool, msgAndArgs ...any) {
	if !cond {
		failNow(withMessage(msgAndArgs, "condition is false"))
	}
}

// False fails the test if cond holds (Twisted's assertFalse).
func (tc *T) False(cond bool, msgAndArgs ...any) {
	if cond {
		failNow(withMessage(msgAndArgs, "condition is true"))
	}
}

// Equal fails the test unless got and want are equal (Twisted's assertEqual): equal by
// reflect.DeepEqual, so values of different types are never equal, and nil slices equal
// empty ones only if both are nil. The message shows both, as trial's does:
//
//	not equal:
//	a = 1
//	b = 2
func (tc *T) Equal(got, want any, msgAndArgs ...any) {
	if !equal(got, want) {
		failNow(withMessage(msgAndArgs, fmt.Sprintf("not equal:\na = %s\nb = %s", reprTyped(got, want), reprTyped(want, got))))
	}
}

// NotEqual fails the test if a and b are equal (Twisted's assertNotEqual).
func (tc *T) NotEqual(a, b any, msgAndArgs ...any) {
	if equal(a, b) {
		failNow(withMessage(msgAndArgs, fmt.Sprintf("%s == %s", repr(a), repr(b))))
	}
}

// Identical fails the test unless a and b are the same value by ==, which for pointers is
// identity (Twisted's assertIdentical / assertIs). Values that cannot be compared with ==
// (slices, maps, functions) are never identical.
func (tc *T) Identical(a, b any, msgAndArgs ...any) {
	if !identical(a, b) {
		failNow(withMessage(msgAndArgs, fmt.Sprintf("%s is not %s", repr(a), repr(b))))
	}
}

// In fails the test unless substring occurs in s (Twisted's assertIn for strings; also
// assertSubstring).
func (tc *T) In(substring, s string, msgAndArgs ...any) {
	if !strings.Contains(s, substring) {
		failNow(withMessage(msgAndArgs, fmt.Sprintf("%q not in %q", substring, s)))
	}
}

// NoError fails the test if err is not nil, showing the error (with its traceback when it
// is a *failure.Failure).
func (tc *T) NoError(err error, msgAndArgs ...any) {
	if err != nil {
		failNow(withMessage(msgAndArgs, "unexpected error: "+describeError(err)))
	}
}

// ErrorIs fails the test unless err matches one of targets the way Failure.Check matches:
// errors.Is for values, errors.As for type tokens made by failure.Type. It is the
// counterpart of Twisted's assertRaises for Go's returned errors, and returns err.
func (tc *T) ErrorIs(err error, targets ...error) error {
	if err == nil {
		failNow(fmt.Sprintf("expected an error matching %s, got nil", targetNames(targets)))
	}
	if len(targets) > 0 && failure.New(err).Check(targets...) == nil {
		failNow(fmt.Sprintf("expected an error matching %s, got %s", targetNames(targets), describeError(err)))
	}
	return err
}

// Must returns v if err is nil and otherwise fails the running test like T.NoError:
//
//	port := trial.Must(tc.Reactor().ListenTCP(0, factory))
//
// It needs no *T because assertions fail by panicking with a *FailTest, which trial
// recovers wherever the assertion runs (test function, callback, Inline body).
func Must[V any](v V, err error) V {
	if err != nil {
		failNow("unexpected error: " + describeError(err))
	}
	return v
}

func describeError(err error) string {
	if f, ok := err.(*failure.Failure); ok {
		return f.ErrorMessage() + "\n" + f.Traceback()
	}
	return fmt.Sprintf("%s (%T)", err.Error(), err)
}

func equal(a, b any) bool {
	if ab, ok := a.([]byte); ok {
		if bb, ok := b.([]byte); ok {
			return bytes.Equal(ab, bb)
		}
	}
	return reflect.DeepEqual(a, b)
}

func identical(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// reprTyped is repr, adding the type when both sides print the same (1 vs int64(1)).
func reprTyped(v, other any) string {
	s := repr(v)
	if s == repr(other) && reflect.TypeOf(v) != reflect.TypeOf(other) {
		return fmt.Sprintf("%s (%T)", s, v)
	}
	return s
}

// targetName names a Check/Trap target in messages, like Twisted's qualified class name:
// the type for a failure.Type token, the type and message for an error value.
func targetName(t error) string {
	if t == nil {
		return "nil"
	}
	s := t.Error()
	if strings.HasPrefix(s, "failure.Type[") && strings.HasSuffix(s, "]") {
		return s[len("failure.Type[") : len(s)-1]
	}
	return fmt.Sprintf("%T(%q)", t, s)
}

func targetNames(ts []error) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = targetName(t)
	}
	return "(" + strings.Join(names, " or ") + ")"
}

// SuccessResultOf returns d's current success result, or fails the test if d has no
// result yet or has a failure (whose traceback the message includes). Like Twisted's, it
// consumes the result: d's result becomes nil, so a failure found here is not also
// reported as unhandled.
func (tc *T) SuccessResultOf(d *deferred.Deferred) any {
	var result any
	got := false
	d.AddBoth(func(v any) (any, error) {
		result, got = v, true
		return nil, nil
	})
	if !got {
		failNow(fmt.Sprintf("Success result expected on %s, found no result instead", d))
	}
	if f, ok := result.(*failure.Failure); ok {
		failNow(fmt.Sprintf("Success result expected on %s, found failure result instead:\n%s", d, f.Traceback()))
	}
	return result
}

// SuccessResult is T.SuccessResultOf with the result converted to V; a result of another
// type fails the test.
func SuccessResult[V any](tc *T, d *deferred.Deferred) V {
	r := tc.SuccessResultOf(d)
	v, ok := r.(V)
	if !ok && r != nil {
		failNow(fmt.Sprintf("Success result of type %s expected on %s, found %s instead", reflect.TypeFor[V](), d, repr(r)))
	}
	return v
}

// FailureResultOf returns d's current failure, or fails the test if d has no result, has
// a success result, or (when types are given) fails with an error matching none of them
// (matching as Failure.Check does). It consumes the failure: d's result becomes nil, so it
// is not reported as unhandled.
func (tc *T) FailureResultOf(d *deferred.Deferred, types ...error) *failure.Failure {
	var result any
	got := false
	d.AddBoth(func(v any) (any, error) {
		result, got = v, true
		return nil, nil
	})
	if !got {
		failNow(fmt.Sprintf("Failure result expected on %s, found no result instead", d))
	}
	f, ok := result.(*failure.Failure)
	if !ok {
		failNow(fmt.Sprintf("Failure result expected on %s, found success result (%s) instead", d, repr(result)))
	}
	if len(types) > 0 && f.Check(types...) == nil {
		failNow(fmt.Sprintf("Failure of type %s expected on %s, found type %s instead: %s",
			targetNames(types), d, failure.TypeName(f.Value), f.Traceback()))
	}
	return f
}

// AssertNoResult fails the test if d has a result now. A result that arrives later is left
// untouched; a failure found now is swallowed (d's result becomes nil) since the assertion
// already reports it.
func (tc *T) AssertNoResult(d *deferred.Deferred) {
	var result any
	got := false
	d.AddBoth(func(v any) (any, error) {
		result, got = v, true
		if f, ok := v.(*failure.Failure); ok {
			return nil, f
		}
		return v, nil
	})
	if got {
		d.AddErrback(func(*failure.Failure) (any, error) { return nil, nil })
		failNow(fmt.Sprintf("No result expected on %s, found %s instead", d, repr(result)))
	}
}

// AssertFailure adds callbacks to d that check it fails with an error matching one of
// types (as Failure.Check matches) and returns d, which the test must return (or wait on):
// a matching failure becomes d's result as its error value; a success or another failure
// makes d fail with a *FailTest. Twisted's assertFailure.
func (tc *T) AssertFailure(d *deferred.Deferred, types ...error) *deferred.Deferred {
	at := newFailTest("")
	return d.AddCallbacks(func(v any) (any, error) {
		return nil, &FailTest{Message: fmt.Sprintf("did not catch an error, instead got %s", repr(v)), File: at.File, Line: at.Line}
	}, func(f *failure.Failure) (any, error) {
		if f.Check(types...) != nil {
			return f.Value, nil
		}
		return nil, &FailTest{Message: fmt.Sprintf("\nExpected: %s\nGot:\n%s", targetNames(types), f.String()), File: at.File, Line: at.Line}
	})
}

// asFailTest finds a *FailTest in f (directly or inside a recovered panic).
func asFailTest(f *failure.Failure) (*FailTest, bool) {
	var ft *FailTest
	if errors.As(f.Value, &ft) {
		return ft, true
	}
	return nil, false
}

func asSkipTest(f *failure.Failure) (*SkipTest, bool) {
	var st *SkipTest
	if errors.As(f.Value, &st) {
		return st, true
	}
	return nil, false
}
