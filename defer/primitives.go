package deferred

import (
	"fmt"
)

// Lock is Twisted's DeferredLock: a lock for code that runs on one goroutine but waits
// on Deferreds in between. The zero value is an unlocked Lock. Like Deferred, it is not
// safe for concurrent use.
type Lock struct {
	locked  bool
	waiting []*Deferred
}

// NewLock returns an unlocked Lock.
func NewLock() *Lock { return &Lock{} }

// Locked reports whether the lock is held.
func (l *Lock) Locked() bool { return l.locked }

// Acquire returns a Deferred that fires with the *Lock once it is held: before Acquire
// returns if the lock is free, else when the holders before it release it (first come,
// first served). Cancelling a waiting acquisition removes it from the queue and fails it
// with *CancelledError; cancelling one that already holds the lock does nothing.
func (l *Lock) Acquire() *Deferred {
	d := New(l.cancelAcquire)
	if l.locked {
		l.waiting = append(l.waiting, d)
	} else {
		l.locked = true
		d.Callback(l)
	}
	return d
}

func (l *Lock) cancelAcquire(d *Deferred) { l.waiting = removeDeferred(l.waiting, d) }

// Release releases the lock. If someone waits, the lock passes straight to the first
// waiter, whose callbacks run before Release returns. Releasing an unlocked Lock panics
// with *ReleaseError (Twisted asserts).
func (l *Lock) Release() {
	if !l.locked {
		panic(&ReleaseError{What: "Lock"})
	}
	l.locked = false
	if len(l.waiting) > 0 {
		l.locked = true
		shift(&l.waiting).Callback(l)
	}
}

// Run acquires the lock, calls f (see MaybeDeferred), and releases the lock when f's
// outcome is known (after a Deferred f returned has fired); the returned Deferred fires
// with that outcome. A nil f gives a failed Deferred with *TypeError (Twisted raises
// TypeError).
func (l *Lock) Run(f func() (any, error)) *Deferred {
	return runLocked(l.Acquire, l.Release, f, "Lock")
}

// ReleaseError is the panic value of releasing a Lock that is not held, or a Semaphore
// more often than it was acquired.
type ReleaseError struct{ What string }

func (e *ReleaseError) Error() string {
	return "deferred: " + e.What + ".Release called without a matching Acquire"
}

// ValueError is the panic value of NewSemaphore with fewer than one token (Twisted raises
// ValueError).
type ValueError struct{ Msg string }

func (e *ValueError) Error() string { return "deferred: ValueError: " + e.Msg }

// Semaphore is Twisted's DeferredSemaphore: at most Limit holders at a time. Like
// Deferred, it is not safe for concurrent use.
type Semaphore struct {
	tokens, limit int
	waiting       []*Deferred
}

// NewSemaphore returns a Semaphore with the given number of tokens. It panics with
// *ValueError if tokens is less than one.
func NewSemaphore(tokens int) *Semaphore {
	if tokens < 1 {
		panic(&ValueError{Msg: fmt.Sprintf("DeferredSemaphore requires tokens >= 1 (got %d)", tokens)})
	}
	return &Semaphore{tokens: tokens, limit: tokens}
}

// Tokens returns how many acquisitions would succeed right now.
func (s *Semaphore) Tokens() int { return s.tokens }

// Limit returns the number of tokens the Semaphore was created with.
func (s *Semaphore) Limit() int { return s.limit }

// Acquire returns a Deferred that fires with the *Semaphore once a token is held
// (synchronously while tokens remain). Cancellation works as for Lock.Acquire.
func (s *Semaphore) Acquire() *Deferred {
	d := New(s.cancelAcquire)
	if s.tokens <= 0 {
		s.waiting = append(s.waiting, d)
	} else {
		s.tokens--
		d.Callback(s)
	}
	return d
}

func (s *Semaphore) cancelAcquire(d *Deferred) { s.waiting = removeDeferred(s.waiting, d) }

// Release returns a token; the first waiter, if any, takes it at once. Releasing more
// tokens than were acquired panics with *ReleaseError.
func (s *Semaphore) Release() {
	if s.tokens >= s.limit {
		panic(&ReleaseError{What: "Semaphore"})
	}
	s.tokens++
	if len(s.waiting) > 0 {
		s.tokens--
		shift(&s.waiting).Callback(s)
	}
}

// Run is Lock.Run for a Semaphore token.
func (s *Semaphore) Run(f func() (any, error)) *Deferred {
	return runLocked(s.Acquire, s.Release, f, "Semaphore")
}

func runLocked(acquire func() *Deferred, release func(), f func() (any, error), what string) *Deferred {
	if f == nil {
		return Fail(&TypeError{Msg: what + ".Run needs a function to run"})
	}
	releaseAndReturn := func(r any) (any, error) {
		release()
		return r, nil
	}
	return acquire().AddCallback(func(any) (any, error) {
		return MaybeDeferred(f).AddBoth(releaseAndReturn), nil
	})
}

// shift removes and returns the first of *ds (the oldest waiter), clearing its slot so the
// backing array does not keep it alive.
func shift(ds *[]*Deferred) *Deferred {
	d := (*ds)[0]
	(*ds)[0] = nil
	*ds = (*ds)[1:]
	return d
}

func removeDeferred(ds []*Deferred, d *Deferred) []*Deferred {
	for i, x := range ds {
		if x == d {
			copy(ds[i:], ds[i+1:])
			ds[len(ds)-1] = nil
			return ds[:len(ds)-1]
		}
	}
	return ds
}

// Unlimited, as Queue size or backlog, means no limit.
const Unlimited = -1

// Queue is Twisted's DeferredQueue: Get returns a Deferred that fires with the next value
// Put. Like Deferred, it is not safe for concurrent use.
type Queue struct {
	size, backlog int
	pending       []any
	waiting       []*Deferred
}

// NewQueue returns a Queue holding at most size undelivered values and at most backlog
// waiting getters; Unlimited (or any negative number) means no limit.
func NewQueue(size, backlog int) *Queue {
	return &Queue{size: size, backlog: backlog}
}

// Put delivers v to the oldest waiting getter (its callbacks run before Put returns), or
// keeps it for a later Get. It returns *QueueOverflow if the queue is full.
func (q *Queue) Put(v any) error {
	if len(q.waiting) > 0 {
		shift(&q.waiting).Callback(v)
		return nil
	}
	if q.size < 0 || len(q.pending) < q.size {
		q.pending = append(q.pending, v)
		return nil
	}
	return &QueueOverflow{}
}

// Get returns a Deferred for the next value: already fired if a value is pending, else
// waiting (cancelling it removes it, so the next Put goes to the next getter). It returns
// *QueueUnderflow if the backlog of waiting getters is full.
func (q *Queue) Get() (*Deferred, error) {
	if len(q.pending) > 0 {
		v := q.pending[0]
		q.pending[0] = nil
		q.pending = q.pending[1:]
		return Succeed(v), nil
	}
	if q.backlog < 0 || len(q.waiting) < q.backlog {
		d := New(q.cancelGet)
		q.waiting = append(q.waiting, d)
		return d, nil
	}
	return nil, &QueueUnderflow{}
}

func (q *Queue) cancelGet(d *Deferred) { q.waiting = removeDeferred(q.waiting, d) }

// Pending returns the values put and not yet taken, oldest first.
func (q *Queue) Pending() []any { return q.pending }

// Waiting returns how many getters wait for a value.
func (q *Queue) Waiting() int { return len(q.waiting) }
