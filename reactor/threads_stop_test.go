package reactor

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// These tests guard against hangs: a worker or goroutine waiting for a reactor that will
// never serve it, or a shutdown waiting for such a worker. Every wait is bounded, so a
// regression fails with a message instead of running into go test's timeout.

const hangBound = 10 * time.Second

// waitFor fails the test if done is not closed within hangBound.
func waitFor(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(hangBound):
		t.Fatalf("%s: still waiting after %v", what, hangBound)
	}
}

// runInBackground runs r on a new goroutine (which becomes its loop goroutine) and returns
// a channel closed when Run returns.
func runInBackground(t *testing.T, r *Reactor) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	return done
}

// blockingCallInBackground calls BlockingCallFromThread(r, f) on a new goroutine.
func blockingCallInBackground(r *Reactor, f func() (any, error)) (done <-chan struct{}, v *any, err *error) {
	ch := make(chan struct{})
	v, err = new(any), new(error)
	go func() {
		defer close(ch)
		*v, *err = BlockingCallFromThread(r, f)
	}()
	return ch, v, err
}

// wantStopped checks that err is a *ReactorStopped with the given fields.
func wantStopped(t *testing.T, err error, closed, ran bool) {
	t.Helper()
	var rs *ReactorStopped
	if !errors.As(err, &rs) {
		t.Fatalf("got %T %v, want *ReactorStopped", err, err)
	}
	if rs.Closed != closed || rs.Ran != ran {
		t.Fatalf("got %+v (%v), want Closed=%v Ran=%v", *rs, rs, closed, ran)
	}
}

// A blocking call on a closed reactor returns *ReactorStopped at once; f never runs.
func TestBlockingCallFromThreadAfterClose(t *testing.T) {
	r := newReactor(t)
	r.Close()
	var ran atomic.Bool
	done, _, err := blockingCallInBackground(r, func() (any, error) { ran.Store(true); return nil, nil })
	waitFor(t, "BlockingCallFromThread after Close", done)
	wantStopped(t, *err, true, false)
	if ran.Load() {
		t.Fatal("f ran on a closed reactor")
	}
	// CallFromThread and Wake after Close are silently dropped, never a write to the closed
	// waker.
	r.CallFromThread(func() { t.Error("a call made after Close ran") })
	r.Wake()
	r.Iterate(0)
}

// A blocking call queued before Close, and not run, is released by Close with
// *ReactorStopped; f never runs, even if the (closed) reactor is iterated afterwards.
func TestBlockingCallFromThreadQueuedThenClose(t *testing.T) {
	r := newReactor(t)
	var ran atomic.Bool
	done, _, err := blockingCallInBackground(r, func() (any, error) { ran.Store(true); return nil, nil })
	deadline := time.Now().Add(hangBound)
	for !r.hasCalls.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the blocking call was never queued")
		}
		time.Sleep(time.Millisecond)
	}
	r.Close()
	waitFor(t, "BlockingCallFromThread queued before Close", done)
	wantStopped(t, *err, true, false)
	r.Iterate(0)
	if ran.Load() {
		t.Fatal("a call released by Close ran")
	}
}

// Close racing calls made from other goroutines: each blocking call either is refused or
// is released, never waits, and its f never runs on the unrun reactor; plain
// CallFromThread and Wake calls racing Close are safe (run with -race: the waker is
// closed under the queue's lock).
func TestBlockingCallFromThreadRacesClose(t *testing.T) {
	for i := 0; i < 300; i++ {
		r, err := New()
		if err != nil {
			t.Fatal(err)
		}
		var ran atomic.Bool
		start := make(chan struct{})
		var wg sync.WaitGroup
		var callErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, callErr = BlockingCallFromThread(r, func() (any, error) { ran.Store(true); return nil, nil })
		}()
		go func() {
			defer wg.Done()
			<-start
			r.CallFromThread(func() {})
			r.Wake()
		}()
		close(start)
		// A varying head start lets the call be refused on some iterations and queued, then
		// released by Close, on others.
		for j := 0; j < i%16; j++ {
			runtime.Gosched()
		}
		r.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		waitFor(t, "calls racing Close", done)
		wantStopped(t, callErr, true, false)
		if ran.Load() {
			t.Fatal("f ran on a reactor that never ran")
		}
	}
}

// A pool worker blocked in BlockingCallFromThread on a Deferred that has not fired when the
// reactor stops used to hang the shutdown (which waits for the pool's workers). The call
// now returns *ReactorStopped with Ran set, and Run and Close return.
func TestBlockingCallFromThreadPendingDeferredAtStop(t *testing.T) {
	r := newReactor(t)
	never := deferred.New(nil) // touched on the loop goroutine only
	var err error
	var returned atomic.Bool
	r.CallInThread(func() {
		_, err = BlockingCallFromThread(r, func() (any, error) {
			r.Stop() // f runs on the loop: stop while the worker waits on never
			return never, nil
		})
		returned.Store(true)
	})
	waitFor(t, "Run with a worker waiting on a Deferred", runInBackground(t, r))
	if !returned.Load() {
		t.Fatal("the worker was still running after shutdown")
	}
	wantStopped(t, err, false, true)
	// The Deferred firing late (here, after the reactor stopped) reaches nobody, harmlessly.
	never.Callback("late")
}

// A worker that calls BlockingCallFromThread while the reactor shuts down (here, from a
// before-shutdown trigger's signal, racing the during phase that stops the pool) is
// refused or released with *ReactorStopped; its f never runs, and Run returns.
func TestBlockingCallFromThreadDuringShutdown(t *testing.T) {
	for i := 0; i < 50; i++ {
		r := newReactor(t)
		release := make(chan struct{})
		var ran atomic.Bool
		var err error
		r.CallInThread(func() {
			<-release
			_, err = BlockingCallFromThread(r, func() (any, error) { ran.Store(true); return nil, nil })
		})
		r.AddSystemEventTrigger("before", "shutdown", func() *deferred.Deferred {
			close(release)
			return nil
		})
		r.CallWhenRunning(func() { r.Stop() })
		waitFor(t, "Run with a worker calling into a stopping reactor", runInBackground(t, r))
		wantStopped(t, err, false, false)
		if ran.Load() {
			t.Fatal("f ran after the shutdown event")
		}
	}
}

// After a shutdown, a blocking call from any goroutine is refused at once (the loop never
// runs again: Run returns *ReactorNotRestartable).
func TestBlockingCallFromThreadAfterStop(t *testing.T) {
	r := newReactor(t)
	r.CallWhenRunning(func() { r.Stop() })
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	done, _, err := blockingCallInBackground(r, func() (any, error) { return nil, nil })
	waitFor(t, "BlockingCallFromThread after Stop", done)
	wantStopped(t, *err, false, false)
}

// A reactor that was crashed may run again, so a blocking call waits; Close (trial closes
// a crashed reactor, in the background when thread work is left) releases a worker whose
// call ran and returned an unfired Deferred, and Close, which waits for the pool, returns.
func TestBlockingCallFromThreadCrashThenClose(t *testing.T) {
	r := newReactor(t)
	never := deferred.New(nil)
	var err error
	ranOnLoop := make(chan struct{})
	r.CallInThread(func() {
		_, err = BlockingCallFromThread(r, func() (any, error) {
			close(ranOnLoop)
			r.Crash()
			return never, nil
		})
	})
	waitFor(t, "Run until Crash", runInBackground(t, r))
	waitFor(t, "the blocking call to run", ranOnLoop)
	if r.PendingThreadWork() != 1 {
		t.Fatalf("pending work %d, want the waiting worker", r.PendingThreadWork())
	}
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	waitFor(t, "Close with a worker waiting on a Deferred", closed)
	wantStopped(t, err, true, true)
}

// DeferToThread work still running when the reactor stops: shutdown waits for it, its
// result is dropped (the Deferred never fires, as in Twisted), and Run and Close return
// with no work left in the pool.
func TestDeferToThreadRunningAtStop(t *testing.T) {
	r := newReactor(t)
	started := make(chan struct{})
	release := make(chan struct{})
	fired := false
	r.CallWhenRunning(func() {
		DeferToThread(r, func() (any, error) {
			close(started)
			<-release
			return "late", nil
		}).AddBoth(func(any) (any, error) { fired = true; return nil, nil })
		go func() {
			<-started
			r.CallFromThread(func() {
				r.Stop()
				close(release) // the work finishes while the pool is being stopped
			})
		}()
	})
	waitFor(t, "Run with DeferToThread work in flight", runInBackground(t, r))
	if n := r.PendingThreadWork(); n != 0 {
		t.Fatalf("pending work after shutdown: %d", n)
	}
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	waitFor(t, "Close", closed)
	if fired {
		t.Fatal("the Deferred fired after the reactor stopped")
	}
}

// DeferToThread on a reactor whose pool was never created fails at once after shutdown and
// after Close, instead of queueing work on a pool nothing will start.
func TestDeferToThreadWithoutPoolAfterShutdownOrClose(t *testing.T) {
	check := func(t *testing.T, r *Reactor) {
		var f *failure.Failure
		DeferToThread(r, func() (any, error) { return 1, nil }).
			AddErrback(func(fl *failure.Failure) (any, error) { f = fl; return nil, nil })
		if f == nil || f.Check(failure.Type[*ThreadPoolStopped]()) == nil {
			t.Fatalf("got %v", f)
		}
	}
	t.Run("shutdown", func(t *testing.T) {
		r := newReactor(t)
		r.CallWhenRunning(func() { r.Stop() })
		r.Run()
		check(t, r)
	})
	t.Run("close", func(t *testing.T) {
		r := newReactor(t)
		r.Close()
		check(t, r)
	})
}
