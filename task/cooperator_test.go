package task_test

import (
	"iter"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/task"
)

// fakeScheduler ports test_cooperator.py's FakeScheduler: it records the work and runs it
// on pump.
type fakeScheduler struct{ work []*fakeCall }

type fakeCall struct {
	f         func()
	cancelled bool
}

func (s *fakeScheduler) schedule(f func()) func() {
	c := &fakeCall{f: f}
	s.work = append(s.work, c)
	return func() { c.cancelled = true }
}

func (s *fakeScheduler) pump() {
	work := s.work
	s.work = nil
	for _, c := range work {
		if !c.cancelled {
			c.f()
		}
	}
}

func once() func() bool { return func() bool { return true } }

var (
	schedulerStopped = failure.Type[*task.SchedulerStopped]()
	taskStopped      = failure.Type[*task.TaskStopped]()
)

func rangeSeq(n int, seen *[]int) iter.Seq[any] {
	return func(yield func(any) bool) {
		for i := range n {
			*seen = append(*seen, i)
			if !yield(i) {
				return
			}
		}
	}
}

func emptySeq(yield func(any) bool) {}

// Ports test_cooperator.py CooperatorTests.testStoppedRejectsNewTasks.
func TestCooperatorStoppedRejectsNewTasks(t *testing.T) {
	s := &fakeScheduler{}
	c := task.NewCooperator(task.WithScheduler(s.schedule))
	c.Stop()
	d := c.Coiterate(emptySeq)
	failureResultOf(t, d, schedulerStopped)
}

// Ports test_cooperator.py CooperatorTests.testStopRunning: a running iterator does not
// run to completion when the cooperator stops.
func TestCooperatorStopRunning(t *testing.T) {
	s := &fakeScheduler{}
	c := task.NewCooperator(task.WithScheduler(s.schedule))
	var seen []int
	d := c.Coiterate(rangeSeq(3, &seen))
	c.Stop()
	s.pump()
	failureResultOf(t, d, schedulerStopped)
	equal(t, 0, len(seen))
}

// Ports test_cooperator.py CooperatorTests.testStopOutstanding: a task paused on a
// Deferred fails with SchedulerStopped when the cooperator stops.
func TestCooperatorStopOutstanding(t *testing.T) {
	s := &fakeScheduler{}
	c := task.NewCooperator(task.WithScheduler(s.schedule))
	outstanding := deferred.New(nil)
	resumed := false
	d := c.Coiterate(func(yield func(any) bool) {
		if !yield(outstanding) {
			return
		}
		resumed = true
	})
	s.pump()
	c.Stop()
	outstanding.Callback("arglebargle")
	s.pump()
	failureResultOf(t, d, schedulerStopped)
	equal(t, false, resumed)
}

// Ports test_cooperator.py CooperatorTests.testUnexpectedError (a panic in the iterator),
// testUnexpectedErrorActuallyLater and testUnexpectedErrorNotActuallyLater (a yielded
// Deferred that fails later or has already failed), plus a yielded error.
func TestCooperatorUnexpectedError(t *testing.T) {
	cases := map[string]func(c *task.Clock) iter.Seq[any]{
		"panic": func(*task.Clock) iter.Seq[any] {
			return func(yield func(any) bool) { panic(&testError{"runtime"}) }
		},
		"actually later": func(clock *task.Clock) iter.Seq[any] {
			return func(yield func(any) bool) {
				d := deferred.New(nil)
				clock.CallLater(0, func() { d.Errback(&testError{"later"}) })
				yield(d)
			}
		},
		"not actually later": func(*task.Clock) iter.Seq[any] {
			return func(yield func(any) bool) { yield(deferred.Fail(&testError{"now"})) }
		},
		"yielded error": func(*task.Clock) iter.Seq[any] {
			return func(yield func(any) bool) { yield(&testError{"yielded"}) }
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			clock := task.NewClock()
			c := task.NewCooperator(task.WithClock(clock))
			d := c.Coiterate(mk(clock))
			for range 5 {
				clock.Advance(time.Millisecond)
			}
			failureResultOf(t, d, testException)
		})
	}
}

// Ports test_cooperator.py CooperatorTests.testCooperation: tasks run round-robin.
func TestCooperatorCooperation(t *testing.T) {
	clock := task.NewClock()
	c := task.NewCooperator(task.WithClock(clock), task.WithTerminationPredicateFactory(func() func() bool {
		return func() bool { return false }
	}))
	var out []any
	groups := [][]any{{"a", "b", "c"}, {1, 2, 3}, {"d", "e", "f"}, {4, 5, 6}}
	var ds []*deferred.Deferred
	for _, g := range groups {
		ds = append(ds, c.Coiterate(func(yield func(any) bool) {
			for _, th := range g {
				out = append(out, th)
				if !yield(nil) {
					return
				}
			}
		}))
	}
	clock.Advance(time.Millisecond)
	for _, d := range ds {
		successResultOf(t, d)
	}
	equal(t, []any{"a", 1, "d", 4, "b", 2, "e", 5, "c", 3, "f", 6}, out)
}

// Ports test_cooperator.py CooperatorTests.testResourceExhaustion: the termination
// predicate ends a tick.
func TestCooperatorResourceExhaustion(t *testing.T) {
	s := &fakeScheduler{}
	stopped := false
	c := task.NewCooperator(task.WithScheduler(s.schedule),
		task.WithTerminationPredicateFactory(func() func() bool { return func() bool { return stopped } }))
	var output []int
	d := c.Coiterate(func(yield func(any) bool) {
		for i := range 100 {
			output = append(output, i)
			if i == 9 {
				stopped = true
			}
			if !yield(i) {
				return
			}
		}
	})
	s.pump()
	c.Stop()
	failureResultOf(t, d, schedulerStopped)
	equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, output)
}

// Ports test_cooperator.py CooperatorTests.testCallbackReCoiterate: a WhenDone callback that
// adds a task schedules only one tick at a time.
func TestCooperatorCallbackReCoiterate(t *testing.T) {
	var calls []func()
	sched := func(f func()) func() {
		if len(calls) != 0 {
			t.Fatalf("a tick was scheduled while %d are pending", len(calls))
		}
		calls = append(calls, f)
		return func() {}
	}
	c := task.NewCooperator(task.WithScheduler(sched), task.WithTerminationPredicateFactory(once))
	d := c.Coiterate(emptySeq)
	done := false
	d.AddCallback(func(any) (any, error) {
		c.Coiterate(emptySeq).AddBoth(func(any) (any, error) { done = true; return nil, nil })
		return nil, nil
	})
	work := 0
	for !done {
		work++
		for len(calls) > 0 {
			f := calls[0]
			calls = calls[1:]
			f()
			work++
		}
		if work > 50 {
			t.Fatal("Cooperator took too long")
		}
	}
}

// Ports test_cooperator.py CooperatorTests.test_removingLastTaskStopsScheduledCall.
func TestCooperatorRemovingLastTaskStopsScheduledCall(t *testing.T) {
	s := &fakeScheduler{}
	c := task.NewCooperator(task.WithScheduler(s.schedule))
	t1 := c.Cooperate(func(yield func(any) bool) { _ = yield(1) && yield(2) })
	t2 := c.Cooperate(func(yield func(any) bool) { _ = yield(1) && yield(2) })
	equal(t, 1, len(s.work))
	must(t, t1.Stop())
	equal(t, false, s.work[0].cancelled)
	must(t, t2.Stop())
	equal(t, true, s.work[0].cancelled)
	c.Cooperate(func(yield func(any) bool) { _ = yield(1) && yield(2) })
	equal(t, 2, len(s.work))
	equal(t, false, s.work[1].cancelled)
}

// Ports test_cooperator.py CooperatorTests.test_runningWhen*.
func TestCooperatorRunning(t *testing.T) {
	s := &fakeScheduler{}
	equal(t, true, task.NewCooperator(task.WithScheduler(s.schedule)).Running())
	c := task.NewCooperator(task.WithScheduler(s.schedule), task.NotStarted())
	equal(t, false, c.Running())
	c.Start()
	equal(t, true, c.Running())
	c.Stop()
	equal(t, false, c.Running())
}

// runState ports test_cooperator.py RunStateTests' fixture: one task over a worker that
// yields ascending integers, or a Deferred, or stops, or fails, as the test asks.
type runState struct {
	s                          *fakeScheduler
	c                          *task.Cooperator
	task                       *task.CooperativeTask
	work                       []any
	deferNext, stopNext, dieNx bool
	seq                        iter.Seq[any]
}

func newRunState() *runState {
	rs := &runState{s: &fakeScheduler{}}
	rs.c = task.NewCooperator(task.WithScheduler(rs.s.schedule), task.WithTerminationPredicateFactory(once))
	rs.seq = func(yield func(any) bool) {
		i := 0
		for {
			i++
			switch {
			case rs.deferNext:
				rs.deferNext = false
				d := deferred.New(nil)
				rs.work = append(rs.work, d)
				if !yield(d) {
					return
				}
			case rs.stopNext:
				return
			case rs.dieNx:
				panic(&testError{"unhandled"})
			default:
				rs.work = append(rs.work, i)
				if !yield(i) {
					return
				}
			}
		}
	}
	rs.task = rs.c.Cooperate(rs.seq)
	rs.c.Start()
	return rs
}

// Ports RunStateTests.test_pauseResume.
func TestCooperativeTaskPauseResume(t *testing.T) {
	rs := newRunState()
	rs.s.pump()
	equal(t, []any{1}, rs.work)
	rs.s.pump()
	equal(t, []any{1, 2}, rs.work)
	must(t, rs.task.Pause())
	rs.s.pump()
	equal(t, []any{1, 2}, rs.work)
	must(t, rs.task.Resume())
	equal(t, []any{1, 2}, rs.work)
	rs.s.pump()
	equal(t, []any{1, 2, 3}, rs.work)
	must(t, rs.task.Stop())
}

// Ports RunStateTests.test_resumeNotPaused.
func TestCooperativeTaskResumeNotPaused(t *testing.T) {
	rs := newRunState()
	if _, ok := rs.task.Resume().(*task.NotPaused); !ok {
		t.Error("Resume of an unpaused task did not return *NotPaused")
	}
	must(t, rs.task.Pause())
	must(t, rs.task.Resume())
	if _, ok := rs.task.Resume().(*task.NotPaused); !ok {
		t.Error("second Resume did not return *NotPaused")
	}
	must(t, rs.task.Stop())
}

// Ports RunStateTests.test_pauseTwice.
func TestCooperativeTaskPauseTwice(t *testing.T) {
	rs := newRunState()
	must(t, rs.task.Pause())
	rs.s.pump()
	equal(t, 0, len(rs.work))
	must(t, rs.task.Pause())
	rs.s.pump()
	equal(t, 0, len(rs.work))
	must(t, rs.task.Resume())
	rs.s.pump()
	equal(t, 0, len(rs.work))
	must(t, rs.task.Resume())
	rs.s.pump()
	equal(t, []any{1}, rs.work)
	must(t, rs.task.Stop())
}

// Ports RunStateTests.test_pauseWhileDeferred.
func TestCooperativeTaskPauseWhileDeferred(t *testing.T) {
	rs := newRunState()
	rs.deferNext = true
	rs.s.pump()
	equal(t, 1, len(rs.work))
	d, ok := rs.work[0].(*deferred.Deferred)
	if !ok {
		t.Fatalf("work[0] = %#v, want a Deferred", rs.work[0])
	}
	rs.s.pump()
	equal(t, 1, len(rs.work))
	must(t, rs.task.Pause())
	rs.s.pump()
	equal(t, 1, len(rs.work))
	must(t, rs.task.Resume())
	rs.s.pump()
	equal(t, 1, len(rs.work))
	d.Callback("STUFF!")
	rs.s.pump()
	equal(t, 2, len(rs.work))
	equal(t, 2, rs.work[1])
	must(t, rs.task.Stop())
}

// Ports RunStateTests.test_whenDone: each WhenDone Deferred gets the iterator, and callbacks
// on one do not change what the other receives.
func TestCooperativeTaskWhenDone(t *testing.T) {
	rs := newRunState()
	d1, d2 := rs.task.WhenDone(), rs.task.WhenDone()
	var r1, r2, f1, f2 []any
	d1.AddCallback(func(r any) (any, error) { r1 = append(r1, r); return 1, nil })
	d2.AddCallback(func(r any) (any, error) { r2 = append(r2, r); return 2, nil })
	d1.AddCallback(func(r any) (any, error) { f1 = append(f1, r); return nil, nil })
	d2.AddCallback(func(r any) (any, error) { f2 = append(f2, r); return nil, nil })
	rs.stopNext = true
	rs.s.pump()
	equal(t, 1, len(r1))
	equal(t, 1, len(r2))
	if _, ok := r1[0].(iter.Seq[any]); !ok {
		t.Errorf("WhenDone fired with %#v, want the iterator", r1[0])
	}
	equal(t, []any{1}, f1)
	equal(t, []any{2}, f2)
}

// Ports RunStateTests.test_whenDoneError.
func TestCooperativeTaskWhenDoneError(t *testing.T) {
	rs := newRunState()
	d := rs.task.WhenDone()
	rs.dieNx = true
	rs.s.pump()
	failureResultOf(t, d, testException)
}

// Ports RunStateTests.test_whenDoneStop.
func TestCooperativeTaskWhenDoneStop(t *testing.T) {
	rs := newRunState()
	d := rs.task.WhenDone()
	must(t, rs.task.Stop())
	failureResultOf(t, d, taskStopped)
}

// Ports RunStateTests.test_whenDoneAlreadyDone.
func TestCooperativeTaskWhenDoneAlreadyDone(t *testing.T) {
	rs := newRunState()
	rs.stopNext = true
	rs.s.pump()
	if _, ok := successResultOf(t, rs.task.WhenDone()).(iter.Seq[any]); !ok {
		t.Error("WhenDone after completion did not fire with the iterator")
	}
}

// Ports RunStateTests.test_stopStops.
func TestCooperativeTaskStopStops(t *testing.T) {
	rs := newRunState()
	must(t, rs.task.Stop())
	rs.s.pump()
	equal(t, 0, len(rs.work))
	if _, ok := rs.task.Stop().(*task.TaskStopped); !ok {
		t.Error("Stop of a stopped task did not return *TaskStopped")
	}
	if _, ok := rs.task.Pause().(*task.TaskStopped); !ok {
		t.Error("Pause of a stopped task did not return *TaskStopped")
	}
	rs.s.pump()
	equal(t, 0, len(rs.work))
}

// Ports RunStateTests.test_pauseStopResume.
func TestCooperativeTaskPauseStopResume(t *testing.T) {
	rs := newRunState()
	must(t, rs.task.Pause())
	must(t, rs.task.Stop())
	must(t, rs.task.Resume())
	rs.s.pump()
	equal(t, 0, len(rs.work))
}

// Ports RunStateTests.test_stopDeferred: a task stopped while waiting on a Deferred does not
// resume when it fires, and the Deferred is consumed (nil).
func TestCooperativeTaskStopDeferred(t *testing.T) {
	rs := newRunState()
	rs.deferNext = true
	rs.s.pump()
	d := rs.work[len(rs.work)-1].(*deferred.Deferred)
	rs.work = rs.work[:len(rs.work)-1]
	var results []any
	d.AddBoth(func(r any) (any, error) { results = append(results, r); return nil, nil })
	rs.s.pump()
	must(t, rs.task.Stop())
	rs.s.pump()
	d.Callback(7)
	rs.s.pump()
	equal(t, []any{nil}, results)
	equal(t, 0, len(rs.work))
}

// Ports RunStateTests.test_stopExhausted and test_stopErrored.
func TestCooperativeTaskStopFinished(t *testing.T) {
	rs := newRunState()
	rs.stopNext = true
	rs.s.pump()
	if _, ok := rs.task.Stop().(*task.TaskDone); !ok {
		t.Error("Stop of an exhausted task did not return *TaskDone")
	}
	rs = newRunState()
	d := rs.task.WhenDone()
	rs.dieNx = true
	rs.s.pump()
	failureResultOf(t, d, testException)
	if _, ok := rs.task.Stop().(*task.TaskFailed); !ok {
		t.Error("Stop of a failed task did not return *TaskFailed")
	}
}

// Ports RunStateTests.test_stopCooperatorReentrancy.
func TestCooperativeTaskStopCooperatorReentrancy(t *testing.T) {
	rs := newRunState()
	var phases []string
	rs.task.WhenDone().AddCallback(func(any) (any, error) {
		phases = append(phases, "iterator")
		rs.c.Stop()
		phases = append(phases, "done")
		return nil, nil
	})
	rs.stopNext = true
	rs.s.pump()
	equal(t, []string{"iterator", "done"}, phases)
}
