package task_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

// fakeReactor ports test_task.py's _FakeReactor: a Clock-driven reactor whose Run advances
// time from one delayed call to the next until Stop.
type fakeReactor struct {
	*task.Clock
	running     bool
	whenRunning []func()
	started     bool
	before      []func() *deferred.Deferred
	during      []func() *deferred.Deferred
}

func newFakeReactor() *fakeReactor { return &fakeReactor{Clock: task.NewClock()} }

func (r *fakeReactor) CallWhenRunning(f func()) *reactor.TriggerID {
	if r.started {
		f()
	} else {
		r.whenRunning = append(r.whenRunning, f)
	}
	return nil
}

func (r *fakeReactor) AddSystemEventTrigger(phase, event string, f func() *deferred.Deferred) (*reactor.TriggerID, error) {
	if event != "shutdown" {
		return nil, errors.New("fake reactor: only shutdown triggers")
	}
	switch phase {
	case "before":
		r.before = append(r.before, f)
	case "during":
		r.during = append(r.during, f)
	default:
		return nil, errors.New("fake reactor: only before and during")
	}
	return nil, nil
}

var errNoCallsLeft = errors.New("No DelayedCalls left")

func (r *fakeReactor) Run() error {
	r.running, r.started = true, true
	for _, f := range r.whenRunning {
		f()
	}
	r.whenRunning = nil
	for r.running {
		calls := r.GetDelayedCalls()
		if len(calls) == 0 {
			return errNoCallsLeft
		}
		r.Advance(calls[0].When() - r.Now())
	}
	for _, f := range append(r.before, r.during...) {
		f()
	}
	return nil
}

func (r *fakeReactor) Stop() error {
	if !r.running {
		return &reactor.ReactorNotRunning{}
	}
	r.running = false
	return nil
}

// logRecorder captures slog error records while a test runs.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		l.mu.Lock()
		l.msgs = append(l.msgs, r.Message)
		l.mu.Unlock()
	}
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func captureErrors(t *testing.T) *logRecorder {
	l := &logRecorder{}
	old := slog.Default()
	slog.SetDefault(slog.New(l))
	t.Cleanup(func() { slog.SetDefault(old) })
	return l
}

// Ports test_task.py ReactTests.test_runsUntilAsyncCallback.
func TestReactRunsUntilAsyncCallback(t *testing.T) {
	r := newFakeReactor()
	var passed []bool
	code := task.ReactWith(r, func() *deferred.Deferred {
		finished := deferred.New(nil)
		r.CallLater(time.Second, func() { passed = append(passed, true) })
		r.CallLater(2*time.Second, func() { finished.Callback(nil) })
		return finished
	})
	equal(t, 0, code)
	equal(t, []bool{true}, passed)
	equal(t, 2.0, r.Seconds())
}

// Ports test_task.py ReactTests.test_runsUntilSyncCallback.
func TestReactRunsUntilSyncCallback(t *testing.T) {
	r := newFakeReactor()
	code := task.ReactWith(r, func() *deferred.Deferred { return deferred.Succeed(nil) })
	equal(t, 0, code)
	equal(t, 0.0, r.Seconds())
}

// Ports test_task.py ReactTests.test_runsUntilAsyncErrback and test_runsUntilSyncErrback:
// a failure exits 1 and is logged.
func TestReactRunsUntilErrback(t *testing.T) {
	for _, async := range []bool{true, false} {
		logs := captureErrors(t)
		r := newFakeReactor()
		code := task.ReactWith(r, func() *deferred.Deferred {
			if !async {
				return deferred.Fail(&testError{"expected"})
			}
			finished := deferred.New(nil)
			r.CallLater(time.Second, func() { finished.Errback(&testError{"expected"}) })
			return finished
		})
		equal(t, 1, code)
		equal(t, []string{"main function encountered error"}, logs.msgs)
	}
}

// Ports test_task.py ReactTests.test_singleStopCallback and test_singleStopErrback: when
// the reactor is already stopping, React does not stop it again.
func TestReactSingleStop(t *testing.T) {
	for _, fail := range []bool{false, true} {
		captureErrors(t)
		r := newFakeReactor()
		code := task.ReactWith(r, func() *deferred.Deferred {
			r.CallLater(time.Second, func() { _ = r.Stop() })
			finished := deferred.New(nil)
			_, _ = r.AddSystemEventTrigger("during", "shutdown", func() *deferred.Deferred {
				if fail {
					finished.Errback(&testError{"expected"})
				} else {
					finished.Callback(nil)
				}
				return nil
			})
			return finished
		})
		equal(t, 1.0, r.Seconds())
		if fail {
			equal(t, 1, code)
		} else {
			equal(t, 0, code)
		}
	}
}

// Ports test_task.py ReactTests.test_exitWithDefinedCode.
func TestReactExitWithDefinedCode(t *testing.T) {
	code := task.ReactWith(newFakeReactor(), func() *deferred.Deferred {
		return deferred.Fail(&task.SystemExit{Code: 23})
	})
	equal(t, 23, code)
}

// Ports test_task.py ReactTests.test_synchronousStop.
func TestReactSynchronousStop(t *testing.T) {
	r := newFakeReactor()
	code := task.ReactWith(r, func() *deferred.Deferred {
		d := deferred.New(nil)
		r.CallWhenRunning(func() {
			_ = r.Stop()
			d.Callback(nil)
		})
		return d
	})
	equal(t, 0, code)
}

// Ports test_task.py ReactTests.test_asynchronousStop.
func TestReactAsynchronousStop(t *testing.T) {
	r := newFakeReactor()
	code := task.ReactWith(r, func() *deferred.Deferred {
		r.CallLater(time.Second, func() { _ = r.Stop() })
		return deferred.New(nil)
	})
	equal(t, 0, code)
}

// A panic in main is its failure: exit code 1, logged, and the reactor still stops.
func TestReactMainPanics(t *testing.T) {
	logs := captureErrors(t)
	r := newFakeReactor()
	code := task.ReactWith(r, func() *deferred.Deferred { panic("no main today") })
	equal(t, 1, code)
	equal(t, 1, len(logs.msgs))
}

// React on a real reactor: main's Deferred fires from a timer and the reactor stops.
func TestReactRealReactor(t *testing.T) {
	r, err := reactor.New()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	code := task.ReactWith(r, func() *deferred.Deferred {
		return task.DeferLater(r, time.Millisecond, func() (any, error) { return "done", nil })
	})
	equal(t, 0, code)
}
