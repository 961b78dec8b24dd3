package task

import (
	"iter"
	"slices"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// AnySchedulerError is implemented by every error a Cooperator or CooperativeTask reports
// (Twisted's SchedulerError and its subclasses). Trap it with failure.Type.
type AnySchedulerError interface {
	error
	schedulerError()
}

// AnyTaskFinished is implemented by TaskDone, TaskStopped and TaskFailed (Twisted's
// TaskFinished): the task can no longer be paused or stopped.
type AnyTaskFinished interface {
	AnySchedulerError
	taskFinished()
}

// SchedulerStopped: the Cooperator was stopped; its tasks' WhenDone Deferreds fail with it
// and new tasks are refused with it.
type SchedulerStopped struct{}

func (*SchedulerStopped) Error() string   { return "task: the Cooperator was stopped" }
func (*SchedulerStopped) schedulerError() {}

// TaskDone: the task's iterator is exhausted.
type TaskDone struct{}

func (*TaskDone) Error() string   { return "task: the task has completed" }
func (*TaskDone) schedulerError() {}
func (*TaskDone) taskFinished()   {}

// TaskStopped: the task was stopped; its WhenDone Deferreds fail with it.
type TaskStopped struct{}

func (*TaskStopped) Error() string   { return "task: the task was stopped" }
func (*TaskStopped) schedulerError() {}
func (*TaskStopped) taskFinished()   {}

// TaskFailed: the task's iterator failed.
type TaskFailed struct{}

func (*TaskFailed) Error() string   { return "task: the task failed" }
func (*TaskFailed) schedulerError() {}
func (*TaskFailed) taskFinished()   {}

// NotPaused: Resume was called more times than Pause.
type NotPaused struct{}

func (*NotPaused) Error() string   { return "task: resume() called on a task that was not paused" }
func (*NotPaused) schedulerError() {}

// Cooperator runs iterators in slices of time, round-robin, so that long jobs share the
// reactor with everything else: Twisted's task.Cooperator.
//
// Each task is an iter.Seq[any]. Every value it yields is one unit of work done. Yielding a
// *deferred.Deferred pauses the task until that Deferred fires (a failure ends the task with
// it). Yielding an error, or panicking, ends the task with that error. A tick runs units of
// work from the tasks in turn until the termination predicate says the slice is used up
// (by default after 10 ms), then schedules the next tick.
//
//	coop := task.NewCooperator()
//	done := coop.Coiterate(func(yield func(any) bool) {
//		for _, row := range rows {
//			process(row)
//			if !yield(nil) {
//				return
//			}
//		}
//	})
type Cooperator struct {
	tasks []*CooperativeTask
	// metaIndex walks tasks round-robin across ticks (Twisted's _metarator over the live
	// list); metaStarted is false until the first pass begins.
	metaIndex   int
	metaStarted bool

	termination func() func() bool
	scheduler   func(func()) (cancel func())
	cancelTick  func()
	stopped     bool
	started     bool
	mustSched   bool
}

// CooperatorOption configures NewCooperator.
type CooperatorOption func(*Cooperator)

// WithTerminationPredicateFactory sets how long a tick lasts: factory is called at the start
// of each tick and the predicate it returns is asked after each unit of work whether the
// tick is over. The default ends a tick after 10 ms of wall time.
func WithTerminationPredicateFactory(factory func() func() bool) CooperatorOption {
	return func(c *Cooperator) { c.termination = factory }
}

// WithScheduler sets how ticks are scheduled: schedule must arrange for f to be called
// later and return a function that cancels that. The default schedules on the default
// reactor (see WithClock).
func WithScheduler(schedule func(f func()) (cancel func())) CooperatorOption {
	return func(c *Cooperator) { c.scheduler = schedule }
}

// WithClock schedules ticks on clock (a reactor or a *Clock) instead of the default reactor.
func WithClock(clock reactor.ReactorTime) CooperatorOption {
	return func(c *Cooperator) { c.scheduler = clockScheduler(clock) }
}

// NotStarted creates the Cooperator stopped-but-startable: tasks added before Start wait.
func NotStarted() CooperatorOption {
	return func(c *Cooperator) { c.started = false }
}

// maxSlice is how long a tick runs by default (Twisted's _Timer.MAX_SLICE).
const maxSlice = 10 * time.Millisecond

// tickDelay is Twisted's _EPSILON: ticks are scheduled just after now, never at now.
const tickDelay = 10 * time.Nanosecond

func defaultTermination() func() bool {
	end := time.Now().Add(maxSlice)
	return func() bool { return !time.Now().Before(end) }
}

func clockScheduler(clock reactor.ReactorTime) func(func()) func() {
	return func(f func()) func() {
		dc := clock.CallLater(tickDelay, f)
		return func() { _ = dc.Cancel() }
	}
}

// NewCooperator returns a running Cooperator.
func NewCooperator(opts ...CooperatorOption) *Cooperator {
	c := &Cooperator{termination: defaultTermination, started: true}
	for _, o := range opts {
		o(c)
	}
	if c.scheduler == nil {
		c.scheduler = func(f func()) func() { return clockScheduler(reactor.Default())(f) }
	}
	return c
}

// Coiterate runs it as a task and returns a Deferred that fires with it when it is
// exhausted, or fails (with the task's error, or *SchedulerStopped if the Cooperator
// stops first).
func (c *Cooperator) Coiterate(it iter.Seq[any]) *deferred.Deferred {
	d := deferred.New(nil)
	newTask(it, c).WhenDone().ChainDeferred(d)
	return d
}

// Cooperate runs it as a task and returns the task, which can be paused, resumed and
// stopped.
func (c *Cooperator) Cooperate(it iter.Seq[any]) *CooperativeTask {
	return newTask(it, c)
}

// Running reports whether the Cooperator is started and not stopped.
func (c *Cooperator) Running() bool { return c.started && !c.stopped }

// Start starts a Cooperator created with NotStarted (or restarts a stopped one).
func (c *Cooperator) Start() {
	c.stopped = false
	c.started = true
	if c.mustSched {
		c.mustSched = false
		c.reschedule()
	}
}

// Stop stops every task (their WhenDone Deferreds fail with *SchedulerStopped), cancels
// the pending tick and refuses new tasks until Start.
func (c *Cooperator) Stop() {
	c.stopped = true
	tasks := c.tasks
	c.tasks = nil
	c.metaStarted = false
	for _, t := range tasks {
		t.completeWith(&SchedulerStopped{}, failure.New(&SchedulerStopped{}))
	}
	if c.cancelTick != nil {
		c.cancelTick()
		c.cancelTick = nil
	}
}

func (c *Cooperator) addTask(t *CooperativeTask) {
	c.tasks = append(c.tasks, t)
	if c.stopped {
		t.completeWith(&SchedulerStopped{}, failure.New(&SchedulerStopped{}))
		return
	}
	c.reschedule()
}

func (c *Cooperator) removeTask(t *CooperativeTask) {
	i := slices.Index(c.tasks, t)
	if i < 0 {
		return
	}
	c.tasks = slices.Delete(c.tasks, i, i+1)
	// Keep the round-robin position pointing at the same next task, as Python's list
	// iterator does when an earlier element is removed.
	if c.metaStarted && i < c.metaIndex {
		c.metaIndex--
	}
	if len(c.tasks) == 0 && c.cancelTick != nil {
		c.cancelTick()
		c.cancelTick = nil
	}
}

func (c *Cooperator) tick() {
	c.cancelTick = nil
	terminator := c.termination()
	for len(c.tasks) > 0 {
		if !c.metaStarted || c.metaIndex >= len(c.tasks) {
			c.metaStarted = true
			c.metaIndex = 0
		}
		t := c.tasks[c.metaIndex]
		c.metaIndex++
		t.oneWorkUnit()
		if terminator() {
			break
		}
	}
	c.reschedule()
}

func (c *Cooperator) reschedule() {
	if !c.started {
		c.mustSched = true
		return
	}
	if c.cancelTick == nil && len(c.tasks) > 0 {
		c.cancelTick = c.scheduler(c.tick)
	}
}

// CooperativeTask is one iterator running on a Cooperator (Twisted's CooperativeTask).
type CooperativeTask struct {
	seq        iter.Seq[any]
	next       func() (any, bool)
	stopIter   func()
	cooperator *Cooperator
	deferreds  []*deferred.Deferred
	pauseCount int
	// completion is nil while the task runs; result is what WhenDone fires with.
	completion AnySchedulerError
	result     any
}

func newTask(it iter.Seq[any], c *Cooperator) *CooperativeTask {
	t := &CooperativeTask{seq: it, cooperator: c}
	t.next, t.stopIter = iter.Pull(it)
	c.addTask(t)
	return t
}

// WhenDone returns a new Deferred that fires with the iterator when the task completes,
// or fails with the task's error, *TaskStopped or *SchedulerStopped. Each call returns a
// fresh Deferred; callbacks on one do not change what the others receive.
func (t *CooperativeTask) WhenDone() *deferred.Deferred {
	d := deferred.New(nil)
	if t.completion == nil {
		t.deferreds = append(t.deferreds, d)
	} else {
		d.Callback(t.result)
	}
	return d
}

// Pause stops the task from running until a matching Resume; pauses nest. It returns the
// task's AnyTaskFinished error if it has finished.
func (t *CooperativeTask) Pause() error {
	if err := t.checkFinish(); err != nil {
		return err
	}
	t.pauseCount++
	if t.pauseCount == 1 {
		t.cooperator.removeTask(t)
	}
	return nil
}

// Resume undoes one Pause; it returns *NotPaused if the task is not paused.
func (t *CooperativeTask) Resume() error {
	if t.pauseCount == 0 {
		return &NotPaused{}
	}
	t.pauseCount--
	if t.pauseCount == 0 && t.completion == nil {
		t.cooperator.addTask(t)
	}
	return nil
}

// Stop ends the task: WhenDone Deferreds fail with *TaskStopped. It returns the task's
// AnyTaskFinished error if it had already finished.
func (t *CooperativeTask) Stop() error {
	if err := t.checkFinish(); err != nil {
		return err
	}
	t.completeWith(&TaskStopped{}, failure.New(&TaskStopped{}))
	return nil
}

func (t *CooperativeTask) checkFinish() error {
	if t.completion != nil {
		return t.completion
	}
	return nil
}

func (t *CooperativeTask) completeWith(state AnySchedulerError, result any) {
	t.completion = state
	t.result = result
	t.stopIter() // release the iterator's coroutine
	if t.pauseCount == 0 {
		t.cooperator.removeTask(t)
	}
	for _, d := range t.deferreds {
		d.Callback(result)
	}
	t.deferreds = nil
}

func (t *CooperativeTask) oneWorkUnit() {
	v, ok, perr := t.pull()
	switch {
	case perr != nil:
		t.completeWith(&TaskFailed{}, perr)
	case !ok:
		t.completeWith(&TaskDone{}, t.seq)
	default:
		switch r := v.(type) {
		case *deferred.Deferred:
			_ = t.Pause()
			r.AddCallbacks(func(any) (any, error) {
				_ = t.Resume()
				return nil, nil
			}, func(f *failure.Failure) (any, error) {
				t.completeWith(&TaskFailed{}, f)
				return nil, nil
			})
		case error:
			t.completeWith(&TaskFailed{}, failure.New(r))
		}
	}
}

// pull advances the iterator, turning a panic in it into a Failure.
func (t *CooperativeTask) pull() (v any, ok bool, f *failure.Failure) {
	defer func() {
		if r := recover(); r != nil {
			f = failure.FromPanic(r, 0)
		}
	}()
	v, ok = t.next()
	return v, ok, nil
}

var theCooperator *Cooperator

func globalCooperator() *Cooperator {
	if theCooperator == nil {
		theCooperator = NewCooperator()
	}
	return theCooperator
}

// Cooperate runs it on the process-wide Cooperator, which ticks on the default reactor.
func Cooperate(it iter.Seq[any]) *CooperativeTask { return globalCooperator().Cooperate(it) }

// Coiterate runs it on the process-wide Cooperator and returns a Deferred that fires with
// it when it is exhausted.
func Coiterate(it iter.Seq[any]) *deferred.Deferred { return globalCooperator().Coiterate(it) }
