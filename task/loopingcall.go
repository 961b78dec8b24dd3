package task

import (
	"errors"
	"fmt"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// ErrNegativeInterval is returned by LoopingCall.Start for an interval below zero
// (Twisted raises ValueError("interval must be >= 0")).
var ErrNegativeInterval = errors.New("interval must be >= 0")

// ErrAlreadyRunning is returned by LoopingCall.Start on a LoopingCall that is running.
var ErrAlreadyRunning = errors.New("Tried to start an already running LoopingCall.")

// ErrNotRunning is returned by LoopingCall.Stop and Reset on a LoopingCall that is not
// running.
var ErrNotRunning = errors.New("Tried to stop a LoopingCall that was not running.")

// LoopingCall calls a function repeatedly, every Interval: Twisted's task.LoopingCall.
//
//	lc := task.NewLoopingCall(func() (any, error) {
//		fmt.Println("tick")
//		return nil, nil
//	})
//	done, _ := lc.Start(time.Second, true) // tick now, then every second
//	// ... later: lc.Stop() fires done with lc.
//
// The function runs through deferred.MaybeDeferred: if it returns a *deferred.Deferred,
// the next call is scheduled only after that Deferred fires. Calls keep to the grid of
// intervals measured from Start: when the loop falls behind (a slow call, a busy reactor),
// the missed intervals are skipped, not replayed. Use WithCount to learn how many were
// skipped.
//
// An error (returned, or a failure of the returned Deferred, or a panic) stops the loop
// and fails the Deferred that Start returned.
//
// A LoopingCall belongs to the reactor goroutine (or the test's goroutine with a Clock).
type LoopingCall struct {
	// F is the function called on each iteration.
	F func() (any, error)
	// Clock schedules the calls: nil means the default reactor. Tests set a *Clock.
	Clock reactor.ReactorTime
	// Interval is the time between calls; set by Start. It may be changed while the loop
	// runs; the next scheduling uses the new value.
	Interval time.Duration

	running    bool
	call       *reactor.DelayedCall
	done       *deferred.Deferred
	startTime  time.Duration
	runAtStart bool
	// realLastTime is when a WithCount function last ran; hasLastTime says it is set.
	realLastTime time.Duration
	hasLastTime  bool
}

// NewLoopingCall returns a LoopingCall of f on the default reactor; set Clock to use
// another reactor or a task.Clock.
func NewLoopingCall(f func() (any, error)) *LoopingCall {
	return &LoopingCall{F: f}
}

// WithCount returns a LoopingCall whose function receives the number of intervals that
// have elapsed since it last ran (always at least 1: a call that would get 0 is skipped).
// With an interval of 0 the count is always 1.
func WithCount(f func(count int) (any, error)) *LoopingCall {
	lc := &LoopingCall{}
	lc.F = func() (any, error) {
		now := lc.now()
		if lc.Interval == 0 {
			lc.realLastTime, lc.hasLastTime = now, true
			return f(1)
		}
		lastTime := lc.realLastTime
		if !lc.hasLastTime {
			lastTime = lc.startTime
			if lc.runAtStart {
				lastTime -= lc.Interval
			}
		}
		count := lc.intervalOf(now) - lc.intervalOf(lastTime)
		if count > 0 {
			lc.realLastTime, lc.hasLastTime = now, true
			return f(int(count))
		}
		return nil, nil
	}
	return lc
}

func (lc *LoopingCall) clock() reactor.ReactorTime {
	if lc.Clock == nil {
		lc.Clock = reactor.Default()
	}
	return lc.Clock
}

// now reads the clock as a duration: exact for clocks that offer Now (the reactor and
// Clock), converted from Seconds otherwise.
func (lc *LoopingCall) now() time.Duration { return clockNow(lc.clock()) }

func clockNow(c reactor.ReactorTime) time.Duration {
	if n, ok := c.(interface{ Now() time.Duration }); ok {
		return n.Now()
	}
	return Seconds(c.Seconds())
}

func (lc *LoopingCall) intervalOf(t time.Duration) int64 {
	return int64((t - lc.startTime) / lc.Interval)
}

// Running reports whether the loop is running (between Start and Stop or an error).
func (lc *LoopingCall) Running() bool { return lc.running }

// Start begins calling the function every interval; with now it is called at once, inside
// Start. The returned Deferred fires with the LoopingCall when Stop ends the loop, or fails
// with the error that ended it.
func (lc *LoopingCall) Start(interval time.Duration, now bool) (*deferred.Deferred, error) {
	if lc.running {
		return nil, ErrAlreadyRunning
	}
	if interval < 0 {
		return nil, ErrNegativeInterval
	}
	lc.running = true
	d := deferred.New(nil)
	lc.done = d
	lc.startTime = lc.now()
	lc.Interval = interval
	lc.runAtStart = now
	if now {
		lc.run()
	} else {
		lc.scheduleFrom(lc.startTime)
	}
	return d, nil
}

// Stop ends the loop. If a call is scheduled it is cancelled and the Deferred from Start
// fires now; if the function's Deferred is still pending, the Start Deferred fires when it
// does.
func (lc *LoopingCall) Stop() error {
	if !lc.running {
		return ErrNotRunning
	}
	lc.running = false
	if lc.call != nil {
		_ = lc.call.Cancel()
		lc.call = nil
		d := lc.done
		lc.done = nil
		d.Callback(lc)
	}
	return nil
}

// Reset restarts the timing from now: the pending call is rescheduled one interval (or
// the next grid point) from the current time.
func (lc *LoopingCall) Reset() error {
	if !lc.running {
		return errors.New("Tried to reset a LoopingCall that was not running.")
	}
	if lc.call != nil {
		_ = lc.call.Cancel()
		lc.call = nil
		lc.startTime = lc.now()
		lc.scheduleFrom(lc.startTime)
	}
	return nil
}

// run is one iteration: Twisted's LoopingCall.__call__.
func (lc *LoopingCall) run() {
	lc.call = nil
	d := deferred.MaybeDeferred(lc.F)
	d.AddCallback(func(any) (any, error) {
		if lc.running {
			lc.scheduleFrom(lc.now())
		} else {
			done := lc.done
			lc.done = nil
			done.Callback(lc)
		}
		return nil, nil
	})
	d.AddErrback(func(f *failure.Failure) (any, error) {
		lc.running = false
		done := lc.done
		lc.done = nil
		done.Errback(f)
		return nil, nil
	})
}

// scheduleFrom schedules the next call at the next grid point after when.
func (lc *LoopingCall) scheduleFrom(when time.Duration) {
	var delay time.Duration
	if lc.Interval != 0 {
		// Python's % is never negative; Go's is when when < startTime.
		m := (when - lc.startTime) % lc.Interval
		if m < 0 {
			m += lc.Interval
		}
		delay = lc.Interval - m
	}
	lc.call = lc.clock().CallLater(delay, lc.run)
}

// String renders the LoopingCall like Twisted's repr: LoopingCall<1s>(main.tick).
func (lc *LoopingCall) String() string {
	interval := "None"
	if lc.running || lc.Interval != 0 {
		interval = lc.Interval.String()
	}
	return fmt.Sprintf("LoopingCall<%s>(%s)", interval, funcName(lc.F))
}
