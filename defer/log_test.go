package deferred

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
)

// unhandledLog collects unhandled-failure reports (observer) and the slog records.
type unhandledLog struct {
	mu      sync.Mutex
	reports []*UnhandledError
	records []slog.Record
}

func (l *unhandledLog) Reports() []*UnhandledError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*UnhandledError(nil), l.reports...)
}

func (l *unhandledLog) Records() []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]slog.Record(nil), l.records...)
}

type recordHandler struct{ l *unhandledLog }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.l.mu.Lock()
	h.l.records = append(h.l.records, r.Clone())
	h.l.mu.Unlock()
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

// collectUnhandled flushes reports left over by earlier tests, then records every report
// and slog record until the test ends. Tests using it must not run in parallel (the log
// is process-global, as in Twisted).
func collectUnhandled(t *testing.T) *unhandledLog {
	FlushUnhandled()
	l := &unhandledLog{}
	remove := AddUnhandledObserver(func(e *UnhandledError) {
		l.mu.Lock()
		l.reports = append(l.reports, e)
		l.mu.Unlock()
	})
	old := slog.Default()
	slog.SetDefault(slog.New(recordHandler{l}))
	t.Cleanup(func() {
		remove()
		slog.SetDefault(old)
	})
	return l
}

func (l *unhandledLog) len() int { return len(l.Reports()) }

// check is LogTests._check: exactly one report whose Failure is a division by zero, and
// the matching slog record.
func (l *unhandledLog) check(t *testing.T) *UnhandledError {
	t.Helper()
	reports := l.Reports()
	if len(reports) != 1 {
		t.Fatalf("%d unhandled reports, want 1", len(reports))
	}
	if err := reports[0].Failure.Trap(failure.Type[runtime.Error]()); err != nil {
		t.Fatalf("unexpected failure %v", err)
	}
	var found bool
	for _, r := range l.Records() {
		if r.Message == "Unhandled error in Deferred:" && r.Level == slog.LevelError {
			r.Attrs(func(a slog.Attr) bool {
				if a.Key == "failure" && a.Value.Any() == any(reports[0].Failure) {
					found = true
				}
				return true
			})
		}
	}
	if !found {
		t.Fatalf("no slog record carrying the failure: %v", l.Records())
	}
	return reports[0]
}

//go:noinline
func divideByZeroUnreferenced() {
	zero := 0
	New(nil).AddCallback(func(x any) (any, error) { return x.(int) / zero, nil }).Callback(1)
}

// Ports test_defer.py LogTests.test_errorLog and test_errorLogWithInnerFrameRef. Twisted
// emits two log events (a critical message, then the failure); the port emits one slog
// record carrying both, and one observer report.
func TestErrorLog(t *testing.T) {
	l := collectUnhandled(t)
	divideByZeroUnreferenced()
	if n := FlushUnhandled(); n != 1 {
		t.Fatalf("FlushUnhandled reported %d", n)
	}
	l.check(t)
}

//go:noinline
func divideByZeroInCycle() {
	type cyclic struct {
		d    *Deferred
		self *cyclic
	}
	d := New(nil)
	c := &cyclic{d: d}
	c.self = c
	zero := 0
	d.AddCallback(func(x any) (any, error) { _ = c; return x.(int) / zero, nil })
	d.AddCallback(func(x any) (any, error) { return c, nil }) // never runs; keeps c in d
	d.Callback(1)
}

// Ports test_defer.py LogTests.test_errorLogWithInnerFrameCycle: a reference cycle
// through the Deferred does not stop the report.
func TestErrorLogWithInnerFrameCycle(t *testing.T) {
	l := collectUnhandled(t)
	divideByZeroInCycle()
	FlushUnhandled()
	l.check(t)
}

// Ports test_defer.py LogTests.test_errorLogNoRepr.
func TestErrorLogNoRepr(t *testing.T) {
	l := collectUnhandled(t)
	divideByZeroUnreferenced()
	FlushUnhandled()
	e := l.check(t)
	if !strings.HasPrefix(e.Text(), "Unhandled Error\nTraceback ") {
		t.Fatalf("text %q", e.Text())
	}
	if !strings.HasPrefix(e.Error(), "Unhandled error in Deferred:\nUnhandled Error\nTraceback ") {
		t.Fatalf("error %q", e.Error())
	}
}

//go:noinline
func divideByZeroDebugInvoker() {
	d := New(nil)
	defer SetDebugging(Debugging())
	SetDebugging(true) // after creation, as test_errorLogDebugInfo sets d.debug
	zero := 0
	d.AddCallback(func(x any) (any, error) { return x.(int) / zero, nil })
	d.Callback(1)
}

// Ports test_defer.py LogTests.test_errorLogDebugInfo.
func TestErrorLogDebugInfo(t *testing.T) {
	l := collectUnhandled(t)
	divideByZeroDebugInvoker()
	FlushUnhandled()
	e := l.check(t)
	if !strings.HasPrefix(e.Text(), "(debug:  I") || !strings.Contains(e.Text(), "divideByZeroDebugInvoker") {
		t.Fatalf("text %q", e.Text())
	}
}

//go:noinline
func chainedErrorCleanup(t *testing.T) {
	d := New(nil)
	d.AddCallback(func(any) (any, error) { return Fail(&GenericError{"zoop"}), nil })
	d.Callback(nil)
	var results []any
	var errs []*failure.Failure
	d.AddCallbacks(recordAny(&results), recordFailure(&errs))
	if len(results) != 0 || len(errs) != 1 {
		t.Fatalf("results %v errors %v", results, errs)
	}
}

// Ports test_defer.py LogTests.test_chainedErrorCleanup.
func TestChainedErrorCleanup(t *testing.T) {
	l := collectUnhandled(t)
	chainedErrorCleanup(t)
	if n := FlushUnhandled(); n != 0 || l.len() != 0 {
		t.Fatalf("reported %d", l.len())
	}
}

//go:noinline
func errorClearedByChaining() {
	bad := Fail(&GenericError{"oh no"})
	good := New(nil)
	bad.AddErrback(func(*failure.Failure) (any, error) { return good, nil })
}

// Ports test_defer.py LogTests.test_errorClearedByChaining.
func TestErrorClearedByChaining(t *testing.T) {
	l := collectUnhandled(t)
	errorClearedByChaining()
	if n := FlushUnhandled(); n != 0 || l.len() != 0 {
		t.Fatalf("reported %d", l.len())
	}
}

// Failures consumed by an errback, by Inline and by ConsumeErrors are not reported;
// a still-referenced failing Deferred is not reported either.
func TestConsumedFailuresNotReported(t *testing.T) {
	l := collectUnhandled(t)
	func() {
		Fail(&GenericError{"a"}).AddErrback(func(*failure.Failure) (any, error) { return nil, nil })
		d := Fail(&GenericError{"b"})
		Inline(func(c *Co) (any, error) { c.Await(d); return nil, nil })
		NewDeferredList([]*Deferred{Fail(&GenericError{"c"})}, ConsumeErrors)
	}()
	kept := Fail(&GenericError{"kept"})
	if n := FlushUnhandled(); n != 0 || l.len() != 0 {
		t.Fatalf("reported %d: %v", n, l.Reports())
	}
	runtime.KeepAlive(kept)
	kept.AddErrback(func(*failure.Failure) (any, error) { return nil, nil })
}

// The runtime cleanup reports without FlushUnhandled, on its own goroutine.
func TestUnhandledReportedByCleanup(t *testing.T) {
	l := collectUnhandled(t)
	divideByZeroUnreferenced()
	deadline := time.Now().Add(10 * time.Second)
	for l.len() == 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	l.check(t)
}

// Ports test_defer.py UtilTests.test_logErrorReturnsError, test_logErrorLogsError and
// test_logErrorLogsErrorNoRepr.
func TestLogError(t *testing.T) {
	l := collectUnhandled(t)
	f := failure.New(&GenericError{"logged"})
	if LogError(f) != f {
		t.Fatal("LogError must return its argument")
	}
	recs := l.Records()
	if len(recs) != 1 || recs[0].Level != slog.LevelError {
		t.Fatalf("records %v", recs)
	}
	var carried any
	var text string
	recs[0].Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "failure":
			carried = a.Value.Any()
		case "traceback":
			text = a.Value.String()
		}
		return true
	})
	if carried != any(f) || !strings.HasPrefix(text, "Unhandled Error\nTraceback ") {
		t.Fatalf("failure %v text %q", carried, text)
	}
}
