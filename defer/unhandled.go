package deferred

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/gotwisted/twisted/failure"
)

// holder is Twisted's DebugInfo: the failure a Deferred ended a chain pass with (so that
// it can be reported if the Deferred is garbage-collected still holding it) and, in debug
// mode, the creator and invoker stacks. It points at its Deferred only weakly: a strong
// pointer would keep the Deferred alive and the cleanup would never run.
type holder struct {
	failure atomic.Pointer[failure.Failure]
	creator []uintptr
	invoker []uintptr
	self    weak.Pointer[Deferred]
}

func (d *Deferred) debugHolder() *holder {
	if d.holder == nil {
		h := &holder{self: weak.Make(d)}
		d.holder = h
		runtime.AddCleanup(d, collected, h)
	}
	return d.holder
}

// setFailResult records f as d's possibly unhandled failure.
func (d *Deferred) setFailResult(f *failure.Failure) {
	h := d.debugHolder()
	if h.failure.Swap(f) == nil {
		live.add(h)
	}
}

// clearFailResult forgets the recorded failure: it was handled, moved or consumed.
func (d *Deferred) clearFailResult() {
	if h := d.holder; h != nil && h.failure.Swap(nil) != nil {
		live.remove(h)
	}
}

// liveHolders is the set of holders currently holding a failure, so FlushUnhandled can
// report the ones whose Deferred was collected without waiting for the runtime's cleanup
// goroutine. inflight counts reports taken but not yet delivered, so FlushUnhandled can
// wait for a cleanup that is half-way through.
type liveHolders struct {
	mu       sync.Mutex
	idle     sync.Cond // signalled when inflight drops to zero
	set      map[*holder]struct{}
	inflight int
	reported uint64
}

var live = newLiveHolders()

func newLiveHolders() *liveHolders {
	l := &liveHolders{set: make(map[*holder]struct{})}
	l.idle.L = &l.mu
	return l
}

func (l *liveHolders) add(h *holder) {
	l.mu.Lock()
	l.set[h] = struct{}{}
	l.mu.Unlock()
}

func (l *liveHolders) remove(h *holder) {
	l.mu.Lock()
	delete(l.set, h)
	l.mu.Unlock()
}

// take claims h's failure for reporting; only one caller gets it.
func (l *liveHolders) take(h *holder) *failure.Failure {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.takeLocked(h)
}

func (l *liveHolders) takeLocked(h *holder) *failure.Failure {
	f := h.failure.Swap(nil)
	if f != nil {
		delete(l.set, h)
		l.inflight++
	}
	return f
}

func (l *liveHolders) done() {
	l.mu.Lock()
	l.inflight--
	l.reported++
	if l.inflight == 0 {
		l.idle.Broadcast()
	}
	l.mu.Unlock()
}

// collected reports h's failure, if it still holds one, exactly once: the runtime
// cleanup and FlushUnhandled race for it through take.
func collected(h *holder) {
	if f := live.take(h); f != nil {
		deliver(h, f)
	}
}

func deliver(h *holder, f *failure.Failure) {
	defer live.done()
	report(&UnhandledError{Failure: f, Debug: h.debugTracebacks()})
}

// UnhandledError describes a Deferred that was garbage-collected while its result was a
// Failure nobody handled.
type UnhandledError struct {
	Failure *failure.Failure
	// Debug holds the creator/invoker stacks when debug mode was on (see SetDebugging).
	Debug string
}

// Error is the report's full text: "Unhandled error in Deferred:" and the Text.
func (e *UnhandledError) Error() string { return "Unhandled error in Deferred:\n" + e.Text() }

// Text is Twisted's failure event text: "Unhandled Error" and the traceback, or, in debug
// mode, "(debug: <stacks>)" and the traceback.
func (e *UnhandledError) Text() string {
	head := "Unhandled Error"
	if e.Debug != "" {
		head = "(debug: " + e.Debug + ")"
	}
	return head + "\n" + e.Failure.Traceback()
}

var observers struct {
	sync.Mutex
	next int
	fns  map[int]func(*UnhandledError)
}

// AddUnhandledObserver registers fn to receive every unhandled-failure report, in addition
// to the log record; remove unregisters it. fn runs on whichever goroutine reports (the
// runtime's cleanup goroutine, or the caller of FlushUnhandled), so it must be safe for
// concurrent use and must not touch reactor state. trial uses it to turn reports into test
// errors.
func AddUnhandledObserver(fn func(*UnhandledError)) (remove func()) {
	observers.Lock()
	defer observers.Unlock()
	if observers.fns == nil {
		observers.fns = make(map[int]func(*UnhandledError))
	}
	id := observers.next
	observers.next++
	observers.fns[id] = fn
	return func() {
		observers.Lock()
		delete(observers.fns, id)
		observers.Unlock()
	}
}

// report logs e through log/slog (message "Unhandled error in Deferred:", level Error, the
// *failure.Failure under the key "failure" and the text under "traceback") and hands it to
// the observers.
func report(e *UnhandledError) {
	observers.Lock()
	fns := make([]func(*UnhandledError), 0, len(observers.fns))
	for _, fn := range observers.fns {
		fns = append(fns, fn)
	}
	observers.Unlock()
	for _, fn := range fns {
		fn(e)
	}
	slog.Default().Log(context.Background(), slog.LevelError, "Unhandled error in Deferred:",
		slog.Any("failure", e.Failure), slog.String("traceback", e.Text()))
}

// FlushUnhandled runs the garbage collector and reports, on the calling goroutine, every
// collected Deferred that still held an unhandled failure; reports the runtime cleanup
// goroutine had already started are waited for. It returns how many reports were
// delivered meanwhile. Reports normally come from a runtime cleanup at an unpredictable
// time; tests call FlushUnhandled (trial does, like its --force-gc) to get them
// deterministically. It is safe to call from any goroutine.
func FlushUnhandled() int {
	live.mu.Lock()
	before := live.reported
	live.mu.Unlock()
	// One collection is enough: runtime.GC returns only after the cycle has swept the heap,
	// and sweeping clears the weak pointer of every Deferred found unreachable (and queues
	// its cleanup) in that same cycle, so the loop below sees all of them. Cleanups the
	// runtime has queued but not run are claimed here (take is exclusive); ones already
	// running are waited for. A second collection would only help objects kept alive by a
	// finalizer, and even then only if the finalizer had run in between.
	runtime.GC()
	type claim struct {
		h *holder
		f *failure.Failure
	}
	var claims []claim
	live.mu.Lock()
	for h := range live.set {
		if h.self.Value() == nil {
			if f := live.takeLocked(h); f != nil {
				claims = append(claims, claim{h, f})
			}
		}
	}
	live.mu.Unlock()
	for _, c := range claims {
		deliver(c.h, c.f)
	}
	live.mu.Lock()
	defer live.mu.Unlock()
	for live.inflight > 0 {
		live.idle.Wait()
	}
	return int(live.reported - before)
}

// LogError logs f as an error through log/slog (message "Unhandled Error", the Failure
// under "failure" and its traceback under "traceback") and returns f, like Twisted's
// defer.logError; use it as an errback that reports and keeps failing.
func LogError(f *failure.Failure) *failure.Failure {
	slog.Default().Log(context.Background(), slog.LevelError, "Unhandled Error",
		slog.Any("failure", f), slog.String("traceback", "Unhandled Error\n"+f.Traceback()))
	return f
}
