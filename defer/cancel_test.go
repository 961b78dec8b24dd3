package deferred

import (
	"strings"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

var (
	alreadyCalled = failure.Type[*AlreadyCalledError]()
	cancelled     = ErrCancelled
)

// cancelState mirrors DeferredCancellerTests' setUp.
type cancelState struct {
	callbackResults any
	errbackResults  *failure.Failure
	cancellerCalls  int
}

func (s *cancelState) callback(v any) (any, error)             { s.callbackResults = v; return v, nil }
func (s *cancelState) errback(f *failure.Failure) (any, error) { s.errbackResults = f; return nil, nil }

// Ports test_defer.py DeferredCancellerTests.test_noCanceller.
func TestNoCanceller(t *testing.T) {
	var s cancelState
	d := New(nil)
	d.AddCallbacks(s.callback, s.errback)
	d.Cancel()
	if s.errbackResults == nil || s.errbackResults.Check(cancelled) == nil || s.callbackResults != nil {
		t.Fatalf("%+v", s)
	}
}

// Ports test_defer.py DeferredCancellerTests.test_raisesAfterCancelAndCallback and
// test_raisesAfterCancelAndErrback.
func TestRaisesAfterCancelAndCallback(t *testing.T) {
	for _, first := range []func(*Deferred){
		func(d *Deferred) { d.Callback(nil) },
		func(d *Deferred) { d.Errback(&GenericError{}) },
	} {
		var s cancelState
		d := New(nil)
		d.AddCallbacks(s.callback, s.errback)
		d.Cancel()
		first(d) // swallowed
		mustPanic[*AlreadyCalledError](t, func() { d.Callback(nil) })
		mustPanic[*AlreadyCalledError](t, func() { d.Errback(&GenericError{}) })
	}
}

// Ports test_defer.py DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndCallback
// and test_noCancellerMultipleCancelsAfterCancelAndErrback.
func TestNoCancellerMultipleCancelsAfterCancelAndCallback(t *testing.T) {
	for _, fire := range []func(*Deferred){
		func(d *Deferred) { d.Callback(nil) },
		func(d *Deferred) { d.Errback(&GenericError{}) },
	} {
		var s cancelState
		d := New(nil)
		d.AddCallbacks(s.callback, s.errback)
		d.Cancel()
		current := s.errbackResults
		fire(d)
		if s.errbackResults.Check(cancelled) == nil {
			t.Fatal("the swallowed fire changed the result")
		}
		d.Cancel()
		if s.errbackResults != current {
			t.Fatal("a second cancel changed the result")
		}
	}
}

// Ports test_defer.py DeferredCancellerTests.test_noCancellerMultipleCancel.
func TestNoCancellerMultipleCancel(t *testing.T) {
	var s cancelState
	d := New(nil)
	d.AddCallbacks(s.callback, s.errback)
	d.Cancel()
	current := s.errbackResults
	if current.Check(cancelled) == nil {
		t.Fatal(current)
	}
	d.Cancel()
	if s.errbackResults != current {
		t.Fatal("a second cancel changed the result")
	}
}

// Ports test_defer.py DeferredCancellerTests.test_cancellerMultipleCancel.
func TestCancellerMultipleCancel(t *testing.T) {
	var s cancelState
	d := New(func(*Deferred) { s.cancellerCalls++ })
	d.AddCallbacks(s.callback, s.errback)
	d.Cancel()
	current := s.errbackResults
	if current.Check(cancelled) == nil {
		t.Fatal(current)
	}
	d.Cancel()
	if s.errbackResults != current || s.cancellerCalls != 1 {
		t.Fatalf("%+v", s)
	}
}

// Ports test_defer.py DeferredCancellerTests.test_simpleCanceller.
func TestSimpleCanceller(t *testing.T) {
	var s cancelState
	d := New(func(*Deferred) { s.cancellerCalls++ })
	d.AddCallbacks(s.callback, s.errback)
	d.Cancel()
	if s.cancellerCalls != 1 || s.errbackResults.Check(cancelled) == nil {
		t.Fatalf("%+v", s)
	}
	mustPanic[*AlreadyCalledError](t, func() { d.Callback(nil) })
	mustPanic[*AlreadyCalledError](t, func() { d.Errback(&GenericError{}) })
}

// Ports test_defer.py DeferredCancellerTests.test_cancellerArg.
func TestCancellerArg(t *testing.T) {
	var d *Deferred
	var got *Deferred
	d = New(func(d1 *Deferred) { got = d1 })
	d.AddErrback(func(*failure.Failure) (any, error) { return nil, nil })
	d.Cancel()
	if got != d {
		t.Fatal("the canceller did not receive the cancelled Deferred")
	}
}

// Ports test_defer.py DeferredCancellerTests.test_cancelAfterCallback.
func TestCancelAfterCallback(t *testing.T) {
	var s cancelState
	d := New(func(d *Deferred) { s.cancellerCalls++; d.Errback(&GenericError{}) })
	d.AddCallbacks(s.callback, s.errback)
	d.Callback("biff!")
	d.Cancel()
	if s.cancellerCalls != 0 || s.errbackResults != nil || s.callbackResults != "biff!" {
		t.Fatalf("%+v", s)
	}
}

// Ports test_defer.py DeferredCancellerTests.test_cancelAfterErrback.
func TestCancelAfterErrback(t *testing.T) {
	var s cancelState
	d := New(func(d *Deferred) { s.cancellerCalls++; d.Errback(&GenericError{}) })
	d.AddCallbacks(s.callback, s.errback)
	d.Errback(&GenericError{})
	d.Cancel()
	if s.cancellerCalls != 0 || s.errbackResults.Check(genericError) == nil || s.callbackResults != nil {
		t.Fatalf("%+v", s)
	}
}

// Ports test_defer.py DeferredCancellerTests.test_cancellerThatErrbacks.
func TestCancellerThatErrbacks(t *testing.T) {
	var s cancelState
	d := New(func(d *Deferred) { s.cancellerCalls++; d.Errback(&GenericError{}) })
	d.AddCallbacks(s.callback, s.errback)
	d.Cancel()
	if s.cancellerCalls != 1 || s.errbackResults.Check(genericError) == nil {
		t.Fatalf("%+v", s)
	}
}

// Ports test_defer.py DeferredCancellerTests.test_cancellerThatCallbacks.
func TestCancellerThatCallbacks(t *testing.T) {
	var s cancelState
	d := New(func(d *Deferred) { s.cancellerCalls++; d.Callback("hello!") })
	d.AddCallbacks(s.callback, s.errback)
	d.Cancel()
	if s.cancellerCalls != 1 || s.callbackResults != "hello!" || s.errbackResults != nil {
		t.Fatalf("%+v", s)
	}
}

// Ports test_defer.py DeferredCancellerTests.test_cancelNestedDeferred.
func TestCancelNestedDeferred(t *testing.T) {
	var s cancelState
	b := New(func(*Deferred) { s.cancellerCalls++ })
	a := New(func(*Deferred) { t.Error("the outer canceller must not be called") })
	a.Callback(nil)
	a.AddCallback(func(any) (any, error) { return b, nil })
	a.Cancel()
	a.AddCallbacks(s.callback, s.errback)
	if s.cancellerCalls != 1 || s.errbackResults.Check(cancelled) == nil {
		t.Fatalf("%+v", s)
	}
}

func alreadyCalledSetup() *Deferred {
	d := New(nil)
	d.AddCallbacks(func(any) (any, error) { return nil, nil }, func(*failure.Failure) (any, error) { return nil, nil })
	return d
}

func call1(d *Deferred) { d.Callback("hello") }
func call2(d *Deferred) { d.Callback("twice") }
func err1(d *Deferred)  { d.Errback(&GenericError{}) }
func err2(d *Deferred)  { d.Errback(&GenericError{}) }

// Ports test_defer.py AlreadyCalledTests.testAlreadyCalled_CC, _CE, _EC and _EE.
func TestAlreadyCalled(t *testing.T) {
	for name, c := range map[string][2]func(*Deferred){
		"CC": {call1, call2}, "CE": {call1, err2}, "EC": {err1, call2}, "EE": {err1, err2},
	} {
		t.Run(name, func(t *testing.T) {
			d := alreadyCalledSetup()
			c[0](d)
			mustPanic[*AlreadyCalledError](t, func() { c[1](d) })
			if err := d.TryCallback(1); err == nil {
				t.Fatal("TryCallback did not report AlreadyCalledError")
			}
			if err := d.TryErrback(&GenericError{}); err == nil {
				t.Fatal("TryErrback did not report AlreadyCalledError")
			}
		})
	}
}

// countLines is AlreadyCalledTests._count: lines starting " C:"/" I:" and ending with
// the function name.
func countLines(lines []string, kind, fn string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, " "+kind+":") && strings.HasSuffix(l, "."+fn) {
			n++
		}
	}
	return n
}

// Ports test_defer.py AlreadyCalledTests.testAlreadyCalledDebug_CC, _CE, _EC and _EE: the
// message names the creator and the first invoker, not the second caller.
func TestAlreadyCalledDebug(t *testing.T) {
	defer SetDebugging(Debugging())
	SetDebugging(true)
	for name, c := range map[string]struct {
		first, second func(*Deferred)
		inv1, inv2    string
	}{
		"CC": {call1, call2, "call1", "call2"}, "CE": {call1, err2, "call1", "err2"},
		"EC": {err1, call2, "err1", "call2"}, "EE": {err1, err2, "err1", "err2"},
	} {
		t.Run(name, func(t *testing.T) {
			d := alreadyCalledSetup()
			c.first(d)
			e := mustPanic[*AlreadyCalledError](t, func() { c.second(d) })
			lines := strings.Split(e.Info, "\n")
			if countLines(lines, "C", "alreadyCalledSetup") != 1 {
				t.Errorf("creator not named once:\n%s", e.Info)
			}
			for _, fn := range []string{"call1", "call2", "err1", "err2"} {
				if countLines(lines, "C", fn) != 0 {
					t.Errorf("creator lines name %s", fn)
				}
			}
			if countLines(lines, "I", c.inv1) != 1 || countLines(lines, "I", c.inv2) != 0 {
				t.Errorf("invoker lines wrong (want %s, not %s):\n%s", c.inv1, c.inv2, e.Info)
			}
		})
	}
}

// Ports test_defer.py AlreadyCalledTests.testNoDebugging.
func TestNoDebugging(t *testing.T) {
	defer SetDebugging(Debugging())
	SetDebugging(false)
	d := alreadyCalledSetup()
	call1(d)
	if e := mustPanic[*AlreadyCalledError](t, func() { call2(d) }); e.Info != "" {
		t.Fatalf("info without debugging: %q", e.Info)
	}
}

// Ports test_defer.py AlreadyCalledTests.testSwitchDebugging.
func TestSwitchDebugging(t *testing.T) {
	defer SetDebugging(Debugging())
	SetDebugging(false)
	d := New(nil)
	d.AddBoth(func(any) (any, error) { return nil, nil })
	SetDebugging(true)
	d.Callback(nil)
	SetDebugging(false)
	d = New(nil)
	d.Callback(nil)
	SetDebugging(true)
	d.AddBoth(func(any) (any, error) { return nil, nil })
	if !d.HasResult() {
		t.Fatal("no result")
	}
}

// AlreadyCalledError raised inside a callback becomes that callback's failure, as in
// Python.
func TestAlreadyCalledInsideCallback(t *testing.T) {
	fired := Succeed(1)
	d := Succeed(nil).AddCallback(func(any) (any, error) { fired.Callback(2); return nil, nil })
	failureResultOf(t, d, alreadyCalled)
}
