package trial

import (
	"fmt"
	"strings"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// DirtyReactorAggregateError is the error a test gets when it leaves the reactor unclean:
// Twisted's DirtyReactorAggregateError, plus what a Go reactor can also leave behind. Each
// field lists the leftovers by their string form; the janitor has already cancelled, closed
// or stopped them, so the next test starts fresh.
type DirtyReactorAggregateError struct {
	// DelayedCalls are CallLater calls still pending after two zero-delay iterations.
	DelayedCalls []string
	// Selectables are descriptors (listening ports, connections, readers, writers) still
	// registered with the reactor.
	Selectables []string
	// Coroutines are Inline bodies still suspended on a Deferred that were not suspended
	// when the test started (a Go extension: Python leaves such generators to the garbage
	// collector). See the janitor's note on why this is not per reactor.
	Coroutines []string
	// ThreadWork counts CallInThread functions still queued or running.
	ThreadWork int
}

// Error renders Twisted's message, with the Go-specific sections after Twisted's:
//
//	Reactor was unclean.
//	DelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)
//	<DelayedCall 0xc000010000 [99.9s] called=0 cancelled=0 main.tick()>
//	Selectables:
//	<TCP port 127.0.0.1:40123>
func (e *DirtyReactorAggregateError) Error() string {
	var b strings.Builder
	b.WriteString("Reactor was unclean.")
	if len(e.DelayedCalls) > 0 {
		b.WriteString("\nDelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)\n")
		b.WriteString(strings.Join(e.DelayedCalls, "\n"))
	}
	if len(e.Selectables) > 0 {
		b.WriteString("\nSelectables:\n")
		b.WriteString(strings.Join(e.Selectables, "\n"))
	}
	if len(e.Coroutines) > 0 {
		b.WriteString("\nSuspended Inline coroutines:\n")
		b.WriteString(strings.Join(e.Coroutines, "\n"))
	}
	if e.ThreadWork > 0 {
		fmt.Fprintf(&b, "\nThread pool: %d CallInThread function(s) still queued or running", e.ThreadWork)
	}
	return b.String()
}

func (e *DirtyReactorAggregateError) dirty() bool {
	return len(e.DelayedCalls) > 0 || len(e.Selectables) > 0 || len(e.Coroutines) > 0 || e.ThreadWork > 0
}

// janitorReactor is what the janitor needs from a reactor (a stub in trial's tests).
type janitorReactor interface {
	Iterate(delay time.Duration)
	GetDelayedCalls() []*reactor.DelayedCall
	RemoveAll() []reactor.FileDescriptor
	PendingThreadWork() int
}

// janitor cleans one reactor after a test, like trial's _Janitor (postCaseCleanup and
// postClassCleanup, which both run after every test in Twisted 22.4).
//
// Suspended coroutines are not tracked per reactor, and Reactor.Close does not stop them,
// because a coroutine cannot know which reactor drives it. deferred.Inline would have to
// record an owner when it suspends, and Go has no goroutine-local state a running reactor
// could set for it to read. A process-wide "current reactor" hook set by Run is wrong as
// soon as two reactors run at once on different goroutines (parallel tests, the very case
// per-reactor tracking is for), and asking the runtime which goroutine is running (parsing
// runtime.Stack) costs microseconds on every suspension, a hot path of PB code. So the
// janitor takes the process-wide list and leaves out the coroutines that were already
// suspended when the test started. That is exact while nothing else in the process
// suspends coroutines during the test: trial tests do not run in parallel, but a parallel
// plain test that leaves a coroutine suspended meanwhile would be reported (and stopped)
// here.
type janitor struct {
	r janitorReactor
	// before holds the Inline coroutines that were already suspended when the test
	// started (deferred.Suspended is process-wide): they are not this test's.
	before map[*deferred.Co]bool
}

// clean spins the reactor twice (so short timers and pending I/O finish), stops suspended
// coroutines, cancels delayed calls and removes every descriptor, closing it the way a
// reactor shutdown does. It returns nil when there was nothing to clean. spin is false
// when the loop was unwound (runtime.Goexit) and must not run callbacks again.
func (j *janitor) clean(spin bool) *DirtyReactorAggregateError {
	e := &DirtyReactorAggregateError{}
	if spin {
		protect(func() { j.r.Iterate(0) })
		protect(func() { j.r.Iterate(0) })
	}
	e.ThreadWork = j.waitThreadWork(spin)
	for _, c := range deferred.Suspended() {
		if j.before[c] {
			continue
		}
		e.Coroutines = append(e.Coroutines, c.String())
		protect(c.Stop)
	}
	e.DelayedCalls = append(e.DelayedCalls, j.cleanPending()...)
	for _, sel := range j.r.RemoveAll() {
		e.Selectables = append(e.Selectables, describeSelectable(sel))
		protect(func() { sel.ConnectionLost(failure.New(&reactor.ConnectionLost{})) })
	}
	// Closing descriptors may schedule more calls (a protocol's ConnectionLost, say).
	e.DelayedCalls = append(e.DelayedCalls, j.cleanPending()...)
	if !e.dirty() {
		return nil
	}
	return e
}

// threadWorkGrace is how long the janitor lets thread work finish: a worker that has
// handed its result back with CallFromThread still counts as running until it returns.
const threadWorkGrace = 500 * time.Millisecond

// waitThreadWork returns the count of unfinished thread work, after giving it a short
// grace period (spinning the reactor so results handed back are delivered).
func (j *janitor) waitThreadWork(spin bool) int {
	n := j.r.PendingThreadWork()
	deadline := time.Now().Add(threadWorkGrace)
	for n > 0 && time.Now().Before(deadline) {
		if spin {
			protect(func() { j.r.Iterate(5 * time.Millisecond) })
		} else {
			time.Sleep(5 * time.Millisecond)
		}
		n = j.r.PendingThreadWork()
	}
	return n
}

// cleanPending cancels every active delayed call and returns their descriptions.
func (j *janitor) cleanPending() []string {
	var out []string
	for _, dc := range j.r.GetDelayedCalls() {
		if !dc.Active() {
			continue
		}
		out = append(out, dc.String())
		dc.Cancel()
	}
	return out
}

// describeSelectable renders a leftover descriptor like Twisted's repr of a selectable.
func describeSelectable(fd reactor.FileDescriptor) string {
	if s, ok := fd.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("<%T fileno=%d %s>", fd, fd.Fileno(), fd.LogPrefix())
}

// protect runs f, logging a panic as an error instead of letting it escape the janitor.
func protect(f func()) {
	defer func() {
		if p := recover(); p != nil {
			deferred.LogError(failure.FromPanic(p, 0))
		}
	}()
	f()
}
