package deferred

import (
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/gotwisted/twisted/failure"
)

// Co is the handle an Inline body uses to wait on Deferreds. It is only valid inside the
// body it was passed to, while that body runs.
type Co struct {
	s      *inlineState
	yield  func(*Deferred) bool
	sent   any  // the result handed to a suspended Await
	inBody bool // the body is running (not suspended, not finished)
	done   bool // the body returned

	// Links in the list of suspended coroutines (guarded by suspended.mu).
	prev, next *Co
	linked     bool
	creator    uintptr
}

// ErrCoroutineStopped is what Await returns after Co.Stop stopped a suspended body; the
// body should return.
var ErrCoroutineStopped = errors.New("deferred: Inline coroutine stopped while suspended")

// AwaitError is the panic value of Await called where it cannot work: outside the body its
// Co belongs to (from another coroutine, a callback, or another goroutine) or after that
// body returned. Inside a Deferred callback the panic becomes a Failure.
type AwaitError struct{ Reason string }

func (e *AwaitError) Error() string { return "deferred: Await " + e.Reason }

type inlineState struct {
	co        Co
	next      func() (*Deferred, bool)
	stop      func()
	target    *Deferred // where the body's outcome goes (replaced on cancel)
	waitingOn *Deferred
	gotFn     Callback
	cancelFn  func(*Deferred)
	inAdd     bool
	gotSync   bool
	got       any

	ret     any
	retErr  error
	retFail *failure.Failure
	stopped bool
}

// Inline runs body as a coroutine, Twisted's inlineCallbacks: body reads top to bottom and
// waits for Deferreds with c.Await (or Await), while everything still runs on the caller's
// goroutine, one piece at a time.
//
//   - Inline is eager: body starts inside Inline and runs until it awaits a Deferred
//     without a result, or returns. The returned Deferred may already be fired.
//   - Awaiting a Deferred that already has a result continues at once, without growing
//     the stack however many times it happens in a row.
//   - Awaiting consumes the result: the awaited Deferred's result becomes nil and its
//     failure counts as handled. A failure is returned as Await's error (the same
//     *failure.Failure), which the body may handle.
//   - body's (v, nil) fires the returned Deferred with v; (nil, err) fails it; a panic in
//     body fails it with a *failure.PanicError.
//   - Cancelling the returned Deferred cancels the Deferred the body waits on; usually
//     Await then returns a *CancelledError. The returned Deferred fires only when body
//     returns, with whatever body returns (it may recover, or wait on more Deferreds).
//
// Never call t.FailNow, t.Fatal, t.SkipNow or runtime.Goexit in body: they unwind the
// goroutine that resumed it (the reactor). Never use c from another goroutine. A body
// waiting for a Deferred that never fires keeps its coroutine (a goroutine) alive; Stop
// ends it, and Suspended lists such bodies.
func Inline(body func(c *Co) (any, error)) *Deferred {
	s := &inlineState{}
	s.co.s = s
	if pc, _, _, ok := runtime.Caller(1); ok {
		s.co.creator = pc
	}
	s.next, s.stop = iter.Pull(func(yield func(*Deferred) bool) {
		s.co.yield = yield
		s.co.inBody = true
		s.ret, s.retErr, s.retFail = runBody(body, &s.co)
		s.co.inBody = false
		s.co.done = true
	})
	s.gotFn = s.gotResult
	s.cancelFn = s.cancel
	d := New(s.cancelFn)
	s.target = d
	s.run(nil)
	return d
}

func runBody(body func(*Co) (any, error), c *Co) (v any, err error, pf *failure.Failure) {
	if repanic.Load() {
		v, err = body(c)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			pf = failure.FromPanic(r, 0)
		}
	}()
	v, err = body(c)
	return
}

// Await suspends the body until d has a result and returns it: (value, nil) on success,
// (nil, *failure.Failure) on failure. A nil d returns (nil, nil) at once. Awaiting consumes
// d's result (see Inline).
//
// Await panics with *AwaitError when called outside its body or after the body returned,
// and returns ErrCoroutineStopped if Stop ended the body while it waited.
func (c *Co) Await(d *Deferred) (any, error) {
	if c.done {
		panic(&AwaitError{Reason: "called after its Inline body returned"})
	}
	if !c.inBody {
		panic(&AwaitError{Reason: "called outside its Inline body (from a callback, another coroutine or another goroutine)"})
	}
	if d == nil {
		return nil, nil
	}
	c.inBody = false
	if !c.yield(d) {
		c.inBody = true
		return nil, ErrCoroutineStopped
	}
	c.inBody = true
	r := c.sent
	c.sent = nil
	if f, ok := r.(*failure.Failure); ok {
		return nil, f
	}
	return r, nil
}

// Await is c.Await with the result converted to T (nil converts to T's zero value when T
// can be nil); a result of another type gives a *TypeError.
func Await[T any](c *Co, d *Deferred) (T, error) {
	v, err := c.Await(d)
	if err != nil {
		var zero T
		return zero, err
	}
	return as[T](v)
}

// run is Twisted's _inlineCallbacks driver loop: resume the body with result; when it
// awaits a Deferred that fires synchronously, loop; when it awaits a pending one, return
// and let gotResult resume it.
func (s *inlineState) run(result any) {
	for {
		s.co.sent = result
		d, ok := s.next()
		if !ok {
			s.finish()
			return
		}
		s.inAdd, s.gotSync = true, false
		d.AddBoth(s.gotFn)
		s.inAdd = false
		if !s.gotSync {
			s.waitingOn = d
			suspended.add(&s.co)
			return
		}
		result = s.got
		s.got = nil
	}
}

func (s *inlineState) gotResult(r any) (any, error) {
	if s.inAdd {
		s.gotSync = true
		s.got = r
		return nil, nil
	}
	if s.stopped || s.co.done {
		return nil, nil
	}
	s.waitingOn = nil
	suspended.remove(&s.co)
	s.run(r)
	return nil, nil
}

func (s *inlineState) finish() {
	t := s.target
	switch {
	case s.retFail != nil:
		t.fire(s.retFail)
	case s.retErr != nil:
		t.Errback(s.retErr)
	default:
		t.Callback(s.ret)
	}
	s.ret, s.retErr, s.retFail = nil, nil, nil
}

// inlineCancelled is the private sentinel the Inline canceller fails the returned Deferred
// with, so that the errback it puts first in line can swap in a fresh target.
type inlineCancelled struct{}

func (*inlineCancelled) Error() string { return "deferred: internal Inline cancellation" }

var errInlineCancelled = &inlineCancelled{}

// cancel is the canceller of every Deferred Inline returns, Twisted's
// _cancellableInlineCallbacks trick: put handleCancel in front of d's pairs and fail d
// with the sentinel; handleCancel makes a fresh target, cancels the awaited Deferred and
// returns the fresh target, so d now waits for the body to finish.
func (s *inlineState) cancel(d *Deferred) {
	rest := append([]pair(nil), d.pairs[d.head:]...)
	d.pairs = append(d.pairs[:0], pair{eb: s.handleCancel})
	d.pairs = append(d.pairs, rest...)
	d.head = 0
	d.Errback(errInlineCancelled)
}

func (s *inlineState) handleCancel(f *failure.Failure) (any, error) {
	if err := f.Trap(errInlineCancelled); err != nil {
		return nil, err
	}
	s.target = New(s.cancelFn)
	if aw := s.waitingOn; aw != nil {
		aw.Cancel()
	}
	return s.target, nil
}

// Stop ends a suspended body: its pending Await returns ErrCoroutineStopped and the body
// runs to its end inside Stop; the Deferred Inline returned then fires with the body's
// outcome. Stop does nothing if the body is running or finished. The reactor and trial use
// it at shutdown for bodies still waiting (see Suspended).
func (c *Co) Stop() {
	s := c.s
	if c.done || c.inBody || s.stopped || s.waitingOn == nil {
		return
	}
	s.stopped = true
	s.waitingOn = nil
	suspended.remove(c)
	s.stop()
	if c.done {
		s.finish()
	}
}

// String names the coroutine by where Inline was called.
func (c *Co) String() string {
	fn := runtime.FuncForPC(c.creator)
	if fn == nil {
		return "<Inline coroutine>"
	}
	file, line := fn.FileLine(c.creator)
	state := "running"
	switch {
	case c.done:
		state = "finished"
	case c.s.waitingOn != nil:
		state = "suspended"
	}
	return fmt.Sprintf("<Inline coroutine started at %s:%d (%s), %s>", file, line, fn.Name(), state)
}

// suspendedList is an intrusive list of suspended coroutines (O(1), no allocation).
type suspendedList struct {
	mu   sync.Mutex
	head *Co
	n    int
}

var suspended suspendedList

func (l *suspendedList) add(c *Co) {
	l.mu.Lock()
	if !c.linked {
		c.linked = true
		c.prev, c.next = nil, l.head
		if l.head != nil {
			l.head.prev = c
		}
		l.head = c
		l.n++
	}
	l.mu.Unlock()
}

func (l *suspendedList) remove(c *Co) {
	l.mu.Lock()
	if c.linked {
		c.linked = false
		if c.prev != nil {
			c.prev.next = c.next
		} else {
			l.head = c.next
		}
		if c.next != nil {
			c.next.prev = c.prev
		}
		c.prev, c.next = nil, nil
		l.n--
	}
	l.mu.Unlock()
}

// Suspended returns the Inline coroutines currently waiting on a Deferred, in every
// goroutine of the process. trial reports those left at the end of a test. It is safe to
// call from any goroutine; Stop is not (call it where the body's Deferreds live).
func Suspended() []*Co {
	suspended.mu.Lock()
	defer suspended.mu.Unlock()
	out := make([]*Co, 0, suspended.n)
	for c := suspended.head; c != nil; c = c.next {
		out = append(out, c)
	}
	return out
}
