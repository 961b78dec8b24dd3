package reactor

import (
	"fmt"
	"reflect"
	"runtime"
	"time"

	"github.com/gotwisted/twisted/internal/pyrepr"
)

// DelayedCall is a call scheduled with CallLater (Twisted's IDelayedCall). Its methods are
// for the reactor goroutine only.
//
// Times are durations on the scheduling clock's timeline: for a Reactor, the monotonic time
// since the reactor was created; for task.Clock, its simulated time. GetTime reports the same
// instant in float seconds, like Twisted.
type DelayedCall struct {
	f           func()
	time        time.Duration // scheduled time
	delayedTime time.Duration // lazy delay (Reset to a later time, Delay); folded in by the heap
	seq         uint64        // creation order: FIFO among equal times
	index       int           // position in the reactor heap, -1 when not in it
	called      bool
	cancelled   bool

	// The scheduling clock: the reactor itself (no closures to allocate), or the hooks
	// given to NewDelayedCall.
	r         *Reactor
	canceller func(*DelayedCall)
	resetter  func(*DelayedCall)
	nowFunc   func() time.Duration
}

func (dc *DelayedCall) noteCancelled() {
	if dc.r != nil {
		dc.r.cancellations++
	} else if dc.canceller != nil {
		dc.canceller(dc)
	}
}

func (dc *DelayedCall) movedSooner() {
	if dc.r != nil {
		dc.r.moveCallLaterSooner(dc)
	} else if dc.resetter != nil {
		dc.resetter(dc)
	}
}

func (dc *DelayedCall) now() time.Duration {
	if dc.r != nil {
		return dc.r.now()
	}
	if dc.nowFunc != nil {
		return dc.nowFunc()
	}
	return 0
}

// NewDelayedCall creates a DelayedCall for a clock other than the reactor (task.Clock uses
// it, as Twisted's Clock uses base.DelayedCall). at is the absolute time on the clock's
// timeline; cancel is called once by a successful Cancel; reset is called when Reset or
// Delay moves the call to an earlier time; now reads the clock.
func NewDelayedCall(at time.Duration, f func(), cancel, reset func(*DelayedCall), now func() time.Duration) *DelayedCall {
	return &DelayedCall{f: f, time: at, index: -1, canceller: cancel, resetter: reset, nowFunc: now}
}

// GetTime returns the time, in seconds on the clock's timeline, at which the call will run
// (including any pending delay).
func (dc *DelayedCall) GetTime() float64 { return dc.When().Seconds() }

// When is GetTime as a duration on the clock's timeline.
func (dc *DelayedCall) When() time.Duration { return dc.time + dc.delayedTime }

// Func returns the scheduled function.
func (dc *DelayedCall) Func() func() { return dc.f }

// Cancel unschedules the call. It returns *AlreadyCancelled or *AlreadyCalled (both are
// Python ValueErrors) if the call was cancelled before or has already started running;
// cancelling a call from inside itself returns *AlreadyCalled.
func (dc *DelayedCall) Cancel() error {
	switch {
	case dc.cancelled:
		return &AlreadyCancelled{}
	case dc.called:
		return &AlreadyCalled{}
	}
	dc.cancelled = true
	dc.noteCancelled()
	return nil
}

// Reset reschedules the call to run d from now (not from its original schedule).
func (dc *DelayedCall) Reset(d time.Duration) error {
	switch {
	case dc.cancelled:
		return &AlreadyCancelled{}
	case dc.called:
		return &AlreadyCalled{}
	}
	newTime := dc.now() + d
	if newTime < dc.time {
		// Sooner: move it up in the heap now.
		dc.delayedTime = 0
		dc.time = newTime
		dc.movedSooner()
	} else {
		// Later: record it lazily; the heap applies it when the call reaches the top.
		dc.delayedTime = newTime - dc.time
	}
	return nil
}

// Delay moves the call d later than its current schedule (d may be negative).
func (dc *DelayedCall) Delay(d time.Duration) error {
	switch {
	case dc.cancelled:
		return &AlreadyCancelled{}
	case dc.called:
		return &AlreadyCalled{}
	}
	dc.delayedTime += d
	if dc.delayedTime < 0 {
		dc.activateDelay()
		dc.movedSooner()
	}
	return nil
}

func (dc *DelayedCall) activateDelay() {
	dc.time += dc.delayedTime
	dc.delayedTime = 0
}

// Active reports whether the call is still pending: neither cancelled nor called.
func (dc *DelayedCall) Active() bool { return !dc.cancelled && !dc.called }

// Called reports whether the call has started running.
func (dc *DelayedCall) Called() bool { return dc.called }

// Cancelled reports whether the call was cancelled.
func (dc *DelayedCall) Cancelled() bool { return dc.cancelled }

// Invoke marks the call as called and runs it. It is for clock implementations (task.Clock);
// the reactor invokes its own calls. Panics propagate to the caller.
func (dc *DelayedCall) Invoke() {
	dc.called = true
	dc.f()
}

// String renders the call like Twisted's DelayedCall repr, which trial prints for a dirty
// reactor: <DelayedCall 0xc000010000 [3600.0s] called=0 cancelled=0 main.tick()>. The time
// left is printed in full, as Python prints a float (Twisted formats it with %s).
func (dc *DelayedCall) String() string {
	return fmt.Sprintf("<DelayedCall %p [%ss] called=%d cancelled=%d %s()>", dc,
		pyrepr.Float((dc.When() - dc.now()).Seconds()), b2i(dc.called), b2i(dc.cancelled), funcName(dc.f))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// funcName names a function value for logs and reprs.
func funcName(f any) string {
	if f == nil {
		return "<nil>"
	}
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func || v.IsNil() {
		return fmt.Sprintf("%T", f)
	}
	if fn := runtime.FuncForPC(v.Pointer()); fn != nil {
		return fn.Name()
	}
	return fmt.Sprintf("%T", f)
}

// timerHeap is a binary min-heap of pending calls ordered by (time, seq). Calls carry their
// index so Reset can move one up without a search (Twisted scans the list).
type timerHeap []*DelayedCall

func (h timerHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.time != b.time {
		return a.time < b.time
	}
	return a.seq < b.seq
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) push(dc *DelayedCall) {
	dc.index = len(*h)
	*h = append(*h, dc)
	h.up(dc.index)
}

func (h *timerHeap) pop() *DelayedCall {
	old := *h
	n := len(old) - 1
	old.swap(0, n)
	dc := old[n]
	old[n] = nil
	*h = old[:n]
	if n > 0 {
		h.down(0)
	}
	dc.index = -1
	return dc
}

func (h timerHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h timerHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && h.less(r, l) {
			j = r
		}
		if !h.less(j, i) {
			return
		}
		h.swap(i, j)
		i = j
	}
}

// init rebuilds the heap property over arbitrary contents.
func (h timerHeap) init() {
	for i := range h {
		h[i].index = i
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}
