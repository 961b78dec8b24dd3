package reactor

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Ports test_internet.py TimeTests.test_seconds and testCallLaterTime: Seconds is a
// monotonic number and a call's GetTime is Seconds plus its delay.
func TestCallLaterTime(t *testing.T) {
	r := newReactor(t)
	before := r.Seconds()
	dc := r.CallLater(10*time.Second, func() {})
	after := r.Seconds()
	if got := dc.GetTime(); got < before+10 || got > after+10 {
		t.Fatalf("GetTime %v not within [%v, %v]", got, before+10, after+10)
	}
	dc.Cancel()
}

// Ports test_internet.py TimeTests.test_callLater and DelayedTests.test_active.
func TestCallLater(t *testing.T) {
	r := newReactor(t)
	ran := false
	dc := r.CallLater(0, func() { ran = true })
	if !dc.Active() || ran {
		t.Fatal("call ran synchronously")
	}
	spin(t, r, func() bool { return ran })
	if dc.Active() || !dc.Called() {
		t.Fatalf("after running: active=%v called=%v", dc.Active(), dc.Called())
	}
}

// Ports test_internet.py TimeTests.test_callLaterReset.
func TestCallLaterReset(t *testing.T) {
	r := newReactor(t)
	dc := r.CallLater(2*time.Second, func() {})
	defer dc.Cancel()
	orig := dc.GetTime()
	if err := dc.Reset(time.Second); err != nil {
		t.Fatal(err)
	}
	if dc.GetTime() == orig || dc.GetTime() > orig {
		t.Fatalf("reset to sooner: %v -> %v", orig, dc.GetTime())
	}
	later := dc.GetTime()
	dc.Reset(time.Hour)
	if dc.GetTime() <= later {
		t.Fatalf("reset to later: %v -> %v", later, dc.GetTime())
	}
}

// A call reset to later is held back (lazily, when it reaches the top of the heap), and a
// call reset sooner moves up at once.
func TestResetOrdering(t *testing.T) {
	r := newReactor(t)
	var order []string
	a := r.CallLater(0, func() { order = append(order, "a") })
	r.CallLater(0, func() { order = append(order, "b") })
	c := r.CallLater(time.Hour, func() { order = append(order, "c") })
	r.Iterate(0) // stage everything into the heap
	order = nil
	a.Cancel()
	a = r.CallLater(0, func() { order = append(order, "a2") })
	a.Reset(30 * time.Millisecond) // later: lazy
	c.Reset(0)                     // sooner: moved up
	spin(t, r, func() bool { return len(order) == 2 })
	if want := []string{"c", "a2"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("got %v, want %v", order, want)
	}
}

// Ports test_internet.py TimeTests.test_cancelDelayedCall.
func TestCancelDelayedCall(t *testing.T) {
	r := newReactor(t)
	called := false
	dc := r.CallLater(0, func() { called = true })
	if err := dc.Cancel(); err != nil {
		t.Fatal(err)
	}
	checked := false
	r.CallLater(0, func() { r.CallLater(0, func() { checked = true }) })
	spin(t, r, func() bool { return checked })
	if called {
		t.Fatal("cancelled call ran")
	}
}

// Ports test_internet.py TimeTests.test_cancelCancelledDelayedCall.
func TestCancelCancelledDelayedCall(t *testing.T) {
	r := newReactor(t)
	dc := r.CallLater(0, func() {})
	dc.Cancel()
	var ac *AlreadyCancelled
	if err := dc.Cancel(); !errors.As(err, &ac) {
		t.Fatalf("got %v, want *AlreadyCancelled", err)
	}
	if err := dc.Reset(time.Second); !errors.As(err, &ac) {
		t.Fatalf("Reset: got %v", err)
	}
	if err := dc.Delay(time.Second); !errors.As(err, &ac) {
		t.Fatalf("Delay: got %v", err)
	}
}

// Ports test_internet.py TimeTests.test_cancelCalledDelayedCallSynchronous.
func TestCancelCalledDelayedCallSynchronous(t *testing.T) {
	r := newReactor(t)
	var err error
	done := false
	var dc *DelayedCall
	dc = r.CallLater(0, func() { err = dc.Cancel(); done = true })
	spin(t, r, func() bool { return done })
	var ac *AlreadyCalled
	if !errors.As(err, &ac) {
		t.Fatalf("got %v, want *AlreadyCalled", err)
	}
}

// Ports test_internet.py TimeTests.test_cancelCalledDelayedCallAsynchronous.
func TestCancelCalledDelayedCallAsynchronous(t *testing.T) {
	r := newReactor(t)
	var err error
	done := false
	var dc *DelayedCall
	dc = r.CallLater(0, func() { r.CallLater(0, func() { err = dc.Cancel(); done = true }) })
	spin(t, r, func() bool { return done })
	var ac *AlreadyCalled
	if !errors.As(err, &ac) {
		t.Fatalf("got %v, want *AlreadyCalled", err)
	}
}

// Ports test_internet.py TimeTests.testDelayedCallStringification.
func TestDelayedCallStringification(t *testing.T) {
	r := newReactor(t)
	dc := r.CallLater(0, delayedCallStringificationHelper)
	for _, s := range []string{dc.String(), func() string { dc.Reset(5 * time.Second); return dc.String() }(),
		func() string { dc.Cancel(); return dc.String() }()} {
		if !strings.HasPrefix(s, "<DelayedCall 0x") || !strings.Contains(s, "delayedCallStringificationHelper()") {
			t.Fatalf("String: %q", s)
		}
	}
	if !strings.Contains(dc.String(), "cancelled=1") {
		t.Fatalf("String after cancel: %q", dc.String())
	}
}

func delayedCallStringificationHelper() {}

// Ports test_internet.py DelayedTests.testGetDelayedCalls: pending calls are listed
// (including ones not yet in the heap), cancelled and finished ones are not.
func TestGetDelayedCalls(t *testing.T) {
	r := newReactor(t)
	set := func(dcs []*DelayedCall) map[*DelayedCall]bool {
		m := map[*DelayedCall]bool{}
		for _, dc := range dcs {
			m[dc] = true
		}
		return m
	}
	a := r.CallLater(0, func() {})
	b := r.CallLater(time.Hour, func() {})
	c := r.CallLater(time.Hour, func() {})
	if got := set(r.GetDelayedCalls()); !reflect.DeepEqual(got, set([]*DelayedCall{a, b, c})) {
		t.Fatalf("staged calls: %v", got)
	}
	c.Cancel()
	spin(t, r, func() bool { return a.Called() })
	d := r.CallLater(time.Hour, func() {})
	if got := set(r.GetDelayedCalls()); !reflect.DeepEqual(got, set([]*DelayedCall{b, d})) {
		t.Fatalf("after running and cancelling: %v", got)
	}
	b.Cancel()
	d.Cancel()
}

// Calls due at the same time run in the order they were scheduled (FIFO by sequence
// number, a deterministic superset of Twisted), and a CallLater(0) made while timers run
// waits for the next pass, after every call that was already due (core-semantics 3.3 step 3,
// verified against Twisted: 20 x callLater(0) and one nested).
func TestCallLaterFIFOAndNestedZeroDelay(t *testing.T) {
	r := newReactor(t)
	var order []int
	for i := 0; i < 20; i++ {
		r.CallLater(0, func() {
			order = append(order, i)
			if i == 3 {
				r.CallLater(0, func() { order = append(order, 100) })
			}
		})
	}
	r.Iterate(0)
	want := make([]int, 20)
	for i := range want {
		want[i] = i
	}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("first pass: %v", order)
	}
	r.Iterate(0)
	if want = append(want, 100); !reflect.DeepEqual(order, want) {
		t.Fatalf("second pass: %v", order)
	}
}

// CallLater with a negative delay is documented to run like CallLater(0) rather than fail.
func TestCallLaterNegativeDelay(t *testing.T) {
	r := newReactor(t)
	var order []string
	r.CallLater(0, func() { order = append(order, "zero") })
	dc := r.CallLater(-time.Hour, func() { order = append(order, "negative") })
	if dc.GetTime() < 0 || dc.GetTime() > r.Seconds() {
		t.Fatalf("negative delay scheduled at %v (now %v)", dc.GetTime(), r.Seconds())
	}
	r.Iterate(0)
	if want := []string{"zero", "negative"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("got %v", order)
	}
}

// Delay moves a call relative to its schedule; a negative total applies at once.
func TestDelayedCallDelay(t *testing.T) {
	r := newReactor(t)
	ran := false
	dc := r.CallLater(time.Hour, func() { ran = true })
	r.Iterate(0)
	before := dc.GetTime()
	dc.Delay(time.Second)
	if d := dc.GetTime() - before; d < 0.999 || d > 1.001 {
		t.Fatalf("Delay(1s) moved by %v", d)
	}
	dc.Delay(-time.Hour - time.Second)
	spin(t, r, func() bool { return ran })
}

// A panicking DelayedCall is logged and the loop goes on.
func TestDelayedCallPanicIsLogged(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	after := false
	r.CallLater(0, func() { panic("timer boom") })
	r.CallLater(0, func() { after = true })
	r.Iterate(0)
	if !after {
		t.Fatal("the call after a panicking one did not run")
	}
	if fs := logs.failures(); len(fs) != 1 || !strings.Contains(fs[0].Error(), "timer boom") {
		t.Fatalf("logged: %v", fs)
	}
}

// Cancelled calls buried in the heap are compacted away once they are more than 50 and
// more than half of the heap (core-semantics 3.3 step 4).
func TestCancelledCallsCompacted(t *testing.T) {
	r := newReactor(t)
	var keep []*DelayedCall
	for i := 0; i < 100; i++ {
		dc := r.CallLater(time.Hour, func() {})
		if i%10 == 0 {
			keep = append(keep, dc)
		} else {
			defer dc.Cancel()
		}
	}
	r.Iterate(0) // stage into the heap
	for _, dc := range r.GetDelayedCalls() {
		if !slicesContains(keep, dc) {
			dc.Cancel()
		}
	}
	r.Iterate(0)
	if len(r.pending) != len(keep) {
		t.Fatalf("heap holds %d calls, want %d", len(r.pending), len(keep))
	}
	for i, dc := range r.pending {
		if dc.index != i {
			t.Fatalf("index %d stored as %d", i, dc.index)
		}
		dc.Cancel()
	}
}

func slicesContains(s []*DelayedCall, x *DelayedCall) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// The poll timeout rounds up to whole milliseconds (Python does too) and is -1 without
// timers and 0 for a due timer.
func TestTimeoutRounding(t *testing.T) {
	r := newReactor(t)
	if got := r.timeout(); got != -1 {
		t.Fatalf("no timers: %d", got)
	}
	dc := r.CallLater(400*time.Microsecond, func() {})
	if got := r.timeout(); got != 1 && got != 0 {
		t.Fatalf("0.4ms timer: %d, want 1 (or 0 if already due)", got)
	}
	dc.Cancel()
	// Cancellation is lazy: the cancelled call still bounds the timeout, as in Twisted.
	r = newReactor(t)
	dc = r.CallLater(1500*time.Second, func() {})
	if got := r.timeout(); got < 1499000 || got > 1500000 {
		t.Fatalf("1500s timer: %d ms", got)
	}
	dc.Cancel()
}
