package trial

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

// DefaultTimeout is how long each fixture, the test and each cleanup may run before
// trial fails it with a TimeoutError: Twisted's DEFAULT_TIMEOUT_DURATION.
const DefaultTimeout = 120 * time.Second

// deadlineMargin is kept free before go test's own -timeout deadline, so that trial's
// timeout reports the stuck test (and cleans its reactor) before the test binary panics.
const deadlineMargin = 2 * time.Second

// T is the handle a trial test receives: Twisted's TestCase instance. It carries the
// test's reactor (Run) or Clock (Sync), its cleanups, and the assertions, which fail the
// test by panicking with a *FailTest. Use T from the test's goroutine (the reactor's); the
// assertions may run inside callbacks and Inline bodies, which is the point.
type T struct {
	tb   testing.TB
	name string // test repr in messages: tb.Name()

	r     *reactor.Reactor
	clock *task.Clock
	obs   *logObserver

	cleanups []func() *deferred.Deferred
	todo     *todo
	timeout  time.Duration
	phase    *phase // the fixture or method running now (Run only)
	phaseNm  string

	mu       sync.Mutex // guards events: Errorf may be called from any goroutine
	events   []event
	timedOut bool
	aborted  bool
}

// todo is Twisted's Todo: the test is expected to fail, with any error (errors empty) or
// with one matching errors.
type todo struct {
	reason string
	errors []error
}

func (t *todo) expected(f *failure.Failure) bool {
	return len(t.errors) == 0 || f.Check(t.errors...) != nil
}

// phase is one timed step of the chain: setUp, the test method, a cleanup or tearDown.
type phase struct {
	name    string
	d       *deferred.Deferred
	call    *reactor.DelayedCall
	timeout time.Duration
	isTest  bool
	done    bool // the step's Deferred reached trial's callback
	grace   *reactor.DelayedCall
}

// eventKind is how a test outcome is reported, with Twisted's reporter tags.
type eventKind int

const (
	evFailure           eventKind = iota // [FAIL]: a FailTest
	evError                              // [ERROR]: anything else
	evSkip                               // [SKIPPED]
	evExpectedFailure                    // [TODO]
	evUnexpectedSuccess                  // [SUCCESS!?!]
)

type event struct {
	kind   eventKind
	f      *failure.Failure
	reason string
}

// Option configures Run, Sync, Suite and SyncSuite.
type Option func(*config)

type config struct {
	timeout  time.Duration
	setUp    func(*T) *deferred.Deferred
	tearDown func(*T) *deferred.Deferred
	skip     string
	todo     *todo
}

// Timeout sets the per-step timeout (Twisted's timeout attribute); the default is
// DefaultTimeout, and go test's -timeout deadline caps it. Zero times out at once, as in
// trial.
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// SetUp runs f before the test (Twisted's setUp); it may return a Deferred to wait on. If
// it fails or skips, the test and tearDown do not run, but cleanups do.
func SetUp(f func(*T) *deferred.Deferred) Option { return func(c *config) { c.setUp = f } }

// TearDown runs f after the test and its cleanups, whatever the test's outcome (Twisted's
// tearDown); it may return a Deferred to wait on.
func TearDown(f func(*T) *deferred.Deferred) Option { return func(c *config) { c.tearDown = f } }

// Skip skips the test without running anything, not even setUp (Twisted's skip
// attribute).
func Skip(reason string) Option { return func(c *config) { c.skip = reason } }

// Todo marks the test as expected to fail (Twisted's todo attribute): with any error, or,
// when errs are given, with one matching them (as Failure.Check matches). An expected
// failure is logged as [TODO] and does not fail the test; a pass is logged as
// [SUCCESS!?!] (an unexpected success, which trial does not count as a failure either).
func Todo(reason string, errs ...error) Option {
	return func(c *config) { c.todo = &todo{reason: reason, errors: errs} }
}

func newConfig(opts []Option) *config {
	c := &config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	return c
}

// testCase is one test to run: fixtures, body and configuration.
type testCase struct {
	method   string
	setUp    func(*T) *deferred.Deferred
	test     func(*T) *deferred.Deferred
	tearDown func(*T) *deferred.Deferred
	cfg      *config
}

// Run runs test as a Twisted asynchronous TestCase method on a fresh reactor, on the
// calling (test) goroutine:
//
//	func TestEcho(t *testing.T) {
//		trial.Run(t, func(tc *trial.T) *deferred.Deferred {
//			port := trial.Must(tc.Reactor().ListenTCP(0, factory))
//			tc.AddCleanup(port.StopListening)
//			return connectAndCheck(tc, port)
//		})
//	}
//
// setUp (option SetUp), the test, the cleanups (last added first, before tearDown) and
// tearDown (option TearDown) run as one Deferred chain; trial spins the reactor until it
// finishes. Each step may return a Deferred and gets its own timeout (option Timeout).
// Afterwards the janitor checks the reactor (see DirtyReactorAggregateError), collected
// Deferreds holding unhandled failures and unflushed logged errors fail the test, and the
// reactor is closed. Outcomes are reported with trial's tags: [FAIL] and [ERROR] through
// t.Errorf, [TODO] and [SUCCESS!?!] through t.Logf, skips through t.Skip.
//
// Never call t.FailNow, t.Fatal or t.SkipNow from inside the test's callbacks: they unwind
// the reactor loop. Use T's assertions (or testify's require with the *T). trial detects
// the mistake, reports it and still cleans the reactor.
func Run(t testing.TB, test func(tc *T) *deferred.Deferred, opts ...Option) {
	t.Helper()
	cfg := newConfig(opts)
	runAsync(t, &testCase{method: "test", setUp: cfg.setUp, test: test, tearDown: cfg.tearDown, cfg: cfg})
}

// Sync runs test as a Twisted SynchronousTestCase method: no reactor is involved, and
// T.Clock gives deterministic time. setUp, the test, cleanups (last added first) and
// tearDown run in order; Deferreds they return are not waited for. Assertions, Skip, Todo,
// logged errors and unhandled Deferreds work as in Run. Calling t.FailNow directly in a
// Sync test is harmless (there is no loop to unwind), but T's assertions read better.
func Sync(t testing.TB, test func(tc *T), opts ...Option) {
	t.Helper()
	cfg := newConfig(opts)
	runSync(t, &testCase{method: "test", setUp: cfg.setUp, tearDown: cfg.tearDown, cfg: cfg,
		test: func(tc *T) *deferred.Deferred { test(tc); return nil }})
}

func newT(tb testing.TB, c *testCase) *T {
	tc := &T{tb: tb, name: tb.Name(), timeout: c.cfg.timeout}
	if c.cfg.todo != nil {
		tc.todo = c.cfg.todo
	}
	return tc
}

var firstFlush sync.Once

// flushBeforeFirstTest reports, to the ordinary logger, the unhandled Deferreds leaked
// before the first trial test of the process, so they are not blamed on it. Like trial
// --force-gc every test then collects after itself; only Deferreds dropped by non-trial
// tests in between can be blamed on the next trial test (forcing a collection before
// every test too would double trial's fixed cost, which is mostly garbage collection).
func flushBeforeFirstTest() {
	firstFlush.Do(func() { deferred.FlushUnhandled() })
}

// runAsync is TestCase.run: _runFixturesAndTest, _wait, _cleanUp and the report.
func runAsync(tb testing.TB, c *testCase) {
	tb.Helper()
	if c.cfg.skip != "" {
		tb.Skip(c.cfg.skip)
		return
	}
	flushBeforeFirstTest()
	r, err := reactor.New()
	if err != nil {
		tb.Fatalf("trial: cannot create a reactor: %v", err)
		return
	}
	tc := newT(tb, c)
	tc.r = r
	j := &janitor{r: r, before: make(map[*deferred.Co]bool)}
	for _, co := range deferred.Suspended() {
		j.before[co] = true
	}
	tc.obs = startObserving(tb)
	completed := false
	defer func() {
		if completed {
			return
		}
		// The chain did not finish normally: either runtime.Goexit (t.FailNow, t.Fatal or
		// t.SkipNow inside the loop) or a panic that escaped the reactor.
		p := recover()
		var escaped *failure.Failure
		if p != nil {
			escaped = failure.FromPanic(p, 0)
		}
		tc.abort(j, escaped)
	}()

	d := tc.deferSetUp(c)
	tc.wait(d)
	tc.cleanUp(j)
	completed = true
	tc.reportEvents()
}

// abort cleans up after a test whose loop was unwound, and reports why.
func (tc *T) abort(j *janitor, escaped *failure.Failure) {
	tc.tb.Helper()
	what := "t.FailNow (t.Fatal, t.FailNow or require.X on a *testing.T)"
	if escaped == nil && tc.tb.Skipped() {
		what = "t.SkipNow (t.Skip)"
	}
	if ph := tc.phase; ph != nil && ph.call != nil && ph.call.Active() {
		ph.call.Cancel() // trial's own timer is not the test's leftover
	}
	if e := j.clean(false); e != nil {
		tc.addError(failure.New(e))
	}
	tc.closeReactor()
	deferred.FlushUnhandled()
	tc.collectLoggedErrors()
	tc.obs.stop()
	if escaped != nil {
		tc.addError(escaped)
		tc.tb.Errorf("[ERROR]\ntrial: a panic escaped the reactor loop during %s of %s; the reactor was cleaned up", tc.phaseNm, tc.name)
	} else {
		tc.tb.Errorf("[ERROR]\ntrial: %s was called inside the reactor loop or the Deferred chain during %s of %s.\n"+
			"It unwinds the loop (runtime.Goexit), so trial stopped the test and cleaned up the reactor.\n"+
			"Fail from callbacks with the *trial.T instead: tc.Fail, tc.NoError, tc.Equal, or require.X(tc, ...).",
			what, tc.phaseNm, tc.name)
	}
	tc.aborted = true // already unwinding: report skips as logs, not t.Skip
	tc.reportEvents()
}

// runPhase is _run: call f (a fixture, the test or a cleanup) as with maybeDeferred and
// arm its timeout.
func (tc *T) runPhase(name string, isTest bool, f func(*T) *deferred.Deferred) *deferred.Deferred {
	tc.phaseNm = name
	ph := &phase{name: name, isTest: isTest}
	tc.phase = ph
	d := deferred.MaybeDeferred(func() (any, error) {
		if f == nil {
			return nil, nil
		}
		if rd := f(tc); rd != nil {
			return rd, nil
		}
		return nil, nil
	})
	ph.d = d
	if tc.phase != ph {
		// f ran a nested phase (it should not); do not arm a timer for a stale phase.
		return d
	}
	ph.timeout = tc.effectiveTimeout()
	ph.call = tc.r.CallLater(ph.timeout, func() { tc.onTimeout(ph) })
	d.AddBoth(func(v any) (any, error) {
		ph.done = true
		if ph.call.Active() {
			ph.call.Cancel()
		}
		if ph.grace != nil && ph.grace.Active() {
			ph.grace.Cancel()
		}
		if tc.phase == ph {
			tc.phase = nil
		}
		return passThrough(v)
	})
	return d
}

func passThrough(v any) (any, error) {
	if f, ok := v.(*failure.Failure); ok {
		return nil, f
	}
	return v, nil
}

// effectiveTimeout is the configured timeout, capped so it ends before go test's deadline.
func (tc *T) effectiveTimeout() time.Duration {
	t := tc.timeout
	if dl, ok := tc.tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := dl.Deadline(); ok {
			left := time.Until(deadline) - deadlineMargin
			if left < 0 {
				left = 0
			}
			if left < t {
				t = left
			}
		}
	}
	if t < 0 {
		t = 0
	}
	return t
}

// onTimeout is trial's onTimeout: errback the step's Deferred with a TimeoutError (so the
// test's own errbacks see it first); if that Deferred was already called but is stuck
// waiting on another, stop the loop and report the timeout directly.
func (tc *T) onTimeout(ph *phase) {
	err := &deferred.TimeoutError{
		Timeout: ph.timeout,
		Message: fmt.Sprintf("%s (%s) still running at %s secs", tc.name, ph.name, pySeconds(ph.timeout)),
	}
	f := failure.New(err)
	if e := ph.d.TryErrback(f); e != nil {
		tc.stuck(ph, f)
		return
	}
	if ph.done {
		return
	}
	// The errback was delivered but the step's chain is stuck behind it (an errback
	// returned a Deferred that never fires). Twisted would hang here; give the chain the
	// same time again, then stop the loop and report the timeout.
	grace := max(ph.timeout, time.Second)
	if c := tc.effectiveTimeout(); c < grace {
		grace = c
	}
	ph.grace = tc.r.CallLater(grace, func() {
		if !ph.done {
			tc.stuck(ph, f)
		}
	})
}

// stuck ends a step whose Deferred cannot be failed by its timeout (it was already
// called, waiting on another Deferred): stop the loop and report the timeout directly.
func (tc *T) stuck(ph *phase, f *failure.Failure) {
	tc.r.Crash()
	tc.timedOut = true
	if ph.isTest && tc.todo != nil && tc.todo.expected(f) {
		tc.addEvent(event{kind: evExpectedFailure, f: f, reason: tc.todo.reason})
	} else {
		tc.addError(f)
	}
}

// pySeconds formats a duration as Python prints a float number of seconds (120.0, 0.2).
func pySeconds(d time.Duration) string {
	s := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// deferSetUp is TestCase.deferSetUp: setUp, then the test method or, if setUp failed, the
// cleanups alone.
func (tc *T) deferSetUp(c *testCase) *deferred.Deferred {
	d := tc.runPhase("setUp", false, c.setUp)
	d.AddCallbacks(func(any) (any, error) {
		return tc.deferTestMethod(c), nil
	}, func(f *failure.Failure) (any, error) {
		if st, ok := asSkipTest(f); ok {
			tc.addEvent(event{kind: evSkip, f: f, reason: st.Reason})
		} else {
			tc.addError(f)
		}
		return tc.deferRunCleanups(), nil
	})
	return d
}

// deferTestMethod runs the test, records its outcome, then the cleanups and tearDown.
func (tc *T) deferTestMethod(c *testCase) *deferred.Deferred {
	d := tc.runPhase(c.method, true, c.test)
	d.AddCallbacks(func(any) (any, error) {
		if tc.todo != nil {
			tc.addEvent(event{kind: evUnexpectedSuccess, reason: tc.todo.reason})
		}
		return nil, nil
	}, func(f *failure.Failure) (any, error) {
		tc.testMethodFailed(f)
		return nil, nil
	})
	d.AddBoth(func(any) (any, error) { return tc.deferRunCleanups(), nil })
	d.AddBoth(func(any) (any, error) { return tc.deferTearDown(c), nil })
	return d
}

// testMethodFailed is _ebDeferTestMethod: map a failure of the test method to an outcome.
func (tc *T) testMethodFailed(f *failure.Failure) {
	if tc.todo != nil && tc.todo.expected(f) {
		tc.addEvent(event{kind: evExpectedFailure, f: f, reason: tc.todo.reason})
		return
	}
	if _, ok := asFailTest(f); ok {
		tc.addEvent(event{kind: evFailure, f: f})
		return
	}
	if st, ok := asSkipTest(f); ok {
		tc.addEvent(event{kind: evSkip, f: f, reason: st.Reason})
		return
	}
	tc.addError(f)
}

func (tc *T) deferTearDown(c *testCase) *deferred.Deferred {
	d := tc.runPhase("tearDown", false, c.tearDown)
	d.AddErrback(func(f *failure.Failure) (any, error) {
		tc.addError(f)
		return nil, nil
	})
	return d
}

// deferRunCleanups runs the cleanups last-added first, waiting for each one's Deferred
// before the next; a failing cleanup is recorded and the others still run. Each cleanup
// runs once, and cleanups added by cleanups run too.
func (tc *T) deferRunCleanups() *deferred.Deferred {
	done := deferred.New(nil)
	var failures []*failure.Failure
	var step func()
	step = func() {
		for len(tc.cleanups) > 0 {
			f := tc.cleanups[len(tc.cleanups)-1]
			tc.cleanups = tc.cleanups[:len(tc.cleanups)-1]
			d := tc.runPhase("cleanup", false, func(*T) *deferred.Deferred { return f() })
			sync, waiting := true, true
			d.AddBoth(func(v any) (any, error) {
				if fl, ok := v.(*failure.Failure); ok {
					failures = append(failures, fl)
				}
				waiting = false
				if !sync {
					step()
				}
				return nil, nil
			})
			if waiting {
				sync = false
				return
			}
		}
		for _, f := range failures {
			tc.addError(f)
		}
		done.Callback(nil)
	}
	step()
	return done
}

// wait is TestCase._wait: return at once if d already fired, else run the reactor until it
// does (or a stuck timeout crashes the loop).
func (tc *T) wait(d *deferred.Deferred) {
	finished := false
	d.AddBoth(func(v any) (any, error) {
		finished = true
		return passThrough(v)
	})
	if finished {
		return
	}
	if err := tc.r.RunUntil(d); err != nil {
		tc.addError(failure.New(fmt.Errorf("trial: cannot run the reactor: %w", err)))
		return
	}
	if !finished && !tc.timedOut {
		tc.addError(failure.New(&ReactorStoppedError{Phase: tc.phaseNm}))
	}
}

// ReactorStoppedError reports a test whose reactor stopped (Stop or Crash was called)
// before the test's Deferred chain finished. Tests must not stop their reactor; trial
// runs it.
type ReactorStoppedError struct {
	Phase string
}

func (e *ReactorStoppedError) Error() string {
	return "trial: the reactor stopped during " + e.Phase + " before the test finished; tests must not call Stop or Crash on their reactor"
}

// cleanUp is TestCase._cleanUp: the janitor, unhandled Deferreds, logged errors.
func (tc *T) cleanUp(j *janitor) {
	if e := j.clean(true); e != nil {
		tc.addError(failure.New(e))
	}
	tc.closeReactor()
	deferred.FlushUnhandled()
	tc.collectLoggedErrors()
	tc.obs.stop()
}

// closeReactor releases the reactor. Unfinished thread work would make Close wait for
// it, so in that case (already reported by the janitor) it is closed in the background.
func (tc *T) closeReactor() {
	r := tc.r
	if r == nil {
		return
	}
	tc.r = nil
	if r.PendingThreadWork() > 0 {
		go r.Close()
		return
	}
	r.Close()
}

// collectLoggedErrors turns unflushed logged errors into test errors.
func (tc *T) collectLoggedErrors() {
	for _, f := range tc.obs.flush() {
		tc.addError(f)
	}
}

func (tc *T) addEvent(e event) {
	tc.mu.Lock()
	tc.events = append(tc.events, e)
	tc.mu.Unlock()
}

func (tc *T) addError(f *failure.Failure) { tc.addEvent(event{kind: evError, f: f}) }

// reportEvents sends the outcomes to testing.TB; a skip comes last because t.Skip ends
// the test goroutine.
func (tc *T) reportEvents() {
	tc.tb.Helper()
	tc.mu.Lock()
	events := tc.events
	tc.events = nil
	tc.mu.Unlock()
	skip := ""
	skipped := false
	for _, e := range events {
		switch e.kind {
		case evFailure:
			tc.tb.Errorf("[FAIL]\n%s", formatFail(e.f))
		case evError:
			tc.tb.Errorf("[ERROR]\n%s", formatError(e.f))
		case evExpectedFailure:
			tc.tb.Logf("[TODO]\nreason: %s\nexpected failure: %s", e.reason, formatBrief(e.f))
		case evUnexpectedSuccess:
			tc.tb.Logf("[SUCCESS!?!]\nreason: %s\nthe test was expected to fail (todo) but passed", e.reason)
		case evSkip:
			if !skipped {
				skip, skipped = e.reason, true
			}
		}
	}
	if skipped {
		if tc.aborted {
			tc.tb.Logf("[SKIPPED] %s", skip)
		} else {
			tc.tb.Skip("[SKIPPED] " + skip)
		}
	}
}

// formatFail renders a FailTest: where the assertion was, and its message.
func formatFail(f *failure.Failure) string {
	ft, ok := asFailTest(f)
	if !ok {
		return formatError(f)
	}
	if loc := ft.Location(); loc != "" {
		return loc + ": " + ft.Message
	}
	return ft.Message
}

// formatError renders an error: its traceback, or just type and message for trial's own
// errors, whose frames would only show trial's machinery.
func formatError(f *failure.Failure) string {
	switch f.Value.(type) {
	case *DirtyReactorAggregateError, *deferred.TimeoutError, *ReactorStoppedError:
		return failure.TypeName(f.Value) + ": " + f.ErrorMessage()
	}
	return trimTraceback(strings.TrimRight(f.Traceback(), "\n"))
}

// trimTraceback drops the frames of machinery the reader did not write from a rendered
// traceback: the goroutine start, testing's runner, reflect (Suite's method calls) and
// trial itself. A frame is a `  File "...", line n, in fn` line and the indented source
// lines after it.
func trimTraceback(tb string) string {
	lines := strings.Split(tb, "\n")
	out := lines[:0]
	skipping := false
	for _, l := range lines {
		if strings.HasPrefix(l, "  File \"") {
			skipping = machineryFrame(l)
		} else if !strings.HasPrefix(l, "    ") {
			skipping = false
		}
		if !skipping {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func machineryFrame(line string) bool {
	i := strings.LastIndex(line, ", in ")
	if i < 0 {
		return false
	}
	fn := line[i+len(", in "):]
	switch {
	case fn == "runtime.goexit", strings.HasPrefix(fn, "testing."), strings.HasPrefix(fn, "reflect."):
		return true
	case strings.HasPrefix(fn, trialPkg+"."):
		return !strings.Contains(line, "_test.go\"")
	}
	return false
}

func formatBrief(f *failure.Failure) string {
	if f == nil {
		return ""
	}
	if ft, ok := asFailTest(f); ok {
		return formatFail(f) + " (" + failure.TypeName(ft) + ")"
	}
	return failure.TypeName(f.Value) + ": " + f.ErrorMessage()
}

// runSync is SynchronousTestCase.run / _runFixturesAndTest.
func runSync(tb testing.TB, c *testCase) {
	tb.Helper()
	if c.cfg.skip != "" {
		tb.Skip(c.cfg.skip)
		return
	}
	flushBeforeFirstTest()
	tc := newT(tb, c)
	tc.obs = startObserving(tb)
	completed := false
	defer func() {
		if !completed {
			// t.FailNow or t.SkipNow in a synchronous step: nothing to unwind, but stop
			// observing and report what was recorded.
			deferred.FlushUnhandled()
			tc.collectLoggedErrors()
			tc.obs.stop()
			tc.aborted = true
			tc.reportEvents()
		}
	}()
	failed := tc.runSyncStep("setUp", false, c.setUp)
	setUpOK := !failed
	if setUpOK {
		failed = tc.runSyncStep(c.method, true, c.test)
	}
	tc.runSyncCleanups()
	if setUpOK {
		if tc.todo != nil && !failed {
			tc.addEvent(event{kind: evUnexpectedSuccess, reason: tc.todo.reason})
		}
		tc.runSyncStep("tearDown", false, c.tearDown)
	}
	deferred.FlushUnhandled()
	tc.collectLoggedErrors()
	tc.obs.stop()
	completed = true
	tc.reportEvents()
}

// runSyncStep is SynchronousTestCase._run: it reports whether the step failed (or
// skipped), in which case later steps are skipped.
func (tc *T) runSyncStep(name string, isTest bool, f func(*T) *deferred.Deferred) (failed bool) {
	if f == nil {
		return false
	}
	tc.phaseNm = name
	fl := callSync(func() { f(tc) })
	if fl == nil {
		return false
	}
	var td *todo
	if isTest {
		td = tc.todo // read after the step: T.Todo may have set it
	}
	if st, ok := asSkipTest(fl); ok {
		tc.addEvent(event{kind: evSkip, f: fl, reason: st.Reason})
		return true
	}
	if td != nil && td.expected(fl) {
		tc.addEvent(event{kind: evExpectedFailure, f: fl, reason: td.reason})
		return true
	}
	if _, ok := asFailTest(fl); ok {
		tc.addEvent(event{kind: evFailure, f: fl})
	} else {
		tc.addError(fl)
	}
	return true
}

func (tc *T) runSyncCleanups() {
	for len(tc.cleanups) > 0 {
		f := tc.cleanups[len(tc.cleanups)-1]
		tc.cleanups = tc.cleanups[:len(tc.cleanups)-1]
		tc.phaseNm = "cleanup"
		if fl := callSync(func() { f() }); fl != nil {
			tc.addError(fl)
		}
	}
}

// callSync calls f, recovering a panic into a Failure.
func callSync(f func()) (fl *failure.Failure) {
	defer func() {
		if p := recover(); p != nil {
			fl = failure.FromPanic(p, 0)
		}
	}()
	f()
	return nil
}

// Reactor returns the test's reactor: fresh for each Run test and closed after it. It is
// nil in Sync tests.
func (tc *T) Reactor() *reactor.Reactor { return tc.r }

// Clock returns a task.Clock for deterministic time, created on first use (one per test).
func (tc *T) Clock() *task.Clock {
	if tc.clock == nil {
		tc.clock = task.NewClock()
	}
	return tc.clock
}

// TB returns the testing.TB the test runs under, for logging and temporary directories.
// Do not call its FailNow, Fatal or SkipNow from callbacks (see Run).
func (tc *T) TB() testing.TB { return tc.tb }

// Name returns the test's name (testing.TB's Name).
func (tc *T) Name() string { return tc.tb.Name() }

// Log logs to the test's output, like testing.TB's Log.
func (tc *T) Log(args ...any) {
	tc.tb.Helper()
	tc.tb.Log(args...)
}

// Logf logs to the test's output, like testing.TB's Logf.
func (tc *T) Logf(format string, args ...any) {
	tc.tb.Helper()
	tc.tb.Logf(format, args...)
}

// Errorf records a failure ([FAIL]) and lets the test continue, like testing.TB's Errorf.
// With FailNow it makes *T a testify TestingT: assert.X(tc, ...) and require.X(tc, ...)
// are safe inside callbacks.
func (tc *T) Errorf(format string, args ...any) {
	ft := newFailTest(fmt.Sprintf(format, args...))
	tc.addEvent(event{kind: evFailure, f: failure.New(ft)})
}

// FailNow fails the test at once by panicking with a *FailTest, which the Deferred
// machinery recovers: unlike testing.TB's FailNow it is safe inside callbacks.
func (tc *T) FailNow() { failNow("FailNow called") }

// Helper is a no-op, for testify's helper interface.
func (tc *T) Helper() {}

// AddCleanup registers f to run after the test, before tearDown, last added first
// (Twisted's addCleanup). f may return a Deferred, which is waited for before the next
// cleanup; return nil when there is nothing to wait for. A failing cleanup is reported
// and the others still run. In Sync tests a returned Deferred is not waited for.
func (tc *T) AddCleanup(f func() *deferred.Deferred) {
	tc.cleanups = append(tc.cleanups, f)
}

// SetTimeout changes the test's timeout from now on; if a step is running, its timer is
// re-armed to fire d from now (Twisted reads the timeout attribute instead).
func (tc *T) SetTimeout(d time.Duration) {
	tc.timeout = d
	if ph := tc.phase; ph != nil && ph.call != nil && ph.call.Active() {
		ph.timeout = tc.effectiveTimeout()
		ph.call.Reset(ph.timeout)
	}
}

// Skip skips the test by panicking with a *SkipTest (Twisted's raise SkipTest(reason)). In
// setUp it prevents the test and tearDown (cleanups still run); in the test it ends the
// test. trial reports the skip through t.Skip once everything is cleaned up.
func (tc *T) Skip(reason string) {
	panic(&SkipTest{Reason: reason})
}

// Todo marks the running test as expected to fail (see the Todo option); call it before
// the part that fails. It covers the test method only, not setUp or tearDown.
func (tc *T) Todo(reason string, errs ...error) {
	tc.todo = &todo{reason: reason, errors: errs}
}

// FlushLoggedErrors removes and returns the errors logged so far in this test that match
// types (all if none), so they do not fail it (Twisted's flushLoggedErrors). Logged
// errors are slog records at level Error carrying an error: what deferred.LogError, the
// reactor and unhandled-Deferred reports log.
func (tc *T) FlushLoggedErrors(types ...error) []*failure.Failure {
	return tc.obs.flush(types...)
}

// Patch sets *target to value for the rest of the test and restores the old value when
// the test's cleanups run (Twisted's patch). target must be a non-nil pointer and value
// assignable to what it points to; otherwise the test fails.
func (tc *T) Patch(target, value any) {
	p := reflect.ValueOf(target)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		failNow(fmt.Sprintf("Patch: target must be a non-nil pointer, not %T", target))
	}
	elem := p.Elem()
	v := reflect.ValueOf(value)
	if !v.IsValid() {
		v = reflect.Zero(elem.Type())
	}
	if !v.Type().AssignableTo(elem.Type()) {
		failNow(fmt.Sprintf("Patch: cannot assign %T to %s", value, elem.Type()))
	}
	old := reflect.New(elem.Type()).Elem()
	old.Set(elem)
	elem.Set(v)
	tc.AddCleanup(func() *deferred.Deferred {
		elem.Set(old)
		return nil
	})
}

// Mktemp returns a fresh path (not created) inside a directory that is removed after the
// test (Twisted's mktemp).
func (tc *T) Mktemp() string {
	dir, err := os.MkdirTemp(tc.tb.TempDir(), "temp")
	if err != nil {
		failNow("Mktemp: " + err.Error())
	}
	return filepath.Join(dir, "temp")
}
