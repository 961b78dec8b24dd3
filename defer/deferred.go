package deferred

import (
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/gotwisted/twisted/failure"
)

// Callback handles a success result. Returning (v, nil) makes v the new result: a
// *failure.Failure value switches to the errback side, a *Deferred pauses this Deferred
// until that one has a result (chaining), anything else stays on the callback side.
// Returning a non-nil error switches to the errback side (a *failure.Failure is used as
// is; any other error is wrapped with the current stack).
type Callback func(result any) (any, error)

// Errback handles a failure result. Returning (nil, f) or (nil, err) keeps failing;
// returning (v, nil) recovers and the next callback receives v.
type Errback func(f *failure.Failure) (any, error)

// Deferred is Twisted's Deferred: a promise of a result that runs a chain of callbacks
// and errbacks when the result arrives.
//
// A Deferred is not safe for concurrent use: it belongs to the goroutine that runs the
// reactor (or the test), and from other goroutines results must be handed over through
// the reactor's CallFromThread. There is deliberately no mutex: callbacks legitimately
// re-enter their own Deferred (adding callbacks, firing others), which a lock would
// deadlock on.
type Deferred struct {
	pairs []pair // pending pairs; pairs[head:] are still to run
	head  int

	result any // a value, a *failure.Failure, or the *Deferred this one waits on
	paused int32
	called bool

	running         bool // executing one of its own callbacks
	suppressAlready bool // set by Cancel without canceller: swallow one later fire
	cancelOnlyInner bool // Cancel only runs the canceller (DeferredList's cancel)

	canceller func(*Deferred)
	chainedTo *Deferred
	holder    *holder // unhandled-failure record and debug stacks, created lazily

	// inline is the storage of the first two pairs, so the common Deferred with one or two
	// pairs (a callback and an errback) costs a single allocation.
	inline [2]pair
}

// push appends p to the pending pairs.
func (d *Deferred) push(p pair) {
	switch {
	case d.pairs == nil:
		d.pairs = d.inline[:0]
	case len(d.pairs) == cap(d.pairs) && cap(d.pairs) < 8:
		// Spilling out of inline: go straight to 8 rather than doubling from 2.
		grown := make([]pair, len(d.pairs), 8)
		copy(grown, d.pairs)
		clear(d.pairs)
		d.pairs = grown
	}
	d.pairs = append(d.pairs, p)
}

type pairKind uint8

const (
	kindPair     pairKind = iota
	kindBoth              // cb receives both sides
	kindContinue          // continuation marker for waiter
)

type pair struct {
	cb     Callback
	eb     Errback
	waiter *Deferred
	kind   pairKind
}

var (
	debugging atomic.Bool
	repanic   atomic.Bool
)

// SetDebugging turns debug mode on or off (from any goroutine), like Twisted's
// setDebugging: Deferreds created
// and fired while it is on remember their creator and first-invoker stacks (shown in
// AlreadyCalledError and unhandled-error reports), and Failures capture deep stacks.
func SetDebugging(on bool) {
	debugging.Store(on)
	failure.SetDebugging(on)
}

// Debugging reports whether debug mode is on.
func Debugging() bool { return debugging.Load() }

// SetRepanic makes panics inside callbacks, errbacks and Inline bodies propagate instead
// of being recovered into Failures, so a debugger or the Go runtime shows the stack at the
// panic. It is for debugging only: a panic then unwinds through the reactor.
func SetRepanic(on bool) { repanic.Store(on) }

// New returns a Deferred without a result. canceller, if not nil, is called by Cancel
// (at most once) to stop whatever would produce the result; see Cancel.
func New(canceller func(*Deferred)) *Deferred {
	d := &Deferred{canceller: canceller}
	if debugging.Load() {
		d.debugHolder().creator = callers(2)
	}
	return d
}

// Succeed returns a Deferred that already has v as its result.
func Succeed(v any) *Deferred {
	d := &Deferred{}
	d.Callback(v)
	return d
}

// Fail returns a Deferred that already failed with err (wrapped in a Failure unless it is
// one).
func Fail(err error) *Deferred {
	d := &Deferred{}
	d.Errback(failure.NewSkip(err, 1))
	return d
}

// MaybeDeferred calls f now and returns its outcome as a Deferred: a returned *Deferred is
// returned as is; an error or a returned *failure.Failure gives a failed Deferred (the
// same *Failure); a panic becomes a failure; any other value a fired Deferred.
func MaybeDeferred(f func() (any, error)) *Deferred {
	v, err, pf := callProtected(f)
	if pf != nil {
		return failed(pf)
	}
	if err != nil {
		return failed(failure.NewSkip(err, 1))
	}
	switch r := v.(type) {
	case *Deferred:
		if r != nil {
			return r
		}
		return Succeed(nil)
	case *failure.Failure:
		if r != nil {
			return failed(r)
		}
		return Succeed(nil)
	}
	return Succeed(v)
}

func failed(f *failure.Failure) *Deferred {
	d := &Deferred{}
	d.fire(f)
	return d
}

func callProtected(f func() (any, error)) (v any, err error, pf *failure.Failure) {
	if repanic.Load() {
		v, err = f()
		return
	}
	defer func() {
		if r := recover(); r != nil {
			pf = failure.FromPanic(r, 0)
		}
	}()
	v, err = f()
	return
}

// Called reports whether Callback or Errback has been called (Twisted's d.called). It stays
// true while the Deferred is paused or waiting on a chained Deferred.
func (d *Deferred) Called() bool { return d.called }

// Paused reports whether the Deferred is paused, by Pause or while it waits on a
// Deferred returned from one of its callbacks.
func (d *Deferred) Paused() bool { return d.paused > 0 }

// ChainedTo returns the Deferred this one waits on (implicitly, because a callback returned
// it, or explicitly through ChainDeferred), or nil.
func (d *Deferred) ChainedTo() *Deferred { return d.chainedTo }

// HasResult reports whether a callback added now would run now: the Deferred was fired,
// is not paused and is not waiting on another Deferred.
func (d *Deferred) HasResult() bool {
	if !d.called || d.paused > 0 {
		return false
	}
	_, waiting := d.result.(*Deferred)
	return !waiting
}

// AddCallbacks adds a callback/errback pair and returns d. A nil cb or eb passes the
// result through unchanged. If d already has a result the pair runs before AddCallbacks
// returns.
func (d *Deferred) AddCallbacks(cb Callback, eb Errback) *Deferred {
	d.push(pair{cb: cb, eb: eb})
	if d.called {
		d.runCallbacks()
	}
	return d
}

// AddCallback adds a callback; failures pass it by.
func (d *Deferred) AddCallback(cb Callback) *Deferred {
	d.push(pair{cb: cb})
	if d.called {
		d.runCallbacks()
	}
	return d
}

// AddErrback adds an errback; successes pass it by.
func (d *Deferred) AddErrback(eb Errback) *Deferred {
	d.push(pair{eb: eb})
	if d.called {
		d.runCallbacks()
	}
	return d
}

// AddBoth adds f as both callback and errback: it receives the value or the
// *failure.Failure.
func (d *Deferred) AddBoth(f func(result any) (any, error)) *Deferred {
	d.push(pair{cb: f, kind: kindBoth})
	if d.called {
		d.runCallbacks()
	}
	return d
}

// Callback fires d with v and runs the callbacks before returning. A *failure.Failure
// value is the same as Errback (the side follows the value, as in Twisted).
//
// Callback panics with *AlreadyCalledError if d was already fired (inside a callback that
// panic becomes a Failure like any other), and with *DeferredArgumentError if v is a
// *Deferred (Twisted asserts).
func (d *Deferred) Callback(v any) {
	if dd, ok := v.(*Deferred); ok {
		panic(&DeferredArgumentError{Deferred: dd})
	}
	d.fire(v)
}

// Errback fires d with a failure: err itself if it is a *failure.Failure, else a new
// Failure wrapping err with the caller's stack. A nil err gives a Failure whose Value is
// *failure.NoCurrentExceptionError. It panics with *AlreadyCalledError as Callback does.
func (d *Deferred) Errback(err error) {
	f, ok := err.(*failure.Failure)
	if !ok || f == nil {
		f = failure.NewSkip(err, 1)
	}
	d.fire(f)
}

// TryCallback is Callback that returns the *AlreadyCalledError instead of panicking, for
// the few call sites that must branch on it (a timeout racing a result, for example).
func (d *Deferred) TryCallback(v any) error {
	if dd, ok := v.(*Deferred); ok {
		return &DeferredArgumentError{Deferred: dd}
	}
	if err := d.checkFire(); err != nil {
		return err
	}
	d.fire(v)
	return nil
}

// TryErrback is Errback that returns the *AlreadyCalledError instead of panicking.
func (d *Deferred) TryErrback(err error) error {
	if e := d.checkFire(); e != nil {
		return e
	}
	f, ok := err.(*failure.Failure)
	if !ok || f == nil {
		f = failure.NewSkip(err, 1)
	}
	d.fire(f)
	return nil
}

// checkFire reports the AlreadyCalledError a fire would raise (the suppressed one is not an
// error).
func (d *Deferred) checkFire() error {
	if d.called && !d.suppressAlready {
		return d.alreadyCalled()
	}
	return nil
}

func (d *Deferred) fire(v any) {
	if d.called {
		if d.suppressAlready {
			d.suppressAlready = false
			return
		}
		panic(d.alreadyCalled())
	}
	if debugging.Load() {
		d.debugHolder().invoker = callers(3)
	}
	switch r := v.(type) {
	case *failure.Failure:
		if r == nil {
			v = nil
		}
	}
	d.called = true
	d.result = v
	d.runCallbacks()
}

// Pause stops d from running callbacks until a matching Unpause. Pauses nest.
func (d *Deferred) Pause() { d.paused++ }

// Unpause undoes one Pause; when the last pause is undone on a fired Deferred, the pending
// callbacks run before Unpause returns.
//
// An Unpause without an outstanding Pause does nothing. Twisted's unpause decrements
// regardless, a misuse that leaves the counter negative, so that the next pause no longer
// pauses. Waiting on a Deferred returned by a callback is not a Pause either: Unpause cannot
// release that wait (only the awaited Deferred's result does).
func (d *Deferred) Unpause() {
	if d.paused <= d.chainWait() {
		return
	}
	d.paused--
	if d.paused > 0 {
		return
	}
	if d.called {
		d.runCallbacks()
	}
}

// chainWait is the part of d.paused that is not Pause calls: 1 while d waits on a Deferred
// returned by one of its callbacks (its result is then that Deferred; Callback refuses a
// Deferred, so the result is never one otherwise), else 0.
func (d *Deferred) chainWait() int32 {
	if _, ok := d.result.(*Deferred); ok {
		return 1
	}
	return 0
}

// ChainDeferred makes other receive d's result: d.AddCallbacks(other.Callback,
// other.Errback), recording the link. d's own result becomes nil afterwards. Chaining is
// one-way (firing other does not affect d) and recursive, unlike returning a Deferred from
// a callback. If other was already fired, the AlreadyCalledError becomes a failure in d.
func (d *Deferred) ChainDeferred(other *Deferred) *Deferred {
	other.chainedTo = d
	return d.AddCallbacks(func(v any) (any, error) {
		other.Callback(v)
		return nil, nil
	}, func(f *failure.Failure) (any, error) {
		other.Errback(f)
		return nil, nil
	})
}

// Cancel asks whatever would produce d's result to stop, like Twisted's cancel:
//
//   - if d has not been fired, its canceller (if any) is called with d; then, if d is still
//     not fired, it errbacks with *CancelledError. Without a canceller, exactly one later
//     Callback or Errback from the producer is silently ignored.
//   - if d is waiting on a Deferred returned by one of its callbacks, that one is
//     cancelled instead, and its outcome reaches d through the chain.
//   - otherwise Cancel does nothing.
//
// Cancellation is advisory: a canceller may fire d with a success or another error, and
// callers must handle that.
func (d *Deferred) Cancel() {
	if !d.called {
		if c := d.canceller; c != nil {
			c(d)
		} else {
			d.suppressAlready = true
		}
		if !d.called && !d.cancelOnlyInner {
			d.Errback(failure.NewSkip(&CancelledError{}, 1))
		}
		return
	}
	if inner, ok := d.result.(*Deferred); ok {
		inner.Cancel()
	}
}

// runCallbacks is Twisted's _runCallbacks: an iterative walk with an explicit stack of
// Deferreds, so chains of Deferreds returned from callbacks never grow the Go stack.
func (d *Deferred) runCallbacks() {
	if d.running {
		// A callback of ours is running further up the stack; its loop picks up the
		// pairs added meanwhile when it returns.
		return
	}
	var small [4]*Deferred
	chain := append(small[:0], d)
	for len(chain) > 0 {
		cur := chain[len(chain)-1]
		if cur.paused > 0 {
			// This Deferred waits on another; everything below it waits too.
			return
		}
		finished := true
		cur.chainedTo = nil
	pairs:
		for cur.head < len(cur.pairs) {
			p := cur.pairs[cur.head]
			cur.pairs[cur.head] = pair{}
			cur.head++
			if cur.head == len(cur.pairs) {
				cur.pairs = cur.pairs[:0]
				cur.head = 0
			}
			if p.kind == kindContinue {
				w := p.waiter
				w.result = cur.result
				cur.result = nil
				cur.clearFailResult()
				w.paused--
				chain = append(chain, w)
				finished = false
				break
			}
			fl, isFailure := cur.result.(*failure.Failure)
			var out any
			var err error
			var pf *failure.Failure
			switch {
			case !isFailure && p.kind == kindBoth, !isFailure && p.cb != nil:
				cur.running = true
				out, err, pf = callCallback(p.cb, cur.result)
				cur.running = false
			case isFailure && p.kind == kindBoth:
				cur.running = true
				out, err, pf = callCallback(p.cb, fl)
				cur.running = false
			case isFailure && p.eb != nil:
				cur.running = true
				out, err, pf = callErrback(p.eb, fl)
				cur.running = false
			default:
				continue // pass-through
			}
			switch {
			case pf != nil:
				cur.result = pf
				continue
			case err != nil:
				ef, ok := err.(*failure.Failure)
				if !ok || ef == nil {
					ef = failure.NewSkip(err, 0)
				}
				cur.result = ef
				continue
			}
			switch r := out.(type) {
			case *Deferred:
				if r == nil {
					cur.result = nil
					continue
				}
				if r == cur {
					// Twisted warns and the chain stalls for ever; a clear failure is
					// better than a silent hang.
					cur.result = failure.NewSkip(&CircularChainError{}, 0)
					continue
				}
				_, innerWaiting := r.result.(*Deferred)
				if !r.called || innerWaiting || r.paused > 0 {
					cur.paused++
					cur.chainedTo = r
					cur.result = r
					r.push(pair{waiter: cur, kind: kindContinue})
					break pairs
				}
				cur.result = r.result
				r.result = nil
				r.clearFailResult()
			case *failure.Failure:
				if r == nil {
					cur.result = nil
				} else {
					cur.result = r
				}
			default:
				cur.result = out
			}
		}
		if finished {
			if f, ok := cur.result.(*failure.Failure); ok {
				f.Clean()
				cur.setFailResult(f)
			} else {
				cur.clearFailResult()
			}
			chain[len(chain)-1] = nil
			chain = chain[:len(chain)-1]
		}
	}
}

func callCallback(cb Callback, v any) (out any, err error, pf *failure.Failure) {
	if repanic.Load() {
		out, err = cb(v)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			pf = failure.FromPanic(r, 0)
		}
	}()
	out, err = cb(v)
	return
}

func callErrback(eb Errback, f *failure.Failure) (out any, err error, pf *failure.Failure) {
	if repanic.Load() {
		out, err = eb(f)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			pf = failure.FromPanic(r, 0)
		}
	}()
	out, err = eb(f)
	return
}

// String describes d like Twisted's repr: its address and current result, or the
// Deferred it waits on.
func (d *Deferred) String() string {
	if d.chainedTo != nil {
		return fmt.Sprintf("<Deferred at %p waiting on Deferred at %p>", d, d.chainedTo)
	}
	if d.called {
		switch r := d.result.(type) {
		case *failure.Failure:
			return fmt.Sprintf("<Deferred at %p current result: %#v>", d, r)
		case *Deferred:
			return fmt.Sprintf("<Deferred at %p waiting on Deferred at %p>", d, r)
		default:
			return fmt.Sprintf("<Deferred at %p current result: %#v>", d, r)
		}
	}
	return fmt.Sprintf("<Deferred at %p>", d)
}

func callers(skip int) []uintptr {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(skip+1, pcs)
	return pcs[:n]
}
