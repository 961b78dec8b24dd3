package deferred

import (
	"time"

	"github.com/gotwisted/twisted/failure"
)

// DelayedCall is a call scheduled on a Clock: the subset of the reactor's and task.Clock's
// delayed calls that AddTimeout needs.
type DelayedCall interface {
	// Cancel unschedules the call. It is only called while Active reports true.
	Cancel()
	// Active reports whether the call has neither run nor been cancelled.
	Active() bool
}

// Clock schedules calls, like Twisted's IReactorTime.callLater. The reactor and
// task.Clock satisfy it; it lives here so that deferred imports neither.
type Clock interface {
	CallLater(delay time.Duration, f func()) DelayedCall
}

// AddTimeout cancels d if it has no result after timeout on clock, like Twisted's
// addTimeout, and returns d.
//
// On timeout d is cancelled (see Cancel), so callbacks added before AddTimeout see the
// *CancelledError. Then onTimeoutCancel(result, timeout) converts the outcome for the
// callbacks added after; nil means the default, which turns a *CancelledError failure
// into a *TimeoutError, passes other failures on unchanged and lets successes through (a
// canceller that fires d with a success therefore wins). If d gets a result first, or is
// cancelled by hand, the delayed call is cancelled and the converter is not called.
func (d *Deferred) AddTimeout(timeout time.Duration, clock Clock, onTimeoutCancel func(result any, timeout time.Duration) (any, error)) *Deferred {
	timedOut := false
	call := clock.CallLater(timeout, func() {
		timedOut = true
		d.Cancel()
	})
	if onTimeoutCancel == nil {
		onTimeoutCancel = cancelledToTimedOut
	}
	d.AddBoth(func(r any) (any, error) {
		if timedOut {
			return onTimeoutCancel(r, timeout)
		}
		return r, nil
	})
	d.AddBoth(func(r any) (any, error) {
		if call.Active() {
			call.Cancel()
		}
		return r, nil
	})
	return d
}

// cancelledToTimedOut is Twisted's _cancelledToTimedOutError.
func cancelledToTimedOut(r any, timeout time.Duration) (any, error) {
	if f, ok := r.(*failure.Failure); ok {
		if err := f.Trap(ErrCancelled); err != nil {
			return nil, err
		}
		return nil, &TimeoutError{Timeout: timeout}
	}
	return r, nil
}
