package task_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

var _ reactor.ReactorTime = (*task.Clock)(nil)

// Ports test_task.py ClockTests.testSeconds.
func TestClockSeconds(t *testing.T) {
	equal(t, 0.0, task.NewClock().Seconds())
}

// Ports test_task.py ClockTests.testCallLater and testCallLaterCancelled.
func TestClockCallLater(t *testing.T) {
	c := task.NewClock()
	call := c.CallLater(time.Second, func() {})
	equal(t, 1.0, call.GetTime())
	equal(t, true, call.Active())
	must(t, call.Cancel())
	equal(t, false, call.Active())
	equal(t, 0, len(c.GetDelayedCalls()))
}

// Ports test_task.py ClockTests.test_callLaterOrdering: each call is a new DelayedCall.
func TestClockCallLaterOrdering(t *testing.T) {
	c := task.NewClock()
	call1 := c.CallLater(10*time.Second, func() {})
	call2 := c.CallLater(time.Second, func() {})
	if call1 == call2 {
		t.Fatal("CallLater returned the same DelayedCall twice")
	}
}

// Ports test_task.py ClockTests.testAdvance.
func TestClockAdvance(t *testing.T) {
	var events []string
	c := task.NewClock()
	call := c.CallLater(2*time.Second, func() { events = append(events, "x") })
	c.Advance(time.Second)
	equal(t, 0, len(events))
	c.Advance(time.Second)
	equal(t, []string{"x"}, events)
	equal(t, false, call.Active())
}

// Ports test_task.py ClockTests.testAdvanceCancel: cancelling a call from inside itself
// reports AlreadyCalled (called is set before the function runs).
func TestClockAdvanceCancel(t *testing.T) {
	c := task.NewClock()
	var call *reactor.DelayedCall
	var err error
	call = c.CallLater(time.Second, func() { err = call.Cancel() })
	c.Advance(time.Second)
	var ac *reactor.AlreadyCalled
	if !errors.As(err, &ac) {
		t.Fatalf("Cancel inside the call returned %v, want *AlreadyCalled", err)
	}
}

// Ports test_task.py ClockTests.testCallLaterDelayed.
func TestClockCallLaterDelayed(t *testing.T) {
	var events []int
	c := task.NewClock()
	call := c.CallLater(time.Second, func() { events = append(events, 1) })
	must(t, call.Delay(time.Second))
	equal(t, 2.0, call.GetTime())
	c.Advance(task.Seconds(1.5))
	equal(t, 0, len(events))
	c.Advance(time.Second)
	equal(t, []int{1}, events)
}

// Ports test_task.py ClockTests.testCallLaterResetLater.
func TestClockCallLaterResetLater(t *testing.T) {
	var events []int
	c := task.NewClock()
	call := c.CallLater(2*time.Second, func() { events = append(events, 1) })
	c.Advance(time.Second)
	must(t, call.Reset(3*time.Second))
	equal(t, 4.0, call.GetTime())
	c.Advance(2 * time.Second)
	equal(t, 0, len(events))
	c.Advance(time.Second)
	equal(t, []int{1}, events)
}

// Ports test_task.py ClockTests.testCallLaterResetSooner.
func TestClockCallLaterResetSooner(t *testing.T) {
	var events []int
	c := task.NewClock()
	call := c.CallLater(4*time.Second, func() { events = append(events, 1) })
	must(t, call.Reset(3*time.Second))
	equal(t, 3.0, call.GetTime())
	c.Advance(3 * time.Second)
	equal(t, []int{1}, events)
}

// Ports test_task.py ClockTests.test_getDelayedCalls and test_getDelayedCallsEmpty.
func TestClockGetDelayedCalls(t *testing.T) {
	c := task.NewClock()
	equal(t, 0, len(c.GetDelayedCalls()))
	call := c.CallLater(time.Second, func() {})
	call2 := c.CallLater(2*time.Second, func() {})
	equal(t, []*reactor.DelayedCall{call, call2}, c.GetDelayedCalls())
}

type logged struct {
	name string
	at   float64
}

// Ports test_task.py ClockTests.test_callLaterKeepsCallsOrdered.
func TestClockCallLaterKeepsCallsOrdered(t *testing.T) {
	var result []logged
	clock := task.NewClock()
	logtime := func(n string) func() {
		return func() { result = append(result, logged{n, clock.Seconds()}) }
	}
	callA := clock.CallLater(time.Second, logtime("a"))
	must(t, callA.Reset(3*time.Second))
	clock.CallLater(2*time.Second, logtime("b"))
	clock.Pump(time.Second, time.Second, time.Second)
	equal(t, []logged{{"b", 2}, {"a", 3}}, result)
}

// Ports test_task.py ClockTests.test_callLaterResetKeepsCallsOrdered.
func TestClockCallLaterResetKeepsCallsOrdered(t *testing.T) {
	var result []logged
	clock := task.NewClock()
	logtime := func(n string) func() {
		return func() { result = append(result, logged{n, clock.Seconds()}) }
	}
	callA := clock.CallLater(time.Second, logtime("a"))
	clock.CallLater(2*time.Second, logtime("b"))
	must(t, callA.Reset(3*time.Second))
	clock.Pump(time.Second, time.Second, time.Second)
	equal(t, []logged{{"b", 2}, {"a", 3}}, result)
}

// Ports test_task.py ClockTests.test_callLaterResetInsideCallKeepsCallsOrdered.
func TestClockCallLaterResetInsideCallKeepsCallsOrdered(t *testing.T) {
	var result []logged
	clock := task.NewClock()
	logtime := func(n string) func() {
		return func() { result = append(result, logged{n, clock.Seconds()}) }
	}
	callB := clock.CallLater(2*time.Second, logtime("b"))
	clock.CallLater(time.Second, func() { must(t, callB.Reset(3*time.Second)) })
	clock.CallLater(3*time.Second, logtime("c"))
	half := 500 * time.Millisecond
	clock.Pump(half, half, half, half, half, half, half, half, half, half)
	equal(t, []logged{{"c", 3}, {"b", 4}}, result)
}

// Advance runs every due call with the final time, and a CallLater(0) made during the
// advance runs in the same advance (core-semantics 3.9; experiment log).
func TestClockAdvanceRunsCallsAtFinalTime(t *testing.T) {
	clock := task.NewClock()
	var seen []float64
	var order []string
	clock.CallLater(time.Second, func() {
		seen = append(seen, clock.Seconds())
		order = append(order, "f")
		clock.CallLater(0, func() { order = append(order, "g") })
	})
	clock.CallLater(5*time.Second, func() { seen = append(seen, clock.Seconds()) })
	clock.Advance(10 * time.Second)
	equal(t, []float64{10, 10}, seen)
	equal(t, []string{"f", "g"}, order)
}

// Calls due at the same time run in the order they were scheduled.
func TestClockEqualTimesRunFIFO(t *testing.T) {
	clock := task.NewClock()
	var order []int
	for i := range 20 {
		clock.CallLater(time.Second, func() { order = append(order, i) })
	}
	clock.Advance(time.Second)
	for i := range 20 {
		if order[i] != i {
			t.Fatalf("order = %v", order)
		}
	}
}

// The Clock works as a deferred.Clock through reactor.AsClock, for Deferred.AddTimeout.
func TestClockAsDeferredClock(t *testing.T) {
	clock := task.NewClock()
	d := task.DeferLater(clock, 10*time.Second, nil)
	d.AddTimeout(time.Second, reactor.AsClock(clock), nil)
	clock.Advance(time.Second)
	failureResultOf(t, d)
	equal(t, 0, len(clock.GetDelayedCalls()))
}
