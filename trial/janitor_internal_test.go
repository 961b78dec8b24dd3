package trial

import (
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// Ports test_util.py DirtyReactorAggregateErrorTests.test_formatDelayedCall.
func TestDirtyReactorAggregateErrorTests_formatDelayedCall(t *testing.T) {
	e := &DirtyReactorAggregateError{DelayedCalls: []string{"Foo", "bar"}}
	want := "Reactor was unclean.\nDelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)\nFoo\nbar"
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
}

// Ports test_util.py DirtyReactorAggregateErrorTests.test_formatSelectables.
func TestDirtyReactorAggregateErrorTests_formatSelectables(t *testing.T) {
	e := &DirtyReactorAggregateError{Selectables: []string{"selectable 1", "selectable 2"}}
	want := "Reactor was unclean.\nSelectables:\nselectable 1\nselectable 2"
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
}

// Ports test_util.py DirtyReactorAggregateErrorTests.test_formatDelayedCallsAndSelectables.
func TestDirtyReactorAggregateErrorTests_formatDelayedCallsAndSelectables(t *testing.T) {
	e := &DirtyReactorAggregateError{DelayedCalls: []string{"bleck", "Boozo"}, Selectables: []string{"Sel1", "Sel2"}}
	want := "Reactor was unclean.\nDelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)\nbleck\nBoozo\nSelectables:\nSel1\nSel2"
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
}

// The Go-specific sections follow Twisted's.
func TestDirtyReactorAggregateError_goSections(t *testing.T) {
	e := &DirtyReactorAggregateError{Selectables: []string{"S"}, Coroutines: []string{"C"}, ThreadWork: 2}
	want := "Reactor was unclean.\nSelectables:\nS\nSuspended Inline coroutines:\nC\nThread pool: 2 CallInThread function(s) still queued or running"
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
}

// stubReactor is test_util.py's StubReactor.
type stubReactor struct {
	delayedCalls    []*reactor.DelayedCall
	selectables     []reactor.FileDescriptor
	iterations      []time.Duration
	removeAllCalled int
	threadWork      int
}

func (r *stubReactor) Iterate(d time.Duration) { r.iterations = append(r.iterations, d) }
func (r *stubReactor) GetDelayedCalls() []*reactor.DelayedCall {
	var out []*reactor.DelayedCall
	for _, dc := range r.delayedCalls {
		if !dc.Cancelled() {
			out = append(out, dc)
		}
	}
	return out
}
func (r *stubReactor) RemoveAll() []reactor.FileDescriptor {
	r.removeAllCalled++
	s := r.selectables
	r.selectables = nil
	return s
}
func (r *stubReactor) PendingThreadWork() int { return r.threadWork }

// selectable is a stub descriptor with an interesting string form.
type selectable struct {
	lost []*failure.Failure
}

func (s *selectable) Fileno() int                            { return -1 }
func (s *selectable) ConnectionLost(reason *failure.Failure) { s.lost = append(s.lost, reason) }
func (s *selectable) LogPrefix() string                      { return "stub" }
func (s *selectable) String() string                         { return "(SELECTABLE!)" }

func newDelayedCall(cancelled *[]*reactor.DelayedCall) *reactor.DelayedCall {
	return reactor.NewDelayedCall(300*time.Second, func() {}, func(dc *reactor.DelayedCall) {
		if cancelled != nil {
			*cancelled = append(*cancelled, dc)
		}
	}, func(*reactor.DelayedCall) {}, func() time.Duration { return 0 })
}

// Ports test_util.py JanitorTests.test_cleanPendingSpinsReactor.
func TestJanitorTests_cleanPendingSpinsReactor(t *testing.T) {
	r := &stubReactor{}
	(&janitor{r: r}).clean(true)
	if len(r.iterations) != 2 || r.iterations[0] != 0 || r.iterations[1] != 0 {
		t.Errorf("iterations %v, want [0 0]", r.iterations)
	}
}

// Ports test_util.py JanitorTests.test_cleanPendingCancelsCalls.
func TestJanitorTests_cleanPendingCancelsCalls(t *testing.T) {
	var cancelled []*reactor.DelayedCall
	dc := newDelayedCall(&cancelled)
	r := &stubReactor{delayedCalls: []*reactor.DelayedCall{dc}}
	(&janitor{r: r}).cleanPending()
	if len(cancelled) != 1 || cancelled[0] != dc {
		t.Errorf("cancelled %v, want the one call", cancelled)
	}
}

// Ports test_util.py JanitorTests.test_cleanPendingReturnsDelayedCallStrings: strings are
// taken before cancelling.
func TestJanitorTests_cleanPendingReturnsDelayedCallStrings(t *testing.T) {
	dc := newDelayedCall(nil)
	s := dc.String()
	got := (&janitor{r: &stubReactor{delayedCalls: []*reactor.DelayedCall{dc}}}).cleanPending()
	if len(got) != 1 || got[0] != s {
		t.Errorf("got %q, want [%q]", got, s)
	}
	if !strings.Contains(s, "cancelled=0") {
		t.Errorf("the string %q was taken after cancelling", s)
	}
}

// Ports test_util.py JanitorTests.test_cleanReactorRemovesSelectables and
// test_cleanReactorReturnsSelectableStrings; in Go the janitor also closes them (Twisted
// leaves that to the garbage collector).
func TestJanitorTests_cleanReactorRemovesSelectables(t *testing.T) {
	sel := &selectable{}
	r := &stubReactor{selectables: []reactor.FileDescriptor{sel}}
	e := (&janitor{r: r}).clean(true)
	if r.removeAllCalled != 1 {
		t.Errorf("RemoveAll called %d times", r.removeAllCalled)
	}
	if e == nil || len(e.Selectables) != 1 || e.Selectables[0] != "(SELECTABLE!)" {
		t.Fatalf("got %v", e)
	}
	if len(sel.lost) != 1 || sel.lost[0].Check(failure.Type[*reactor.ConnectionLost]()) == nil {
		t.Errorf("the selectable was not closed: %v", sel.lost)
	}
}

// Ports test_util.py JanitorTests.test_postCaseCleanupNoErrors and
// test_postClassCleanupNoErrors.
func TestJanitorTests_cleanNoErrors(t *testing.T) {
	if e := (&janitor{r: &stubReactor{}}).clean(true); e != nil {
		t.Errorf("clean reported %v on a clean reactor", e)
	}
}

// Ports test_util.py JanitorTests.test_postCaseCleanupWithErrors and
// test_postClassCleanupWithPendingCallErrors.
func TestJanitorTests_cleanWithPendingCallErrors(t *testing.T) {
	dc := newDelayedCall(nil)
	s := dc.String()
	e := (&janitor{r: &stubReactor{delayedCalls: []*reactor.DelayedCall{dc}}}).clean(true)
	if e == nil || len(e.DelayedCalls) != 1 || e.DelayedCalls[0] != s {
		t.Errorf("got %v, want the call %q", e, s)
	}
}

// Ports test_util.py JanitorTests.test_postClassCleanupWithSelectableErrors.
func TestJanitorTests_cleanWithSelectableErrors(t *testing.T) {
	e := (&janitor{r: &stubReactor{selectables: []reactor.FileDescriptor{&selectable{}}}}).clean(true)
	if e == nil || len(e.Selectables) != 1 {
		t.Errorf("got %v, want one selectable", e)
	}
}

// Without spinning (the loop was unwound by Goexit) the janitor does not iterate.
func TestJanitorNoSpin(t *testing.T) {
	r := &stubReactor{}
	(&janitor{r: r}).clean(false)
	if len(r.iterations) != 0 {
		t.Errorf("iterated %v", r.iterations)
	}
}

// pySeconds prints durations as Python prints float seconds in trial's message.
func TestPySeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		120 * time.Second:       "120.0",
		200 * time.Millisecond:  "0.2",
		0:                       "0.0",
		1500 * time.Millisecond: "1.5",
	} {
		if got := pySeconds(d); got != want {
			t.Errorf("pySeconds(%v) = %q, want %q", d, got, want)
		}
	}
}

// Tracebacks in reports leave out the goroutine start, testing, reflect and trial's own
// frames, and keep everything else (including frames in trial's test files).
func TestTrimTraceback(t *testing.T) {
	in := strings.Join([]string{
		"Traceback (most recent call last):",
		"--- <exception caught here> ---",
		`  File "/go/src/runtime/asm_amd64.s", line 1771, in runtime.goexit`,
		"    BYTE	$0x90	// NOP",
		`  File "/go/src/testing/testing.go", line 2036, in testing.tRunner`,
		"    fn(t)",
		`  File "/src/app/app_test.go", line 20, in example.com/app.TestX`,
		"    trial.Sync(t, func(tc *trial.T) {",
		`  File "/src/trial/trial.go", line 179, in ` + trialPkg + `.Sync`,
		"    runSync(t, ...)",
		`  File "/go/src/reflect/value.go", line 369, in reflect.Value.Call`,
		"    return v.call(\"Call\", in)",
		`  File "/src/trial/trial_test.go", line 9, in ` + trialPkg + `.TestY.func1`,
		"    boom()",
		`  File "/src/app/app.go", line 5, in example.com/app.boom`,
		"    return errors.New(\"boom\")",
		"*errors.errorString: boom",
	}, "\n")
	want := strings.Join([]string{
		"Traceback (most recent call last):",
		"--- <exception caught here> ---",
		`  File "/src/app/app_test.go", line 20, in example.com/app.TestX`,
		"    trial.Sync(t, func(tc *trial.T) {",
		`  File "/src/trial/trial_test.go", line 9, in ` + trialPkg + `.TestY.func1`,
		"    boom()",
		`  File "/src/app/app.go", line 5, in example.com/app.boom`,
		"    return errors.New(\"boom\")",
		"*errors.errorString: boom",
	}, "\n")
	if got := trimTraceback(in); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
