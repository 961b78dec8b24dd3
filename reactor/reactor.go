package reactor

import (
	"context"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// Reactor is a single-threaded event loop: Twisted's epoll (Linux) or kqueue (macOS,
// FreeBSD) reactor. One goroutine calls Run and every callback runs on it; other goroutines
// talk to the reactor only through CallFromThread. Create isolated reactors with New (tests
// do); the package-level functions use a process default reactor.
type Reactor struct {
	poller  *poller
	origin  time.Time
	readBuf []byte    // shared by every read: one read at a time, on the loop goroutine
	iov     [][]byte  // writev scratch
	blocks  blockPool // free write-buffer blocks

	// Descriptors, indexed by fd.
	fds   []*fdEntry
	nfds  int    // registered (non-internal) descriptors
	batch uint64 // poll counter; an entry created during a batch skips that batch's events

	writeQueue, spareQueue []queuedWrite // optimistic writers (see setInterest)

	// Timers (3.4): the heap, the staging list for calls made since the last pass, and the
	// count of cancelled calls buried in the heap.
	pending       timerHeap
	newCalls      []*DelayedCall
	cancellations int
	seq           uint64

	// CallFromThread queue: the only state other goroutines touch.
	mu          sync.Mutex
	threadCalls []func()
	spareCalls  []func()
	hasCalls    atomic.Bool // threadCalls is not empty (lets an idle iteration skip the lock)
	wakePending atomic.Bool
	closed      bool
	shutDown    bool                       // the shutdown event ran: the loop never runs again
	blocking    map[*blockingCall]struct{} // BlockingCallFromThread calls still waiting

	// Lifecycle, as in twisted.internet.base.ReactorBase.
	running       bool
	started       bool
	stopped       bool
	justStopped   bool
	startedBefore bool
	events        map[string]*threePhaseEvent
	signals       bool // install SIGINT/SIGTERM handlers in Run
	stopSignals   func()

	pool     *threadPool
	poolSize int

	reserved int // EMFILE recovery descriptor, -1 if none

	coroutines map[any]func() // suspended Inline coroutines registered by TrackCoroutine
}

// fdEntry is one registered descriptor. Twisted keeps one selectable per fd and separate
// read and write sets; reader and writer are the typed views used by dispatch.
type fdEntry struct {
	desc     FileDescriptor
	reader   ReadDescriptor
	writer   WriteDescriptor
	batch    uint64
	internal bool
	kr, kw   bool // interest registered with the kernel poller
	queued   bool // waiting in writeQueue for an optimistic DoWrite
}

// Option configures New.
type Option func(*Reactor)

// WithSignalHandlers makes Run install SIGINT and SIGTERM handlers that stop the reactor
// (the default reactor always has them).
func WithSignalHandlers() Option { return func(r *Reactor) { r.signals = true } }

// WithThreadPoolSize sets the maximum number of CallInThread workers (default 10).
func WithThreadPoolSize(n int) Option { return func(r *Reactor) { r.poolSize = n } }

const readBufferSize = 64 * 1024 // Twisted reads recv(65536) once per readiness event

// New returns an isolated reactor that is not running. Close it when done to release its
// poller descriptors.
func New(opts ...Option) (*Reactor, error) {
	p, err := newPoller()
	if err != nil {
		return nil, err
	}
	r := &Reactor{
		poller:   p,
		origin:   time.Now(),
		readBuf:  make([]byte, readBufferSize),
		iov:      make([][]byte, 0, maxIovecs),
		stopped:  true,
		events:   make(map[string]*threePhaseEvent),
		poolSize: 10,
		reserved: -1,
	}
	for _, o := range opts {
		o(r)
	}
	r.addTrigger("during", "startup", r.reallyStartRunning)
	r.addTrigger("during", "shutdown", func() *deferred.Deferred { r.Crash(); return nil })
	r.addTrigger("during", "shutdown", func() *deferred.Deferred { r.disconnectAll(); return nil })
	// Before the thread pool's own trigger (added when the pool is created), which waits for
	// the workers: a worker blocked in BlockingCallFromThread must be let go first.
	r.addTrigger("during", "shutdown", func() *deferred.Deferred { r.abandonBlockingCalls(false); return nil })
	return r, nil
}

// Close releases the reactor's poller, waker and reserved descriptors. It does not close
// registered descriptors (RemoveAll and their own ConnectionLost do that). Call it from the
// loop goroutine once Run has returned; the reactor cannot be used afterwards. Calls queued
// by CallFromThread that have not run are dropped, and so are later ones; every
// BlockingCallFromThread still waiting returns *ReactorStopped. Close then waits for the
// thread pool's running work, as shutdown does.
func (r *Reactor) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	dropped := r.threadCalls
	r.threadCalls = nil
	r.hasCalls.Store(false)
	r.mu.Unlock()
	clear(dropped) // release what the closures hold
	// Before stopping the pool, which waits for workers that may be blocked on these calls.
	r.abandonBlockingCalls(true)
	if r.pool != nil {
		r.pool.stop()
	}
	r.releaseReserved()
	return r.poller.close()
}

// Running reports whether the reactor is running: true from the "during startup" phase
// until shutdown or Crash.
func (r *Reactor) Running() bool { return r.running }

// Seconds returns the current time on the reactor's clock, in seconds. Deviation from
// Twisted (core-semantics 7.10): the clock is monotonic, counted from the reactor's
// creation, not the wall clock, so clock jumps neither fire nor starve timers.
func (r *Reactor) Seconds() float64 { return r.now().Seconds() }

// Now returns the current time on the reactor's clock (see Seconds).
func (r *Reactor) Now() time.Duration { return r.now() }

func (r *Reactor) now() time.Duration { return time.Since(r.origin) }

// CallLater schedules f to run delay from now and returns a handle to cancel or reschedule
// it. The call runs on a later iteration, never inside CallLater, even with delay 0; calls
// due at the same time run in the order they were scheduled. A negative delay is treated as
// zero (Twisted asserts delay >= 0; running it as soon as possible is the safe reading).
// A panic in f is logged and does not stop the loop.
func (r *Reactor) CallLater(delay time.Duration, f func()) *DelayedCall {
	if delay < 0 {
		delay = 0
	}
	r.seq++
	dc := &DelayedCall{f: f, time: r.now() + delay, seq: r.seq, index: -1, r: r}
	r.newCalls = append(r.newCalls, dc)
	return dc
}

func (r *Reactor) moveCallLaterSooner(dc *DelayedCall) {
	if dc.index >= 0 && dc.index < len(r.pending) && r.pending[dc.index] == dc {
		r.pending.up(dc.index)
	}
}

// GetDelayedCalls returns every pending call that was not cancelled, including calls not
// yet moved into the timer heap.
func (r *Reactor) GetDelayedCalls() []*DelayedCall {
	out := make([]*DelayedCall, 0, len(r.pending)+len(r.newCalls))
	for _, dc := range r.pending {
		if !dc.cancelled {
			out = append(out, dc)
		}
	}
	for _, dc := range r.newCalls {
		if !dc.cancelled {
			out = append(out, dc)
		}
	}
	return out
}

func (r *Reactor) insertNewDelayedCalls() {
	if len(r.newCalls) == 0 {
		return
	}
	for i, dc := range r.newCalls {
		if dc.cancelled {
			r.cancellations--
		} else {
			dc.activateDelay()
			r.pending.push(dc)
		}
		r.newCalls[i] = nil
	}
	r.newCalls = r.newCalls[:0]
}

// timeout returns how long the poll may block: -1 for "no timers". It rounds up to whole
// milliseconds (epoll's unit), as Python does, so a 0.4 ms timer does not spin.
func (r *Reactor) timeout() int {
	r.insertNewDelayedCalls()
	if r.justStopped {
		// Stop was called after this iteration's timer pass (from a write flush, say):
		// don't block, so the next pass fires the shutdown event.
		return 0
	}
	if len(r.pending) == 0 {
		return -1
	}
	d := r.pending[0].time - r.now()
	if d <= 0 {
		return 0
	}
	const longest = 2147483 * time.Second
	if d > longest {
		d = longest
	}
	return msCeil(d)
}

// runUntilCurrent is steps 1-5 of an iteration (core-semantics 3.3): thread calls queued so
// far, then due timers, heap compaction, and the shutdown event after Stop.
func (r *Reactor) runUntilCurrent() {
	r.runThreadCalls()

	r.insertNewDelayedCalls()
	if len(r.pending) > 0 {
		now := r.now()
		for len(r.pending) > 0 && r.pending[0].time <= now {
			dc := r.pending.pop()
			if dc.cancelled {
				r.cancellations--
				continue
			}
			if dc.delayedTime > 0 {
				dc.activateDelay()
				r.pending.push(dc)
				continue
			}
			dc.called = true
			r.callSafely("DelayedCall", dc.f)
		}
	}

	if r.cancellations > 50 && r.cancellations > len(r.pending)>>1 {
		r.cancellations = 0
		live := r.pending[:0]
		for _, dc := range r.pending {
			if dc.cancelled {
				dc.index = -1
			} else {
				live = append(live, dc)
			}
		}
		clear(r.pending[len(live):])
		r.pending = live
		r.pending.init()
	}

	if r.justStopped {
		r.justStopped = false
		r.FireSystemEvent("shutdown")
	}
}

// runThreadCalls runs the calls queued by CallFromThread before this pass started; calls
// queued meanwhile wait for the next iteration (a call that re-queues itself cannot starve
// the loop), and they re-arm the waker so that iteration does not block.
func (r *Reactor) runThreadCalls() {
	r.wakePending.Store(false)
	if !r.hasCalls.Load() {
		return
	}
	r.mu.Lock()
	calls := r.threadCalls
	r.threadCalls = r.spareCalls[:0]
	r.hasCalls.Store(false)
	r.mu.Unlock()
	if len(calls) == 0 {
		r.spareCalls = calls
		return
	}
	for i, f := range calls {
		r.callSafely("CallFromThread", f)
		calls[i] = nil
	}
	r.spareCalls = calls[:0]
}

// callSafely runs f, logging a panic as an unhandled error (Twisted's log.err()).
func (r *Reactor) callSafely(what string, f func()) {
	defer func() {
		if p := recover(); p != nil {
			logFailure("Unhandled error in "+what, failure.FromPanic(p, 0))
		}
	}()
	f()
}

// logFailure logs f as an error through log/slog, with the *failure.Failure under "failure"
// and its traceback under "traceback" (the convention package deferred uses; trial collects
// such records).
func logFailure(msg string, f *failure.Failure) {
	slog.Default().Log(context.Background(), slog.LevelError, msg,
		slog.Any("failure", f), slog.String("traceback", f.Traceback()))
}

// CallFromThread schedules f to run on the reactor goroutine at the start of the next
// iteration, waking the loop if it is blocked. It is the only Reactor method that is safe to
// call from any goroutine. Calls run in the order they were made, and only once the reactor
// runs (or iterates). Close drops the calls still queued, and calls made after Close are
// dropped at once. After a Stop the loop does not run again: calls queued too late for its
// last iteration wait for an Iterate or a Close (Twisted never runs them either).
// BlockingCallFromThread is the variant that reports a call the reactor cannot run.
func (r *Reactor) CallFromThread(f func()) {
	r.queueThreadCall(f, nil)
}

// queueThreadCall is CallFromThread. With a blocking call c it also registers c, so that
// shutdown and Close can release its waiter, and refuses the call once the reactor has shut
// down. Either way it reports a refused call as *ReactorStopped.
func (r *Reactor) queueThreadCall(f func(), c *blockingCall) error {
	r.mu.Lock()
	if r.closed || (c != nil && r.shutDown) {
		closed := r.closed
		r.mu.Unlock()
		return &ReactorStopped{Closed: closed}
	}
	if c != nil {
		if r.blocking == nil {
			r.blocking = make(map[*blockingCall]struct{})
		}
		r.blocking[c] = struct{}{}
	}
	r.threadCalls = append(r.threadCalls, f)
	r.hasCalls.Store(true)
	// Woken under the lock: Close takes it before closing the waker, so a wake never writes
	// to a closed (or reused) descriptor.
	if !r.wakePending.Swap(true) {
		r.poller.wake()
	}
	r.mu.Unlock()
	return nil
}

// Wake interrupts a blocking poll so the loop runs another iteration. Safe from any
// goroutine; after Close it does nothing.
func (r *Reactor) Wake() {
	if !r.wakePending.Swap(true) {
		r.mu.Lock()
		if !r.closed {
			r.poller.wake()
		}
		r.mu.Unlock()
	}
}

// flushWrites gives every writer queued since the last flush its optimistic DoWrite (see
// setInterest). It runs after the timer pass and before the poll: where Twisted would poll,
// find the socket writable and call DoWrite, this calls DoWrite without the extra poll.
// Writers queued while it runs wait for the next iteration, whose poll then does not block.
func (r *Reactor) flushWrites() {
	if len(r.writeQueue) == 0 {
		return
	}
	q := r.writeQueue
	r.writeQueue = r.spareQueue[:0]
	r.runWriteQueue(q)
	clear(q)
	r.spareQueue = q[:0]
}

// doIteration is steps 7-8: one poll (timeoutMs < 0 blocks until an event) and dispatch.
func (r *Reactor) doIteration(timeoutMs int) {
	if len(r.writeQueue) > 0 {
		timeoutMs = 0 // queued writers count as ready, like a writable event
	}
	n, err := r.poller.wait(timeoutMs)
	r.batch++
	if err != nil {
		logFailure("Unexpected error in main loop", failure.New(err))
		return
	}
	for i := 0; i < n; i++ {
		fd, flags := r.poller.event(i)
		if fd < 0 {
			r.poller.drainWaker()
			continue
		}
		if fd >= len(r.fds) {
			continue
		}
		e := r.fds[fd]
		if e == nil || e.batch == r.batch {
			// Removed by an earlier handler in this batch, or a new descriptor that
			// reused the number after this poll: the event is not for it.
			continue
		}
		r.doReadOrWrite(e, fd, flags)
	}
	r.poller.grow(n, r.nfds)
}

// Iterate runs one iteration: thread calls and due timers, then one poll that waits at most
// delay (0: do not block), then I/O dispatch.
func (r *Reactor) Iterate(delay time.Duration) {
	r.runUntilCurrent()
	r.flushWrites()
	if delay <= 0 {
		r.doIteration(0)
		return
	}
	r.doIteration(msCeil(delay))
}

func (r *Reactor) mainLoop() {
	for r.started {
		r.runUntilCurrent()
		r.flushWrites()
		t := r.timeout()
		if !r.running {
			t = 0
		}
		r.doIteration(t)
	}
}

// Run fires the startup event, runs the loop until Stop (then the shutdown event) or Crash,
// and returns. It returns *ReactorAlreadyRunning while the reactor runs and
// *ReactorNotRestartable after a Stop. A crashed reactor may be run again.
func (r *Reactor) Run() error {
	if err := r.startRunning(); err != nil {
		return err
	}
	r.mainLoop()
	if r.stopSignals != nil {
		r.stopSignals()
		r.stopSignals = nil
	}
	return nil
}

// RunUntil runs the loop until d has a result, then leaves it as Crash does: no shutdown
// event, and the reactor may run again. It returns at once if d already has a result. This
// is how trial spins a reactor per test. d's result is not consumed.
func (r *Reactor) RunUntil(d *deferred.Deferred) error {
	if d.Called() && !d.Paused() {
		return nil
	}
	done := false
	d.AddBoth(func(v any) (any, error) {
		done = true
		if r.started {
			r.Crash()
		}
		if f, ok := v.(*failure.Failure); ok {
			return nil, f
		}
		return v, nil
	})
	if done {
		return nil
	}
	saved := r.signals
	r.signals = false
	defer func() { r.signals = saved }()
	if err := r.startRunning(); err != nil {
		return err
	}
	r.mainLoop()
	return nil
}

func (r *Reactor) startRunning() error {
	if r.started {
		return &ReactorAlreadyRunning{}
	}
	if r.startedBefore {
		return &ReactorNotRestartable{}
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return &ReactorNotRestartable{}
	}
	r.started = true
	r.stopped = false
	r.FireSystemEvent("startup")
	return nil
}

func (r *Reactor) reallyStartRunning() *deferred.Deferred {
	r.running = true
	if r.signals && r.stopSignals == nil {
		r.installSignalHandlers()
	}
	return nil
}

// installSignalHandlers makes SIGINT and SIGTERM stop the reactor through CallFromThread,
// like Twisted's sigInt/sigTerm.
func (r *Reactor) installSignalHandlers() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case s := <-ch:
				slog.Info("Received " + signalName(s) + ", shutting down.")
				r.CallFromThread(func() { r.Stop() })
			case <-done:
				return
			}
		}
	}()
	r.stopSignals = func() {
		signal.Stop(ch)
		close(done)
	}
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// Stop asks the reactor to stop: the shutdown event fires at the end of the next timer
// pass, never inside Stop, and Run returns after its "after" triggers. It returns
// *ReactorNotRunning if the reactor is not running or is already stopping (Stop twice, or
// before Run).
func (r *Reactor) Stop() error {
	if r.stopped {
		return &ReactorNotRunning{}
	}
	r.stopped = true
	r.justStopped = true
	r.startedBefore = true
	return nil
}

// Crash leaves the loop at the end of the current iteration without firing shutdown
// triggers; Run may be called again afterwards.
func (r *Reactor) Crash() {
	r.started = false
	r.running = false
	r.addTrigger("during", "startup", r.reallyStartRunning)
}

// disconnectAll removes every non-internal descriptor and gives each ConnectionLost with a
// *ConnectionLost reason; one panicking does not stop the others.
func (r *Reactor) disconnectAll() {
	for _, d := range r.RemoveAll() {
		r.callSafely("connectionLost", func() {
			d.ConnectionLost(failure.New(&ConnectionLost{Msg: "Connection lost"}))
		})
	}
}

// msCeil converts a duration to whole milliseconds, rounding up, for poll timeouts.
func msCeil(d time.Duration) int {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(ms)
}

var _ API = (*Reactor)(nil)
