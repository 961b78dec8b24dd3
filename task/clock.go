package task

import (
	"slices"
	"time"

	"github.com/gotwisted/twisted/reactor"
)

// Clock is deterministic time for tests: Twisted's task.Clock. It provides the reactor's
// time methods (Seconds, CallLater, GetDelayedCalls), so it can stand in wherever code
// schedules calls on a reactor: a LoopingCall's Clock, a ReconnectingClientFactory's
// Clock, a Deferred's AddTimeout. Time only moves when the test calls Advance or Pump.
//
//	clock := task.NewClock()
//	clock.CallLater(2*time.Second, func() { fmt.Println("ding") })
//	clock.Advance(time.Second) // nothing yet
//	clock.Advance(time.Second) // prints ding
//
// Like Twisted's, Clock keeps its calls in a list stably sorted by time, so calls due at
// the same time run in the order they were scheduled, and Reset and Delay are honoured.
// Advance first moves the time, then runs every due call: they all see the final time, and
// a call scheduled during the advance that is already due (CallLater(0)) runs in the same
// Advance, unlike the real reactor.
//
// A Clock belongs to one goroutine, like the reactor it stands in for.
type Clock struct {
	now   time.Duration
	calls []*reactor.DelayedCall
}

// NewClock returns a Clock at time zero with no calls.
func NewClock() *Clock { return &Clock{} }

// Seconds returns the current simulated time in seconds (0 for a new Clock).
func (c *Clock) Seconds() float64 { return c.now.Seconds() }

// Now returns the current simulated time as a duration since the Clock was created.
func (c *Clock) Now() time.Duration { return c.now }

func (c *Clock) sortCalls() {
	slices.SortStableFunc(c.calls, func(a, b *reactor.DelayedCall) int {
		switch wa, wb := a.When(), b.When(); {
		case wa < wb:
			return -1
		case wa > wb:
			return 1
		}
		return 0
	})
}

// CallLater schedules f to run once the Clock has advanced by delay. A negative delay is
// treated as zero.
func (c *Clock) CallLater(delay time.Duration, f func()) *reactor.DelayedCall {
	if delay < 0 {
		delay = 0
	}
	dc := reactor.NewDelayedCall(c.now+delay, f, c.remove, nil, c.Now)
	c.calls = append(c.calls, dc)
	c.sortCalls()
	return dc
}

func (c *Clock) remove(dc *reactor.DelayedCall) {
	if i := slices.Index(c.calls, dc); i >= 0 {
		c.calls = slices.Delete(c.calls, i, i+1)
	}
}

// GetDelayedCalls returns the pending calls, earliest first. The slice is a copy.
func (c *Clock) GetDelayedCalls() []*reactor.DelayedCall {
	return slices.Clone(c.calls)
}

// Advance moves time forward by amount and runs every call that is now due, earliest
// first, re-sorting after each call (a call may reset another). A panic in a call
// propagates to the caller of Advance, as an exception does in Twisted's Clock.
func (c *Clock) Advance(amount time.Duration) {
	c.now += amount
	c.sortCalls()
	for len(c.calls) > 0 && c.calls[0].When() <= c.now {
		call := c.calls[0]
		c.calls = slices.Delete(c.calls, 0, 1)
		call.Invoke()
		c.sortCalls()
	}
}

// Pump advances the clock by each amount in turn.
func (c *Clock) Pump(timings ...time.Duration) {
	for _, amount := range timings {
		c.Advance(amount)
	}
}

// Seconds converts float seconds to a time.Duration, for ports of Twisted code that
// counts time in float seconds: task.Seconds(0.5) is 500ms.
func Seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
