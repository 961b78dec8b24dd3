package reactor

import (
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// Ports test_internet.py CallFromThreadTests.test_lotsOfThreadsAreScheduledCorrectly with
// 8 goroutines (run it with -race): every call runs, on the reactor goroutine, and calls
// from one goroutine keep their order.
func TestLotsOfThreadsAreScheduledCorrectly(t *testing.T) {
	r := newReactor(t)
	const goroutines, calls = 8, 200
	seen := make([][]int, goroutines) // touched only on the reactor goroutine
	total := 0
	var wg sync.WaitGroup
	r.CallWhenRunning(func() {
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < calls; i++ {
					r.CallFromThread(func() {
						seen[g] = append(seen[g], i)
						total++
						if total == goroutines*calls {
							r.Stop()
						}
					})
				}
			}()
		}
	})
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for g, s := range seen {
		if len(s) != calls {
			t.Fatalf("goroutine %d: %d calls ran", g, len(s))
		}
		for i, v := range s {
			if v != i {
				t.Fatalf("goroutine %d: call %d ran as %d", g, i, v)
			}
		}
	}
}

// Ports test_internet.py CallFromThreadTests.test_threadsAreRunInScheduledOrder.
func TestThreadsAreRunInScheduledOrder(t *testing.T) {
	r := newReactor(t)
	var order []int
	for i := 0; i < 5; i++ {
		r.CallFromThread(func() { order = append(order, i) })
	}
	r.CallFromThread(func() { r.Stop() })
	r.Run()
	if want := []int{0, 1, 2, 3, 4}; !reflect.DeepEqual(order, want) {
		t.Fatalf("got %v", order)
	}
}

// Ports test_internet.py CallFromThreadTests.test_scheduledThreadsNotRunUntilReactorRuns.
func TestScheduledThreadsNotRunUntilReactorRuns(t *testing.T) {
	r := newReactor(t)
	ran := false
	r.CallFromThread(func() { ran = true })
	if ran {
		t.Fatal("ran before the reactor ran")
	}
	r.Iterate(0)
	if !ran {
		t.Fatal("did not run when the reactor iterated")
	}
}

// Ports test_internet.py CallFromThreadStopsAndWakeUpTests.testCallFromThreadStops: a
// thread call that queues another cannot starve timers.
func TestCallFromThreadStops(t *testing.T) {
	r := newReactor(t)
	stopped := false
	var result error
	r.CallFromThread(func() {
		r.CallFromThread(func() {
			if !stopped {
				result = errors.New("the nested thread call ran before the timer")
			}
			r.Stop()
		})
		r.CallLater(0, func() { stopped = true })
	})
	r.Run()
	if result != nil {
		t.Fatal(result)
	}
}

// A call that keeps re-queueing itself does not keep the loop from polling and running
// timers.
func TestSelfRequeueingThreadCallDoesNotStarve(t *testing.T) {
	r := newReactor(t)
	n := 0
	var again func()
	again = func() {
		n++
		if r.Running() {
			r.CallFromThread(again)
		}
	}
	r.CallFromThread(again)
	r.CallLater(time.Millisecond, func() { r.Stop() })
	r.Run()
	if n < 2 {
		t.Fatalf("re-queued call ran %d times", n)
	}
}

// Ports test_internet.py CallFromThreadStopsAndWakeUpTests.testWakeUp: a call from another
// goroutine wakes a loop blocked in poll with no timers.
func TestWakeUp(t *testing.T) {
	r := newReactor(t)
	r.CallWhenRunning(func() {
		go func() {
			time.Sleep(20 * time.Millisecond)
			r.CallFromThread(func() { r.Stop() })
		}()
	})
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
}

// CallInThread runs work off the loop; DeferToThread brings results back as a Deferred.
func TestDeferToThread(t *testing.T) {
	r := newReactor(t)
	loop := make(chan struct{}) // closed when the loop runs
	var results []any
	var fails []*failure.Failure
	r.CallWhenRunning(func() {
		close(loop)
		d1 := DeferToThread(r, func() (any, error) { return 42, nil })
		d2 := DeferToThread(r, func() (any, error) { return nil, errors.New("thread error") })
		d3 := DeferToThread(r, func() (any, error) { panic("thread panic") })
		for _, d := range []*deferred.Deferred{d1, d2, d3} {
			d.AddCallbacks(func(v any) (any, error) { results = append(results, v); return nil, nil },
				func(f *failure.Failure) (any, error) { fails = append(fails, f); return nil, nil })
		}
		deferred.Gather([]*deferred.Deferred{d1, d2, d3}).AddBoth(func(any) (any, error) { r.Stop(); return nil, nil })
	})
	r.Run()
	if !reflect.DeepEqual(results, []any{42}) {
		t.Fatalf("results %v", results)
	}
	// The workers run concurrently, so the two failures arrive in either order.
	if len(fails) == 2 && fails[0].Error() != "thread error" {
		fails[0], fails[1] = fails[1], fails[0]
	}
	if len(fails) != 2 || fails[0].Error() != "thread error" || !strings.Contains(fails[1].Error(), "thread panic") {
		t.Fatalf("failures %v", fails)
	}
	if r.PendingThreadWork() != 0 {
		t.Fatalf("pending work after shutdown: %d", r.PendingThreadWork())
	}
}

// The pool runs at most SuggestThreadPoolSize functions at once, and is stopped (waiting
// for running work) during shutdown.
func TestThreadPoolBound(t *testing.T) {
	r := newReactor(t)
	r.SuggestThreadPoolSize(3)
	var running, peak atomic.Int32
	var done atomic.Int32
	release := make(chan struct{})
	for i := 0; i < 12; i++ {
		r.CallInThread(func() {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			<-release
			running.Add(-1)
			if done.Add(1) == 12 {
				r.CallFromThread(func() { r.Stop() })
			}
		})
	}
	if r.PendingThreadWork() != 12 {
		t.Fatalf("pending before Run: %d", r.PendingThreadWork())
	}
	r.CallWhenRunning(func() {
		go func() {
			time.Sleep(10 * time.Millisecond)
			close(release)
		}()
	})
	r.Run()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak concurrency %d, want 1..3", p)
	}
	if done.Load() != 12 {
		t.Fatalf("%d of 12 ran", done.Load())
	}
}

// BlockingCallFromThread lets a worker wait for a reactor-side Deferred.
func TestBlockingCallFromThread(t *testing.T) {
	r := newReactor(t)
	var got any
	var gotErr error
	r.CallInThread(func() {
		got, _ = BlockingCallFromThread(r, func() (any, error) {
			d := deferred.New(nil)
			r.CallLater(time.Millisecond, func() { d.Callback("from the loop") })
			return d, nil
		})
		_, gotErr = BlockingCallFromThread(r, func() (any, error) { return nil, errors.New("loop error") })
		r.CallFromThread(func() { r.Stop() })
	})
	r.Run()
	if got != "from the loop" || gotErr == nil || gotErr.Error() != "loop error" {
		t.Fatalf("got %v, %v", got, gotErr)
	}
}

// SIGTERM and SIGINT stop the default reactor cleanly: shutdown triggers run and Run
// returns. The signal is sent to a child process running this test binary.
func TestSignalStopsDefaultReactor(t *testing.T) {
	if sig := os.Getenv("REACTOR_SIGNAL_CHILD"); sig != "" {
		s := syscall.SIGTERM
		if sig == "INT" {
			s = syscall.SIGINT
		}
		AddSystemEventTrigger("after", "shutdown", func() *deferred.Deferred {
			os.Stdout.WriteString("shutdown ran\n")
			return nil
		})
		CallWhenRunning(func() { syscall.Kill(os.Getpid(), s) })
		if err := Run(); err != nil {
			os.Stdout.WriteString("Run: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("run returned\n")
		os.Exit(0)
	}
	for _, sig := range []string{"TERM", "INT"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSignalStopsDefaultReactor$")
		cmd.Env = append(os.Environ(), "REACTOR_SIGNAL_CHILD="+sig)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("SIG%s child: %v\n%s", sig, err, out)
		}
		if !strings.Contains(string(out), "shutdown ran\nrun returned\n") {
			t.Fatalf("SIG%s child output:\n%s", sig, out)
		}
	}
}

// Stop before Run and Stop twice on the default reactor are errors, not panics.
func TestDefaultStopBeforeRun(t *testing.T) {
	var rnr *ReactorNotRunning
	if err := Stop(); !errors.As(err, &rnr) {
		t.Fatalf("got %v", err)
	}
}

// After shutdown the pool is stopped: DeferToThread fails at once instead of never firing.
func TestDeferToThreadAfterShutdown(t *testing.T) {
	r := newReactor(t)
	r.CallInThread(func() {})
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	var f *failure.Failure
	DeferToThread(r, func() (any, error) { return 1, nil }).
		AddErrback(func(fl *failure.Failure) (any, error) { f = fl; return nil, nil })
	if f == nil || f.Check(failure.Type[*ThreadPoolStopped]()) == nil {
		t.Fatalf("got %v", f)
	}
}
