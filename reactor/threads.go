package reactor

import (
	"log/slog"
	"sync"
	"sync/atomic"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// IReactorThreads: a bounded pool of worker goroutines for blocking work, like Twisted's
// reactor thread pool (ThreadPool(0, 10)): created on first use, started when the reactor
// runs, stopped during shutdown. Go makes blocking goroutines cheap, so the bound is about
// back-pressure and faithfulness, not threads.

type threadPool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []func()
	max     int
	workers int
	idle    int
	busy    int
	started bool
	stopped bool
	wg      sync.WaitGroup
}

func newThreadPool(max int) *threadPool {
	if max < 1 {
		max = 1
	}
	p := &threadPool{max: max}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *threadPool) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.stopped {
		return
	}
	p.started = true
	p.spawnLocked()
}

// spawnLocked starts workers for queued work, up to max.
func (p *threadPool) spawnLocked() {
	for p.started && !p.stopped && len(p.queue) > p.idle && p.workers < p.max {
		p.workers++
		p.idle++
		p.wg.Add(1)
		go p.worker()
	}
	if p.idle > 0 && len(p.queue) > 0 {
		p.cond.Broadcast()
	}
}

func (p *threadPool) submit(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	p.queue = append(p.queue, f)
	p.spawnLocked()
	return true
}

func (p *threadPool) worker() {
	defer p.wg.Done()
	p.mu.Lock()
	for {
		for len(p.queue) == 0 && !p.stopped {
			p.cond.Wait()
		}
		if len(p.queue) == 0 {
			p.idle--
			p.workers--
			p.mu.Unlock()
			return
		}
		f := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.idle--
		p.busy++
		p.mu.Unlock()
		runWork(f)
		p.mu.Lock()
		p.busy--
		p.idle++
	}
}

func runWork(f func()) {
	defer func() {
		if p := recover(); p != nil {
			logFailure("Unhandled error in thread pool", failure.FromPanic(p, 0))
		}
	}()
	f()
}

// stop refuses new work, lets queued and running work finish, and waits for the workers
// (Twisted joins its threads the same way).
func (p *threadPool) stop() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	if !p.started {
		// Never started: nothing runs the queue.
		p.queue = nil
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *threadPool) setMax(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 {
		n = 1
	}
	p.max = n
	p.spawnLocked()
}

// pending returns queued plus running work.
func (p *threadPool) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue) + p.busy
}

func (r *Reactor) threadPool() *threadPool {
	if r.pool == nil {
		pool := newThreadPool(r.poolSize)
		r.pool = pool
		r.mu.Lock()
		gone := r.shutDown || r.closed
		r.mu.Unlock()
		if gone {
			pool.stop() // the loop will not run to start it: refuse work at once
			return pool
		}
		r.CallWhenRunning(pool.start)
		r.addTrigger("during", "shutdown", func() *deferred.Deferred { pool.stop(); return nil })
	}
	return r.pool
}

// CallInThread runs f on the reactor's worker pool (at most 10 at a time unless changed with
// SuggestThreadPoolSize or WithThreadPoolSize). Work submitted before Run starts when the
// reactor runs. f must not touch reactor state; it hands results back with CallFromThread.
// Call it from the reactor goroutine. After shutdown or Close f is dropped.
func (r *Reactor) CallInThread(f func()) {
	if !r.threadPool().submit(f) {
		slog.Warn("CallInThread after the thread pool stopped; dropping " + funcName(f))
	}
}

// ThreadPoolStopped is the failure of a DeferToThread made after the reactor's shutdown
// stopped its worker pool, or after Close.
type ThreadPoolStopped struct{}

func (*ThreadPoolStopped) Error() string { return "the reactor's thread pool has stopped" }

// SuggestThreadPoolSize sets the maximum number of pool workers.
func (r *Reactor) SuggestThreadPoolSize(n int) {
	r.poolSize = n
	if r.pool != nil {
		r.pool.setMax(n)
	}
}

// PendingThreadWork returns how many CallInThread functions are queued or running (trial
// reports unfinished work as a dirty reactor).
func (r *Reactor) PendingThreadWork() int {
	if r.pool == nil {
		return 0
	}
	return r.pool.pending()
}

// DeferToThread runs f on r's worker pool and returns a Deferred (reactor side) that fires
// with f's result, or fails with its error or panic (Twisted's threads.deferToThread).
// Call it from the reactor goroutine.
//
// The result comes back through CallFromThread, so it is delivered only while the loop
// still runs. Once shutdown has stopped the pool (or after Close) the Deferred fails at once
// with *ThreadPoolStopped. Work already running when the reactor shuts down or is closed
// runs to completion (both wait for it), but its result is dropped and the Deferred never
// fires, as in Twisted: the only goroutine allowed to run its callbacks has left the loop,
// and Close may run on another goroutine (trial closes a reactor in the background), so
// firing it there would race with its owner. Nothing blocks on such a Deferred by
// itself: a BlockingCallFromThread waiting for it returns *ReactorStopped.
func DeferToThread(r *Reactor, f func() (any, error)) *deferred.Deferred {
	d := deferred.New(nil)
	ok := r.threadPool().submit(func() {
		v, err, pf := callWork(f)
		r.CallFromThread(func() {
			switch {
			case pf != nil:
				d.Errback(pf)
			case err != nil:
				d.Errback(err)
			default:
				d.Callback(v)
			}
		})
	})
	if !ok {
		d.Errback(&ThreadPoolStopped{})
	}
	return d
}

func callWork(f func() (any, error)) (v any, err error, pf *failure.Failure) {
	defer func() {
		if p := recover(); p != nil {
			pf = failure.FromPanic(p, 0)
		}
	}()
	v, err = f()
	return
}

// BlockingCallFromThread runs f on the reactor goroutine and waits for its result; if f
// returns a *deferred.Deferred, it waits for that Deferred. Call it only from a goroutine
// other than the reactor's (a CallInThread worker, say), never from the loop: it would
// deadlock.
//
// It never waits for a reactor that will not serve it. Once the reactor has shut down
// (Stop's shutdown event reached its "during" phase; the loop does not run again) or has
// been closed, it returns *ReactorStopped without running f, and a call still waiting at
// that moment returns *ReactorStopped too: with Ran unset if f had not run (it then never
// runs), with Ran set if f ran but its Deferred had not fired. A reactor that is merely not
// running yet, or was crashed and may run again, is waited for. Deviation from Twisted,
// whose blockingCallFromThread waits for ever in those cases (and, when the waiting thread
// is one of the reactor's pool, hangs the shutdown that joins it).
func BlockingCallFromThread(r *Reactor, f func() (any, error)) (any, error) {
	c := &blockingCall{done: make(chan blockingResult, 1)}
	err := r.queueThreadCall(func() {
		if !c.state.CompareAndSwap(callQueued, callRunning) {
			return // abandoned before the loop reached it
		}
		deferred.MaybeDeferred(f).AddBoth(func(v any) (any, error) {
			if c.state.Swap(callDone) == callDone {
				return nil, nil // abandoned while the Deferred was pending
			}
			r.mu.Lock()
			delete(r.blocking, c)
			r.mu.Unlock()
			if fl, ok := v.(*failure.Failure); ok {
				c.done <- blockingResult{err: fl}
			} else {
				c.done <- blockingResult{v: v}
			}
			return nil, nil
		})
	}, c)
	if err != nil {
		return nil, err
	}
	res := <-c.done
	return res.v, res.err
}

// blockingCall is one BlockingCallFromThread waiting for its result. Its state goes from
// queued to running (f ran) to done exactly once; whoever moves it to done, the reactor
// with the result or abandonBlockingCalls with an error, sends on done (buffered, so the
// sender never blocks).
type blockingCall struct {
	state atomic.Int32
	done  chan blockingResult
}

type blockingResult struct {
	v   any
	err error
}

const (
	callQueued int32 = iota
	callRunning
	callDone
)

// abandonBlockingCalls releases every BlockingCallFromThread still waiting with
// *ReactorStopped and makes later ones fail at once. It runs in the shutdown event, before
// the thread pool is stopped (the pool waits for its workers, which may be the waiters),
// and in Close.
func (r *Reactor) abandonBlockingCalls(closing bool) {
	r.mu.Lock()
	r.shutDown = true
	calls := r.blocking
	r.blocking = nil
	r.mu.Unlock()
	for c := range calls { // the order is irrelevant: every waiter is independent
		if prev := c.state.Swap(callDone); prev != callDone {
			c.done <- blockingResult{err: &ReactorStopped{Closed: closing, Ran: prev == callRunning}}
		}
	}
}

// ReactorStopped is the error of a BlockingCallFromThread the reactor can no longer serve:
// it shut down or was closed (Closed) before running the call, or, with Ran set, after
// running it but before the Deferred it returned fired. Twisted has no such error: its
// blockingCallFromThread waits for ever.
type ReactorStopped struct {
	Closed bool // Close, not the shutdown event, released the call
	Ran    bool // the function ran on the reactor; its Deferred had not fired
}

func (e *ReactorStopped) Error() string {
	what := "shut down"
	if e.Closed {
		what = "was closed"
	}
	if e.Ran {
		return "the reactor " + what + " before the Deferred of a blocking call fired"
	}
	return "the reactor " + what + " before running a blocking call"
}
