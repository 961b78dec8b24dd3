package task_test

import (
	"errors"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

// testError is test_task.py's TestException.
type testError struct{ msg string }

func (e *testError) Error() string { return e.msg }

var testException = failure.Type[*testError]()

func newLC(clock *task.Clock, f func() (any, error)) *task.LoopingCall {
	lc := task.NewLoopingCall(f)
	lc.Clock = clock
	return lc
}

func start(t *testing.T, lc *task.LoopingCall, interval time.Duration, now bool) *deferred.Deferred {
	t.Helper()
	d, err := lc.Start(interval, now)
	must(t, err)
	return d
}

// Ports test_task.py LoopTests.test_defaultClock: without a Clock, a LoopingCall runs on the
// default reactor.
func TestLoopingCallDefaultClock(t *testing.T) {
	lc := task.NewLoopingCall(func() (any, error) { return nil, nil })
	d := start(t, lc, time.Hour, false)
	if lc.Clock != reactor.Default() {
		t.Errorf("Clock = %v, want the default reactor", lc.Clock)
	}
	must(t, lc.Stop())
	equal(t, lc, successResultOf(t, d))
}

// Ports test_task.py LoopTests.test_callbackTimeSkips: a call that takes longer than the
// interval makes the loop skip to the next interval still in the future.
func TestLoopingCallCallbackTimeSkips(t *testing.T) {
	var times []float64
	var callDuration time.Duration
	clock := task.NewClock()
	lc := newLC(clock, func() (any, error) {
		times = append(times, clock.Seconds())
		clock.Advance(callDuration)
		return nil, nil
	})
	callDuration = 2 * time.Second
	start(t, lc, 500*time.Millisecond, true)
	equal(t, []float64{0}, times)
	equal(t, 2.0, clock.Seconds())
	clock.Advance(0)
	equal(t, []float64{0}, times)
	callDuration = time.Second
	clock.Advance(500 * time.Millisecond)
	equal(t, []float64{0, 2.5}, times)
	equal(t, 3.5, clock.Seconds())
	clock.Advance(0)
	equal(t, []float64{0, 2.5}, times)
	callDuration = 0
	clock.Advance(500 * time.Millisecond)
	equal(t, []float64{0, 2.5, 4}, times)
	equal(t, 4.0, clock.Seconds())
}

// Ports test_task.py LoopTests.test_reactorTimeSkips.
func TestLoopingCallReactorTimeSkips(t *testing.T) {
	var times []float64
	clock := task.NewClock()
	lc := newLC(clock, func() (any, error) { times = append(times, clock.Seconds()); return nil, nil })
	start(t, lc, 500*time.Millisecond, true)
	equal(t, []float64{0}, times)
	clock.Advance(2 * time.Second)
	equal(t, []float64{0, 2}, times)
	clock.Advance(time.Second)
	equal(t, []float64{0, 2, 3}, times)
	clock.Advance(0)
	equal(t, []float64{0, 2, 3}, times)
}

type timeCount struct {
	at    time.Duration
	count int
}

func countingLC(clock *task.Clock, out *[]timeCount) *task.LoopingCall {
	lc := task.WithCount(func(n int) (any, error) {
		*out = append(*out, timeCount{clock.Now(), n})
		return nil, nil
	})
	lc.Clock = clock
	return lc
}

// Ports test_task.py LoopTests.test_reactorTimeCountSkips: WithCount reports the number of
// intervals that elapsed.
func TestLoopingCallReactorTimeCountSkips(t *testing.T) {
	var times []timeCount
	clock := task.NewClock()
	lc := countingLC(clock, &times)
	const interval = 500 * time.Millisecond
	const delay = 10 * time.Millisecond
	start(t, lc, interval, true)
	equal(t, []timeCount{{0, 1}}, times)
	clock.Advance(interval + delay)
	equal(t, []timeCount{{0, 1}, {interval + delay, 1}}, times)
	clock.Advance(3*interval + delay)
	want := []timeCount{{0, 1}, {interval + delay, 1}, {4*interval + 2*delay, 3}}
	equal(t, want, times)
	clock.Advance(0)
	equal(t, want, times)
}

// Ports test_task.py LoopTests.test_countLengthyIntervalCounts: a late call does not raise
// the count unless a whole interval was missed.
func TestLoopingCallCountLengthyIntervalCounts(t *testing.T) {
	var times []timeCount
	clock := task.NewClock()
	lc := countingLC(clock, &times)
	const interval = 500 * time.Millisecond
	const delay = 10 * time.Millisecond
	start(t, lc, interval, true)
	last := func() timeCount { return times[len(times)-1] }
	equal(t, timeCount{0, 1}, last())
	clock.Advance(interval + delay)
	equal(t, timeCount{interval + delay, 1}, last())
	clock.Advance(interval * 7 / 4)
	equal(t, timeCount{interval*11/4 + delay, 1}, last())
	clock.Advance(interval / 4)
	equal(t, timeCount{3*interval + delay, 1}, last())
}

// Ports test_task.py LoopTests.test_withCountFloatingPointBoundary: the counts never
// include 0 and add up to the number of intervals elapsed. (Durations are integers, so the
// floating-point trap Twisted guards against cannot arise; the property still holds.)
func TestLoopingCallWithCountFloatingPointBoundary(t *testing.T) {
	clock := task.NewClock()
	var counts []int
	lc := task.WithCount(func(n int) (any, error) { counts = append(counts, n); return nil, nil })
	lc.Clock = clock
	const count = 10
	interval := time.Second / count
	start(t, lc, interval, false)
	for range count {
		clock.Advance(interval)
	}
	sum := 0
	for _, c := range counts {
		if c == 0 {
			t.Fatalf("a count of 0 was passed: %v", counts)
		}
		sum += c
	}
	equal(t, count, sum)
}

// Ports test_task.py LoopTests.test_withCountIntervalZero.
func TestLoopingCallWithCountIntervalZero(t *testing.T) {
	clock := task.NewClock()
	var acc []int
	var lc *task.LoopingCall
	lc = task.WithCount(func(n int) (any, error) {
		acc = append(acc, n)
		if len(acc) > 4 {
			must(t, lc.Stop())
		}
		return nil, nil
	})
	lc.Clock = clock
	d := start(t, lc, 0, false)
	clock.Advance(0)
	successResultOf(t, d)
	equal(t, []int{1, 1, 1, 1, 1}, acc)
}

// Ports test_task.py LoopTests.test_withCountIntervalZeroDelay.
func TestLoopingCallWithCountIntervalZeroDelay(t *testing.T) {
	clock := task.NewClock()
	wait := deferred.New(nil)
	var acc []int
	var lc *task.LoopingCall
	lc = task.WithCount(func(n int) (any, error) {
		acc = append(acc, n)
		if len(acc) == 2 {
			return wait, nil
		}
		if len(acc) > 4 {
			must(t, lc.Stop())
		}
		return nil, nil
	})
	lc.Clock = clock
	start(t, lc, 0, false)
	clock.Advance(0)
	equal(t, []int{1, 1}, acc)
	clock.Advance(2 * time.Second)
	equal(t, []int{1, 1}, acc)
	wait.Callback(nil)
	clock.Advance(0)
	equal(t, []int{1, 1, 1, 1, 1}, acc)
}

// Ports test_task.py LoopTests.test_withCountIntervalZeroDelayThenNonZeroInterval.
func TestLoopingCallWithCountIntervalZeroDelayThenNonZeroInterval(t *testing.T) {
	clock := task.NewClock()
	wait := deferred.New(nil)
	var acc []int
	lc := task.WithCount(func(n int) (any, error) {
		acc = append(acc, n)
		if len(acc) == 2 {
			return wait, nil
		}
		return nil, nil
	})
	lc.Clock = clock
	start(t, lc, 0, false)
	clock.Advance(10 * time.Second)
	equal(t, []int{1, 1}, acc)
	lc.Interval = 2 * time.Second
	wait.Callback(nil)
	clock.Advance(7 * time.Second)
	equal(t, []int{1, 1, 3}, acc)
	clock.Advance(2 * time.Second)
	equal(t, []int{1, 1, 3, 1}, acc)
	clock.Advance(4 * time.Second)
	equal(t, []int{1, 1, 3, 1, 2}, acc)
}

// Ports test_task.py LoopTests.testBasicFunction.
func TestLoopingCallBasicFunction(t *testing.T) {
	clock := task.NewClock()
	var calls []string
	lc := newLC(clock, func() (any, error) { calls = append(calls, "a b d"); return nil, nil })
	d := start(t, lc, 100*time.Millisecond, true)
	var result []any
	d.AddCallback(func(r any) (any, error) { result = append(result, r); return nil, nil })
	clock.Pump(50*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond)
	equal(t, 3, len(calls))
	must(t, lc.Stop())
	equal(t, []any{lc}, result)
	equal(t, 0, len(clock.GetDelayedCalls()))
}

// Ports test_task.py LoopTests.testDelayedStart.
func TestLoopingCallDelayedStart(t *testing.T) {
	clock := task.NewClock()
	n := 0
	lc := newLC(clock, func() (any, error) { n++; return nil, nil })
	d := start(t, lc, 100*time.Millisecond, false)
	clock.Pump(50*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond)
	equal(t, 2, n)
	must(t, lc.Stop())
	equal(t, lc, successResultOf(t, d))
	equal(t, 0, len(clock.GetDelayedCalls()))
}

// Ports test_task.py LoopTests.testBadDelay, plus the start-twice and stop-when-stopped
// assertions, which are errors in Go.
func TestLoopingCallBadDelay(t *testing.T) {
	lc := newLC(task.NewClock(), func() (any, error) { return nil, nil })
	if _, err := lc.Start(-time.Second, true); !errors.Is(err, task.ErrNegativeInterval) {
		t.Errorf("Start(-1s) = %v, want ErrNegativeInterval", err)
	}
	if err := lc.Stop(); !errors.Is(err, task.ErrNotRunning) {
		t.Errorf("Stop when not running = %v", err)
	}
	start(t, lc, time.Second, false)
	if _, err := lc.Start(time.Second, false); !errors.Is(err, task.ErrAlreadyRunning) {
		t.Errorf("Start twice = %v, want ErrAlreadyRunning", err)
	}
	must(t, lc.Stop())
}

// Ports test_task.py LoopTests.testStopAtOnce and testStoppingBeforeDelayedStart.
func TestLoopingCallStoppingBeforeFirstCall(t *testing.T) {
	for _, delay := range []time.Duration{0, 10 * time.Second} {
		clock := task.NewClock()
		ran := false
		lc := newLC(clock, func() (any, error) { ran = true; return nil, nil })
		start(t, lc, delay, false)
		must(t, lc.Stop())
		equal(t, false, ran)
		equal(t, 0, len(clock.GetDelayedCalls()))
	}
}

// Ports test_task.py LoopTests.test_reset.
func TestLoopingCallReset(t *testing.T) {
	c := task.NewClock()
	ran := 0
	lc := newLC(c, func() (any, error) { ran++; return nil, nil })
	start(t, lc, 2*time.Second, false)
	c.Advance(time.Second)
	must(t, lc.Reset())
	c.Advance(time.Second)
	equal(t, 0, ran)
	c.Advance(time.Second)
	equal(t, 1, ran)
}

// Ports test_task.py ReactorLoopTests.testFailure (on a Clock): an error stops the loop and
// fails the Start Deferred.
func TestLoopingCallFailure(t *testing.T) {
	clock := task.NewClock()
	lc := newLC(clock, func() (any, error) { return nil, &testError{"bar"} })
	d := start(t, lc, 100*time.Millisecond, true)
	failureResultOf(t, d, testException)
	equal(t, false, lc.Running())
	equal(t, 0, len(clock.GetDelayedCalls()))
}

// Ports test_task.py ReactorLoopTests.testFailAndStop: Stop inside the call, then an error.
func TestLoopingCallFailAndStop(t *testing.T) {
	clock := task.NewClock()
	var lc *task.LoopingCall
	lc = newLC(clock, func() (any, error) {
		must(t, lc.Stop())
		return nil, &testError{"bar"}
	})
	d := start(t, lc, 100*time.Millisecond, true)
	failureResultOf(t, d, testException)
}

// A panic in the function is an error like any other.
func TestLoopingCallPanic(t *testing.T) {
	clock := task.NewClock()
	lc := newLC(clock, func() (any, error) { panic(&testError{"boom"}) })
	d := start(t, lc, time.Second, true)
	failureResultOf(t, d, testException)
}

// Ports test_task.py ReactorLoopTests.testEveryIteration (on a Clock): interval 0 runs on
// every iteration until stopped.
func TestLoopingCallEveryIteration(t *testing.T) {
	clock := task.NewClock()
	ran := 0
	var lc *task.LoopingCall
	lc = newLC(clock, func() (any, error) {
		ran++
		if ran > 5 {
			must(t, lc.Stop())
		}
		return nil, nil
	})
	d := start(t, lc, 0, true)
	clock.Advance(0)
	successResultOf(t, d)
	equal(t, 6, ran)
}

// Ports test_task.py ReactorLoopTests.testStopAtOnceLater: Stop from another call prevents
// any further call.
func TestLoopingCallStopAtOnceLater(t *testing.T) {
	clock := task.NewClock()
	called := false
	lc := newLC(clock, func() (any, error) { called = true; return nil, nil })
	start(t, lc, time.Second, false)
	clock.CallLater(0, func() { must(t, lc.Stop()) })
	clock.Advance(0)
	clock.Advance(2 * time.Second)
	equal(t, false, called)
}

// Ports test_task.py ReactorLoopTests.testWaitDeferred: the next call waits for the
// returned Deferred; stopping while it is pending fires the Start Deferred when it fires.
func TestLoopingCallWaitDeferred(t *testing.T) {
	clock := task.NewClock()
	var lc *task.LoopingCall
	lc = newLC(clock, func() (any, error) {
		d := deferred.New(nil)
		d.AddCallback(func(any) (any, error) { return nil, lc.Stop() })
		clock.CallLater(time.Second, func() { d.Callback(nil) })
		return d, nil
	})
	done := start(t, lc, 200*time.Millisecond, true)
	clock.Pump(200*time.Millisecond, 800*time.Millisecond)
	equal(t, 0, len(clock.GetDelayedCalls()))
	equal(t, lc, successResultOf(t, done))
}

// Stop while the function's Deferred is pending: the Start Deferred fires only when that
// Deferred does (core-semantics 3.9, verified against Twisted).
func TestLoopingCallStopWhilePending(t *testing.T) {
	clock := task.NewClock()
	pending := deferred.New(nil)
	lc := newLC(clock, func() (any, error) { return pending, nil })
	done := start(t, lc, time.Second, true)
	must(t, lc.Stop())
	assertNoResult(t, done)
	pending.Callback(nil)
	equal(t, lc, successResultOf(t, done))
	equal(t, 0, len(clock.GetDelayedCalls()))
}

// Ports test_task.py ReactorLoopTests.testFailurePropagation: a failure of the returned
// Deferred fails the Start Deferred and nothing is left scheduled.
func TestLoopingCallFailurePropagation(t *testing.T) {
	clock := task.NewClock()
	lc := newLC(clock, func() (any, error) {
		d := deferred.New(nil)
		clock.CallLater(300*time.Millisecond, func() { d.Errback(&testError{"late"}) })
		return d, nil
	})
	done := start(t, lc, time.Second, true)
	clock.Pump(300 * time.Millisecond)
	equal(t, 0, len(clock.GetDelayedCalls()))
	failureResultOf(t, done, testException)
}

// Ports test_task.py ReactorLoopTests.test_deferredWithCount.
func TestLoopingCallDeferredWithCount(t *testing.T) {
	clock := task.NewClock()
	wait := deferred.New(nil)
	var counts []int
	lc := task.WithCount(func(n int) (any, error) {
		counts = append(counts, n)
		if len(counts) == 1 {
			return wait, nil
		}
		return nil, nil
	})
	lc.Clock = clock
	start(t, lc, 200*time.Millisecond, false)
	equal(t, 0, len(counts))
	clock.Pump(200*time.Millisecond, 400*time.Millisecond)
	equal(t, 1, len(counts))
	wait.Callback(nil)
	clock.Pump(200 * time.Millisecond)
	equal(t, []int{1, 3}, counts)
}

// The experiment-log sequence: interval 1s, advances 1.0 then 3.7: calls at 0, 1, 4.7, 5.0
// (missed intervals are skipped, not replayed).
func TestLoopingCallSkipsMissedIntervals(t *testing.T) {
	clock := task.NewClock()
	var at []time.Duration
	lc := newLC(clock, func() (any, error) { at = append(at, clock.Now()); return nil, nil })
	start(t, lc, time.Second, true)
	clock.Advance(time.Second)
	clock.Advance(3700 * time.Millisecond)
	clock.Advance(300 * time.Millisecond)
	equal(t, []time.Duration{0, time.Second, 4700 * time.Millisecond, 5 * time.Second}, at)
}

// Ports test_task.py DeferLaterTests.test_callback.
func TestDeferLaterCallback(t *testing.T) {
	clock := task.NewClock()
	var results []string
	flag := &struct{}{}
	d := task.DeferLater(clock, 3*time.Second, func() (any, error) {
		results = append(results, "foo bar")
		return flag, nil
	})
	clock.Advance(2 * time.Second)
	equal(t, 0, len(results))
	clock.Advance(time.Second)
	equal(t, []string{"foo bar"}, results)
	if successResultOf(t, d) != flag {
		t.Error("DeferLater did not fire with the function's result")
	}
}

// Ports test_task.py DeferLaterTests.test_errback.
func TestDeferLaterErrback(t *testing.T) {
	clock := task.NewClock()
	d := task.DeferLater(clock, time.Second, func() (any, error) { return nil, &testError{"x"} })
	clock.Advance(time.Second)
	failureResultOf(t, d, testException)
}

// Ports test_task.py DeferLaterTests.test_cancel.
func TestDeferLaterCancel(t *testing.T) {
	clock := task.NewClock()
	called := false
	d := task.DeferLater(clock, time.Second, func() (any, error) { called = true; return nil, nil })
	d.Cancel()
	failureResultOf(t, d, deferred.ErrCancelled)
	equal(t, 0, len(clock.GetDelayedCalls()))
	clock.Advance(time.Second)
	equal(t, false, called)
}

// Ports test_task.py DeferLaterTests.test_noCallback.
func TestDeferLaterNoCallback(t *testing.T) {
	clock := task.NewClock()
	d := task.DeferLater(clock, 2*time.Second, nil)
	assertNoResult(t, d)
	clock.Advance(2 * time.Second)
	equal(t, nil, successResultOf(t, d))
}
