package trial_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTB is a testing.TB that records what trial reports, so trial's own tests observe
// failures instead of suffering them. Like *testing.T, its FailNow, Fatal and SkipNow
// end the goroutine (runtime.Goexit): run trial under it with runFake.
type fakeTB struct {
	testing.TB // nil: methods trial does not use panic if called

	name     string
	deadline time.Time
	tempDir  string

	mu      sync.Mutex
	errors  []string
	logs    []string
	skips   []string
	failed  bool
	skipped bool
	exited  bool // FailNow or SkipNow ended the goroutine
}

// runFake runs f on a fresh goroutine under a fakeTB named name and waits for it, the
// way go test runs a test function.
func runFake(t *testing.T, name string, f func(tb testing.TB)) *fakeTB {
	t.Helper()
	ft := &fakeTB{name: name, tempDir: t.TempDir()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		normal := false
		defer func() {
			if !normal {
				ft.mu.Lock()
				ft.exited = true
				ft.mu.Unlock()
			}
		}()
		f(ft)
		normal = true
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: the trial test did not finish", name)
	}
	return ft
}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return f.name }

func (f *fakeTB) Deadline() (time.Time, bool) { return f.deadline, !f.deadline.IsZero() }

func (f *fakeTB) TempDir() string { return f.tempDir }

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.failed = true
}

func (f *fakeTB) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }

func (f *fakeTB) Fail() {
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
}

func (f *fakeTB) FailNow() {
	f.Fail()
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) {
	f.Error(args...)
	runtime.Goexit()
}

func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Log(args ...any) { f.Logf("%s", fmt.Sprint(args...)) }

func (f *fakeTB) Skip(args ...any) {
	f.mu.Lock()
	f.skips = append(f.skips, fmt.Sprint(args...))
	f.skipped = true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) SkipNow() {
	f.mu.Lock()
	f.skipped = true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Skipf(format string, args ...any) { f.Skip(fmt.Sprintf(format, args...)) }

func (f *fakeTB) Skipped() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.skipped
}

func (f *fakeTB) report() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("errors: %q\nlogs: %q\nskips: %q", f.errors, f.logs, f.skips)
}

func (f *fakeTB) allErrors() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.errors, "\n---\n")
}

func (f *fakeTB) allLogs() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.logs, "\n---\n")
}

// expectPass checks the fake test passed: no errors, not skipped.
func (f *fakeTB) expectPass(t *testing.T) {
	t.Helper()
	if f.Failed() || f.Skipped() {
		t.Fatalf("%s: want a pass, got\n%s", f.name, f.report())
	}
}

// expectFail checks the fake test failed with a [FAIL] report containing each of want.
func (f *fakeTB) expectFail(t *testing.T, want ...string) {
	t.Helper()
	f.expectReport(t, "[FAIL]", want...)
}

// expectError checks the fake test failed with an [ERROR] report containing each of want.
func (f *fakeTB) expectError(t *testing.T, want ...string) {
	t.Helper()
	f.expectReport(t, "[ERROR]", want...)
}

func (f *fakeTB) expectReport(t *testing.T, tag string, want ...string) {
	t.Helper()
	if !f.Failed() {
		t.Fatalf("%s: want a failure, got\n%s", f.name, f.report())
	}
	f.mu.Lock()
	errs := append([]string(nil), f.errors...)
	f.mu.Unlock()
	for _, e := range errs {
		if !strings.HasPrefix(e, tag) {
			continue
		}
		ok := true
		for _, w := range want {
			if !strings.Contains(e, w) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("%s: no %s report containing %q in\n%s", f.name, tag, want, f.report())
}

// countTag counts the reports starting with tag.
func (f *fakeTB) countTag(tag string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, e := range f.errors {
		if strings.HasPrefix(e, tag) {
			n++
		}
	}
	return n
}

// expectSkip checks the fake test was skipped with a reason containing want, and did not
// fail.
func (f *fakeTB) expectSkip(t *testing.T, want string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed || !f.skipped || len(f.skips) == 0 || !strings.Contains(f.skips[0], want) {
		t.Fatalf("%s: want a skip containing %q, got errors %q skips %q", f.name, want, f.errors, f.skips)
	}
}
