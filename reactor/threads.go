package reactor

import (
	"log/slog"
	"sync"

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
		r.CallWhenRunning(pool.start)
		r.addTrigger("during", "shutdown", func() *deferred.Deferred { pool.stop(); return nil })
	}
	return r.pool
}

// CallInThread runs f on the reactor's worker pool (at most 10 at a time unless changed with
// SuggestThreadPoolSize or WithThreadPoolSize). Work submitted before Run starts when the
// reactor runs. f must not touch reactor state; it hands results back with CallFromThread.
// Call it from the reactor goroutine. After shutdown f is dropped.
func (r *Reactor) CallInThread(f func()) {
	if !r.threadPool().submit(f) {
		slog.Warn("CallInThread after the thread pool stopped; dropping " + funcName(f))
	}
}

// ThreadPoolStopped is the failure of a DeferToThread made after the reactor's shutdown
// stopped its worker pool.
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
func BlockingCallFromThread(r *Reactor, f func() (any, error)) (any, error) {
	type result struct {
		v   any
		err error
	}
	ch := make(chan result, 1)
	r.CallFromThread(func() {
		d := deferred.MaybeDeferred(f)
		d.AddBoth(func(v any) (any, error) {
			if fl, ok := v.(*failure.Failure); ok {
				ch <- result{err: fl}
			} else {
				ch <- result{v: v}
			}
			return nil, nil
		})
	})
	res := <-ch
	return res.v, res.err
}
