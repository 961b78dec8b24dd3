package trial_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// runTrial runs test with trial.Run under a fakeTB and returns the fake to inspect.
func runTrial(t *testing.T, test func(tc *trial.T) *deferred.Deferred, opts ...trial.Option) *fakeTB {
	t.Helper()
	return runFake(t, t.Name()+"/inner", func(tb testing.TB) { trial.Run(tb, test, opts...) })
}

// runSyncTrial runs test with trial.Sync under a fakeTB.
func runSyncTrial(t *testing.T, test func(tc *trial.T), opts ...trial.Option) *fakeTB {
	t.Helper()
	return runFake(t, t.Name()+"/inner", func(tb testing.TB) { trial.Sync(tb, test, opts...) })
}

// errFoolish is erroneous.py's FoolishError.
var errFoolish = errors.New("I am a broken setUp method")

// ---- SetUpTests (test_deferred.py), on detests.py's DeferredSetUp* classes ----

// Ports test_deferred.py SetUpTests.test_success.
func TestSetUpTests_success(t *testing.T) {
	setUpCalled := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.True(setUpCalled)
		return nil
	}, trial.SetUp(func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("value").AddCallback(func(any) (any, error) {
			setUpCalled = true
			return nil, nil
		})
	}))
	ft.expectPass(t)
}

// Ports test_deferred.py SetUpTests.test_fail: a setUp Deferred failing with FailTest is
// an error, not a failure, and the test does not run.
func TestSetUpTests_fail(t *testing.T) {
	testCalled := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		testCalled = true
		tc.Fail("I should not get called")
		return nil
	}, trial.SetUp(func(tc *trial.T) *deferred.Deferred {
		return deferred.Fail(&trial.FailTest{Message: "i fail"})
	}))
	ft.expectError(t, "i fail")
	if n := ft.countTag("[FAIL]"); n != 0 {
		t.Errorf("failures = %d, want 0", n)
	}
	if n := ft.countTag("[ERROR]"); n != 1 {
		t.Errorf("errors = %d, want 1\n%s", n, ft.report())
	}
	if testCalled {
		t.Error("the test ran after setUp failed")
	}
}

// Ports test_deferred.py SetUpTests.test_callbackFail.
func TestSetUpTests_callbackFail(t *testing.T) {
	testCalled := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		testCalled = true
		return nil
	}, trial.SetUp(func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("value").AddCallback(func(any) (any, error) {
			tc.Fail("deliberate failure")
			return nil, nil
		})
	}))
	ft.expectError(t, "deliberate failure")
	if ft.countTag("[ERROR]") != 1 || ft.countTag("[FAIL]") != 0 || testCalled {
		t.Errorf("want exactly one error and no test run, got testCalled=%v\n%s", testCalled, ft.report())
	}
}

// Ports test_deferred.py SetUpTests.test_error.
func TestSetUpTests_error(t *testing.T) {
	testCalled := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		testCalled = true
		return nil
	}, trial.SetUp(func(tc *trial.T) *deferred.Deferred {
		return deferred.Fail(errors.New("deliberate error"))
	}))
	ft.expectError(t, "deliberate error")
	if ft.countTag("[ERROR]") != 1 || testCalled {
		t.Errorf("want one error and no test run\n%s", ft.report())
	}
}

// Ports test_deferred.py SetUpTests.test_skip.
func TestSetUpTests_skip(t *testing.T) {
	testCalled := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		testCalled = true
		return nil
	}, trial.SetUp(func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("value").AddCallback(func(any) (any, error) {
			tc.Skip("skip me")
			return nil, nil
		})
	}))
	ft.expectSkip(t, "skip me")
	if testCalled {
		t.Error("the test ran after setUp skipped")
	}
}

// Ports test_deferred.py NeverFireTests.test_setUp: a setUp Deferred that never fires is a
// timeout error, and the test does not run.
func TestNeverFireTests_setUp(t *testing.T) {
	testCalled := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		testCalled = true
		return nil
	}, trial.Timeout(100*time.Millisecond), trial.SetUp(func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil)
	}))
	ft.expectError(t, "*deferred.TimeoutError", "(setUp) still running at 0.1 secs")
	if ft.countTag("[ERROR]") != 1 || testCalled {
		t.Errorf("want one timeout error and no test run\n%s", ft.report())
	}
}

// ---- DeferredTests (test_deferred.py), on detests.py's DeferredTests ----

// Ports test_deferred.py DeferredTests.test_pass.
func TestDeferredTests_pass(t *testing.T) {
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("success")
	}).expectPass(t)
}

// Ports test_deferred.py DeferredTests.test_passInlineCallbacks: the body of an Inline test
// runs, awaiting on the test's reactor.
func TestDeferredTests_passInlineCallbacks(t *testing.T) {
	touched := false
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			d := deferred.New(nil)
			tc.Reactor().CallLater(0, func() { d.Callback("later") })
			v, err := c.Await(d)
			tc.NoError(err)
			tc.Equal(v, "later")
			touched = true
			return nil, nil
		})
	}).expectPass(t)
	if !touched {
		t.Error("the Inline body did not run to its end")
	}
}

// Ports test_deferred.py DeferredTests.test_fail.
func TestDeferredTests_fail(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Fail(&trial.FailTest{Message: "I fail"})
	})
	ft.expectFail(t, "I fail")
	if ft.countTag("[FAIL]") != 1 || ft.countTag("[ERROR]") != 0 {
		t.Errorf("want one failure\n%s", ft.report())
	}
}

// Ports test_deferred.py DeferredTests.test_failureInCallback: an assertion failing inside
// a callback fails the test.
func TestDeferredTests_failureInCallback(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("fail").AddCallback(func(v any) (any, error) {
			tc.Fail(v)
			return nil, nil
		})
	})
	ft.expectFail(t, "trial_test.go:", ": fail")
	if ft.countTag("[FAIL]") != 1 || ft.countTag("[ERROR]") != 0 {
		t.Errorf("want one failure\n%s", ft.report())
	}
}

// Ports test_deferred.py DeferredTests.test_errorInCallback.
func TestDeferredTests_errorInCallback(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("error").AddCallback(func(v any) (any, error) {
			return nil, fmt.Errorf("%v", v)
		})
	})
	ft.expectError(t, "*errors.errorString: error")
	if ft.countTag("[ERROR]") != 1 || ft.countTag("[FAIL]") != 0 {
		t.Errorf("want one error\n%s", ft.report())
	}
}

// Ports test_deferred.py DeferredTests.test_skip: a skip in a callback skips the test, and
// the callbacks after it do not run.
func TestDeferredTests_skip(t *testing.T) {
	touched := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("skip").AddCallback(func(v any) (any, error) {
			tc.Skip(v.(string))
			return nil, nil
		}).AddCallback(func(any) (any, error) {
			touched = true
			return nil, nil
		})
	})
	ft.expectSkip(t, "skip")
	if touched {
		t.Error("a callback after the skip ran")
	}
}

// Ports test_deferred.py DeferredTests.test_thread: a Deferred fired from the reactor's
// thread pool.
func TestDeferredTests_thread(t *testing.T) {
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return reactor.DeferToThread(tc.Reactor(), func() (any, error) { return nil, nil })
	}).expectPass(t)
}

// Ports test_deferred.py DeferredTests.test_todo: an expected failure passes and is logged
// as [TODO].
func TestDeferredTests_todo(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed("todo").AddCallback(func(v any) (any, error) {
			return nil, errors.New("todo")
		})
	}, trial.Todo("Expected failure"))
	ft.expectPass(t)
	if logs := ft.allLogs(); !strings.Contains(logs, "[TODO]") || !strings.Contains(logs, "Expected failure") {
		t.Errorf("no [TODO] log:\n%s", ft.report())
	}
}

// ---- TimeoutTests (test_deferred.py), on detests.py's TimeoutTests ----

// Ports test_deferred.py TimeoutTests.test_pass.
func TestTimeoutTests_pass(t *testing.T) {
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.New(nil)
		tc.Reactor().CallLater(0, func() { d.Callback("hoorj!") })
		return d
	}, trial.Timeout(2*time.Second)).expectPass(t)
}

// Ports test_deferred.py TimeoutTests.test_passDefault.
func TestTimeoutTests_passDefault(t *testing.T) {
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.New(nil)
		tc.Reactor().CallLater(0, func() { d.Callback("hoorj!") })
		return d
	}).expectPass(t)
}

// Ports test_deferred.py TimeoutTests.test_timeout: a test that never fires ends at its
// timeout with a clear message.
func TestTimeoutTests_timeout(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil)
	}, trial.Timeout(100*time.Millisecond))
	ft.expectError(t, "*deferred.TimeoutError", "TestTimeoutTests_timeout/inner (test) still running at 0.1 secs")
	if ft.countTag("[ERROR]") != 1 {
		t.Errorf("want one error\n%s", ft.report())
	}
}

// Ports test_deferred.py TimeoutTests.test_timeoutZero.
func TestTimeoutTests_timeoutZero(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil)
	}, trial.Timeout(0))
	ft.expectError(t, "still running at 0.0 secs")
	if ft.countTag("[ERROR]") != 1 {
		t.Errorf("want one error\n%s", ft.report())
	}
}

// Ports test_deferred.py TimeoutTests.test_skip: a skipped test does not run, timeout or
// not.
func TestTimeoutTests_skip(t *testing.T) {
	ran := false
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		ran = true
		return deferred.New(nil)
	}, trial.Timeout(100*time.Millisecond), trial.Skip("i will get it right, eventually")).
		expectSkip(t, "i will get it right, eventually")
	if ran {
		t.Error("a skipped test ran")
	}
}

// Ports test_deferred.py TimeoutTests.test_todo: a timeout is an expected failure of a todo
// test.
func TestTimeoutTests_todo(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil)
	}, trial.Timeout(100*time.Millisecond), trial.Todo("i will get it right, eventually"))
	ft.expectPass(t)
	if logs := ft.allLogs(); !strings.Contains(logs, "[TODO]") || !strings.Contains(logs, "TimeoutError") {
		t.Errorf("the timeout was not an expected failure:\n%s", ft.report())
	}
}

// Ports test_deferred.py TimeoutTests.test_errorPropagation: the test's own errbacks see
// the timeout first.
func TestTimeoutTests_errorPropagation(t *testing.T) {
	var timedOut *failure.Failure
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil).AddErrback(func(f *failure.Failure) (any, error) {
			timedOut = f
			return nil, f
		})
	}, trial.Timeout(100*time.Millisecond))
	ft.expectError(t, "still running")
	if timedOut == nil || timedOut.Check(deferred.ErrTimeout) == nil {
		t.Errorf("the test's errback saw %v, want a TimeoutError", timedOut)
	}
}

// Ports test_deferred.py TimeoutTests.test_callbackReturnsNonCallingDeferred, on
// detests.py's test_calledButNeverCallback: the test's Deferred was called but waits on
// one that never fires, so it cannot be errbacked; trial stops the loop and reports the
// timeout itself.
func TestTimeoutTests_callbackReturnsNonCallingDeferred(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.New(nil)
		d.AddCallback(func(any) (any, error) { return deferred.New(nil), nil })
		d.Callback(1)
		return d
	}, trial.Timeout(100*time.Millisecond))
	ft.expectError(t, "*deferred.TimeoutError", "(test) still running at 0.1 secs")
}

// classTimeout is detests.py's TestClassTimeoutAttribute.
type classTimeout struct {
	d            *deferred.Deferred
	methodCalled bool
}

func (s *classTimeout) SetUp(tc *trial.T) *deferred.Deferred {
	s.d = deferred.New(nil)
	return nil
}

func (s *classTimeout) TestMethod(tc *trial.T) *deferred.Deferred {
	s.methodCalled = true
	return s.d
}

// Ports test_deferred.py TimeoutTests.test_classTimeout: a timeout for every method of a
// suite.
func TestTimeoutTests_classTimeout(t *testing.T) {
	fs := runFakeSuite(t, &classTimeout{}, true, trial.Timeout(200*time.Millisecond))
	fs.sub["TestMethod"].expectError(t, "TestMethod (TestMethod) still running at 0.2 secs")
}

// SetTimeout re-arms the running step's timer.
func TestSetTimeout(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.New(nil)
		tc.Reactor().CallLater(0, func() { tc.SetTimeout(50 * time.Millisecond) })
		return d
	})
	ft.expectError(t, "(test) still running at 0.05 secs")
}

// The timeout ends before go test's own deadline, so a stuck test is reported by trial
// (and its reactor cleaned) instead of by the test binary's panic.
func TestTimeoutCappedByDeadline(t *testing.T) {
	ft := &fakeTB{name: "capped", tempDir: t.TempDir(), deadline: time.Now().Add(2100 * time.Millisecond)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		trial.Run(ft, func(tc *trial.T) *deferred.Deferred { return deferred.New(nil) })
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the deadline did not cap the 120 s default timeout")
	}
	ft.expectError(t, "*deferred.TimeoutError", "(test) still running at")
}

// ---- AddCleanupMixin (test_tests.py), on skipping.py's *AddCleanup classes ----

// addCleanupCase is skipping.py's AddCleanup fixture: it logs each step.
type addCleanupCase struct {
	log           []string
	brokenSetUp   bool
	skippingSetUp bool
}

func (c *addCleanupCase) options(async bool, extra ...trial.Option) []trial.Option {
	return append([]trial.Option{
		trial.SetUp(func(tc *trial.T) *deferred.Deferred {
			c.log = append(c.log, "setUp")
			if c.brokenSetUp {
				panic(errFoolish)
			}
			if c.skippingSetUp {
				tc.Skip("Raising SkipTest")
			}
			return nil
		}),
		trial.TearDown(func(tc *trial.T) *deferred.Deferred {
			c.log = append(c.log, "tearDown")
			return nil
		}),
	}, extra...)
}

func (c *addCleanupCase) appendLater(msg string) func() *deferred.Deferred {
	return func() *deferred.Deferred {
		c.log = append(c.log, msg)
		return nil
	}
}

// runCleanupCase runs body as the test method, in Run (async) or Sync form.
func runCleanupCase(t *testing.T, c *addCleanupCase, async bool, body func(tc *trial.T)) *fakeTB {
	t.Helper()
	if async {
		return runTrial(t, func(tc *trial.T) *deferred.Deferred {
			c.log = append(c.log, "runTest")
			body(tc)
			return nil
		}, c.options(true)...)
	}
	return runSyncTrial(t, func(tc *trial.T) {
		c.log = append(c.log, "runTest")
		body(tc)
	}, c.options(false)...)
}

func forBoth(t *testing.T, f func(t *testing.T, async bool)) {
	t.Run("Synchronous", func(t *testing.T) { f(t, false) })
	t.Run("Asynchronous", func(t *testing.T) { f(t, true) })
}

func equalLog(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("log = %q, want %q", got, want)
	}
}

// Ports test_tests.py AddCleanupMixin.test_addCleanupCalledIfSetUpFails.
func TestAddCleanup_calledIfSetUpFails(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		c := &addCleanupCase{brokenSetUp: true}
		opts := append(c.options(async), trial.SetUp(func(tc *trial.T) *deferred.Deferred {
			c.log = append(c.log, "setUp")
			tc.AddCleanup(c.appendLater("foo"))
			panic(errFoolish)
		}))
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }, opts...)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {}, opts...)
		}
		ft.expectError(t, "I am a broken setUp method")
		equalLog(t, c.log, "setUp", "foo")
	})
}

// Ports test_tests.py AddCleanupMixin.test_addCleanupCalledIfSetUpSkips.
func TestAddCleanup_calledIfSetUpSkips(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		c := &addCleanupCase{}
		opts := append(c.options(async), trial.SetUp(func(tc *trial.T) *deferred.Deferred {
			c.log = append(c.log, "setUp")
			tc.AddCleanup(c.appendLater("foo"))
			tc.Skip("Raising SkipTest")
			return nil
		}))
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }, opts...)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {}, opts...)
		}
		ft.expectSkip(t, "Raising SkipTest")
		equalLog(t, c.log, "setUp", "foo")
	})
}

// Ports test_tests.py AddCleanupMixin.test_addCleanupCalledInReverseOrder: cleanups run
// last-added first, before tearDown.
func TestAddCleanup_calledInReverseOrder(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		c := &addCleanupCase{}
		ft := runCleanupCase(t, c, async, func(tc *trial.T) {
			tc.AddCleanup(c.appendLater("foo"))
			tc.AddCleanup(c.appendLater("bar"))
		})
		ft.expectPass(t)
		equalLog(t, c.log, "setUp", "runTest", "bar", "foo", "tearDown")
	})
}

// Ports test_tests.py AddCleanupMixin.test_errorInCleanupIsCaptured: a failing cleanup is
// an error (even a FailTest), and fails the test.
func TestAddCleanup_errorInCleanupIsCaptured(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		c := &addCleanupCase{}
		ft := runCleanupCase(t, c, async, func(tc *trial.T) {
			tc.AddCleanup(func() *deferred.Deferred { tc.Fail("foo"); return nil })
		})
		ft.expectError(t, "foo")
		if ft.countTag("[ERROR]") != 1 || ft.countTag("[FAIL]") != 0 {
			t.Errorf("want one error\n%s", ft.report())
		}
	})
}

// Ports test_tests.py AddCleanupMixin.test_cleanupsContinueRunningAfterError.
func TestAddCleanup_cleanupsContinueRunningAfterError(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		c := &addCleanupCase{}
		ft := runCleanupCase(t, c, async, func(tc *trial.T) {
			tc.AddCleanup(c.appendLater("foo"))
			tc.AddCleanup(func() *deferred.Deferred { tc.Fail("bar"); return nil })
		})
		equalLog(t, c.log, "setUp", "runTest", "foo", "tearDown")
		ft.expectError(t, "bar")
		if ft.countTag("[ERROR]") != 1 {
			t.Errorf("want one error\n%s", ft.report())
		}
	})
}

// Ports test_tests.py AddCleanupMixin.test_multipleErrorsReported: every failing cleanup
// is reported, in the order the cleanups ran.
func TestAddCleanup_multipleErrorsReported(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		c := &addCleanupCase{}
		ft := runCleanupCase(t, c, async, func(tc *trial.T) {
			tc.AddCleanup(func() *deferred.Deferred { tc.Fail("foo"); return nil })
			tc.AddCleanup(func() *deferred.Deferred { tc.Fail("bar"); return nil })
		})
		equalLog(t, c.log, "setUp", "runTest", "tearDown")
		errs := ft.allErrors()
		if ft.countTag("[ERROR]") != 2 || strings.Index(errs, "bar") > strings.Index(errs, "foo") {
			t.Errorf("want errors bar then foo\n%s", ft.report())
		}
	})
}

// Ports test_tests.py AsynchronousAddCleanupTests.test_addCleanupWaitsForDeferreds: a
// cleanup's Deferred is waited for before the next cleanup runs.
func TestAsynchronousAddCleanup_waitsForDeferreds(t *testing.T) {
	c := &addCleanupCase{}
	ft := runCleanupCase(t, c, true, func(tc *trial.T) {
		tc.AddCleanup(c.appendLater("foo"))
		tc.AddCleanup(func() *deferred.Deferred {
			d := deferred.New(nil)
			tc.Reactor().CallLater(0, func() { d.Callback("bar") })
			return d.AddCallback(func(v any) (any, error) {
				c.log = append(c.log, v.(string))
				return nil, nil
			})
		})
	})
	ft.expectPass(t)
	equalLog(t, c.log, "setUp", "runTest", "bar", "foo", "tearDown")
}

// The order the issue names, with setUp and tearDown returning Deferreds too: setUp,
// test, cleanup2, cleanup1, tearDown, each step waiting for the previous one's Deferred.
func TestOrderWithDeferredSteps(t *testing.T) {
	var log []string
	later := func(tc *trial.T, what string) *deferred.Deferred {
		d := deferred.New(nil)
		tc.Reactor().CallLater(time.Millisecond, func() {
			log = append(log, what)
			d.Callback(nil)
		})
		return d
	}
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.AddCleanup(func() *deferred.Deferred { return later(tc, "cleanup1") })
		tc.AddCleanup(func() *deferred.Deferred { return later(tc, "cleanup2") })
		return later(tc, "test")
	}, trial.SetUp(func(tc *trial.T) *deferred.Deferred { return later(tc, "setUp") }),
		trial.TearDown(func(tc *trial.T) *deferred.Deferred { return later(tc, "tearDown") }),
	).expectPass(t)
	equalLog(t, log, "setUp", "test", "cleanup2", "cleanup1", "tearDown")
}

// A cleanup whose Deferred never fires times out like any step (Twisted would hang).
func TestCleanupTimeout(t *testing.T) {
	tornDown := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.AddCleanup(func() *deferred.Deferred { return deferred.New(nil) })
		return nil
	}, trial.Timeout(50*time.Millisecond), trial.TearDown(func(tc *trial.T) *deferred.Deferred {
		tornDown = true
		return nil
	}))
	ft.expectError(t, "(cleanup) still running at 0.05 secs")
	if !tornDown {
		t.Error("tearDown did not run after the cleanup timed out")
	}
}

// ---- FixtureMixin (test_tests.py), on erroneous.py's TestFailureIn* classes ----

// Ports test_tests.py FixtureMixin.test_brokenSetUp.
func TestFixture_brokenSetUp(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		setUp := trial.SetUp(func(tc *trial.T) *deferred.Deferred { panic(errFoolish) })
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }, setUp)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {}, setUp)
		}
		ft.expectError(t, "I am a broken setUp method")
	})
}

// Ports test_tests.py FixtureMixin.test_brokenTearDown.
func TestFixture_brokenTearDown(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		tearDown := trial.TearDown(func(tc *trial.T) *deferred.Deferred {
			return deferred.Fail(errors.New("I am a broken tearDown method"))
		})
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }, tearDown)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {
				// In a synchronous test a returned Deferred is ignored; panic instead.
			}, trial.TearDown(func(tc *trial.T) *deferred.Deferred {
				panic(errors.New("I am a broken tearDown method"))
			}))
		}
		ft.expectError(t, "I am a broken tearDown method")
	})
}

// Ports test_tests.py FixtureMixin.test_tearDownRunsOnTestFailure.
func TestFixture_tearDownRunsOnTestFailure(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		tornDown := false
		tearDown := trial.TearDown(func(tc *trial.T) *deferred.Deferred { tornDown = true; return nil })
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { panic(errFoolish) }, tearDown)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) { panic(errFoolish) }, tearDown)
		}
		ft.expectError(t, "I am a broken setUp method")
		if !tornDown {
			t.Error("tearDown did not run after the test failed")
		}
	})
}

// ---- Skip, Todo and StrictTodo (test_tests.py), on skipping.py ----

// Ports test_tests.py SkipMethodsMixin.test_results and test_reasons: a test skipped by
// Skip is reported as skipped, with its reason, and not as a failure.
func TestSkipMethods(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { tc.Skip("skip1"); return nil })
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) { tc.Skip("skip1") })
		}
		ft.expectSkip(t, "skip1")
	})
}

// Ports test_tests.py SkipMethodsMixin.test_setUp: setUp raising SkipTest skips the test.
func TestSkipMethods_setUp(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		ran := false
		setUp := trial.SetUp(func(tc *trial.T) *deferred.Deferred { tc.Skip("skipSetUp"); return nil })
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { ran = true; return nil }, setUp)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) { ran = true }, setUp)
		}
		ft.expectSkip(t, "skipSetUp")
		if ran {
			t.Error("the test ran after setUp skipped")
		}
	})
}

// Ports test_tests.py SkipClassesMixin.test_setUpRan and test_reasons: a suite-wide skip
// prevents setUp, and a method's own skip reason wins over nothing else running.
func TestSkipClasses(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		s := &skippedClass{}
		fs := runFakeSuite(t, s, async, trial.Skip("class"))
		for name, ft := range fs.sub {
			ft.expectSkip(t, "class")
			_ = name
		}
		if len(fs.sub) != 4 {
			t.Errorf("ran %d methods, want 4", len(fs.sub))
		}
		if s.setUpRan {
			t.Error("setUp ran in a skipped suite")
		}
	})
}

// skippedClass is skipping.py's SkippedClass.
type skippedClass struct{ setUpRan bool }

func (s *skippedClass) SetUp(tc *trial.T)     { s.setUpRan = true }
func (s *skippedClass) TestSkip1(tc *trial.T) { tc.Skip("skip1") }
func (s *skippedClass) TestSkip2(tc *trial.T) { tc.Skip("skip2") }
func (s *skippedClass) TestSkip3(tc *trial.T) {}
func (s *skippedClass) TestSkip4(tc *trial.T) {}

// Ports test_tests.py TodoMixin.test_results, test_expectedFailures and
// test_unexpectedSuccesses: failures and errors of todo tests are expected; a todo test
// that passes is an unexpected success; none of them fails the test.
func TestTodo(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		cases := []struct {
			name   string
			reason string
			body   func(tc *trial.T)
			tag    string
		}{
			{"todo1", "todo1", func(tc *trial.T) { tc.Fail("deliberate failure") }, "[TODO]"},
			{"todo2", "todo2", func(tc *trial.T) { panic(errors.New("deliberate error")) }, "[TODO]"},
			{"todo3", "todo3", func(tc *trial.T) {}, "[SUCCESS!?!]"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var ft *fakeTB
				if async {
					ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { c.body(tc); return nil }, trial.Todo(c.reason))
				} else {
					ft = runSyncTrial(t, c.body, trial.Todo(c.reason))
				}
				ft.expectPass(t)
				logs := ft.allLogs()
				if !strings.HasPrefix(logs, c.tag) || !strings.Contains(logs, "reason: "+c.reason) {
					t.Errorf("want a %s log with reason %q, got\n%s", c.tag, c.reason, ft.report())
				}
			})
		}
	})
}

// T.Todo marks the running test, like the option.
func TestTodoMethod(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred {
				tc.Todo("not yet")
				return deferred.Fail(errors.New("boom"))
			})
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {
				tc.Todo("not yet")
				tc.Fail("boom")
			})
		}
		ft.expectPass(t)
		if !strings.Contains(ft.allLogs(), "[TODO]") {
			t.Errorf("no [TODO] log\n%s", ft.report())
		}
	})
}

// Ports test_tests.py TodoMixin.test_expectedSetUpFailure: todo does not cover setUp.
func TestTodo_expectedSetUpFailure(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		opts := []trial.Option{trial.Todo("setUp todo test"),
			trial.SetUp(func(tc *trial.T) *deferred.Deferred { panic(errors.New("deliberate failure")) })}
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }, opts...)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {}, opts...)
		}
		ft.expectError(t, "deliberate failure")
		if ft.countTag("[ERROR]") != 1 || strings.Contains(ft.allLogs(), "[TODO]") || strings.Contains(ft.allLogs(), "[SUCCESS!?!]") {
			t.Errorf("want one error and no todo outcome\n%s", ft.report())
		}
	})
}

// Ports test_tests.py TodoMixin.test_expectedTearDownFailure: todo does not cover
// tearDown; the test method itself passed, so it is also an unexpected success.
func TestTodo_expectedTearDownFailure(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		opts := []trial.Option{trial.Todo("tearDown todo test"),
			trial.TearDown(func(tc *trial.T) *deferred.Deferred { panic(errors.New("deliberate failure")) })}
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }, opts...)
		} else {
			ft = runSyncTrial(t, func(tc *trial.T) {}, opts...)
		}
		ft.expectError(t, "deliberate failure")
		if ft.countTag("[ERROR]") != 1 || !strings.Contains(ft.allLogs(), "[SUCCESS!?!]") {
			t.Errorf("want one error and an unexpected success\n%s", ft.report())
		}
	})
}

// strictError is a stand-in for the RuntimeError/SyntaxError pair of skipping.py's
// StrictTodo.
type strictError struct{ kind string }

func (e *strictError) Error() string { return e.kind }

var (
	errRuntime = &strictError{"RuntimeError"}
	errSyntax  = &strictError{"SyntaxError"}
	errOther   = errors.New("other")
)

// Ports test_tests.py StrictTodoMixin.test_results: a todo naming error types only
// expects those; another error is an error, a FailTest not listed is a failure.
func TestStrictTodo(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		cases := []struct {
			name  string
			types []error
			body  func(tc *trial.T)
			want  string // "todo", "success!?!", "error", "fail"
		}{
			{"todo1", []error{errRuntime}, func(tc *trial.T) { panic(errRuntime) }, "todo"},
			{"todo2", []error{errSyntax, errRuntime}, func(tc *trial.T) { panic(errRuntime) }, "todo"},
			{"todo3", []error{errRuntime}, func(tc *trial.T) { panic(errOther) }, "error"},
			{"todo4", []error{errSyntax, errRuntime}, func(tc *trial.T) { panic(errOther) }, "error"},
			{"todo5", []error{failure.Type[*trial.FailTest]()}, func(tc *trial.T) { tc.Fail("i fail") }, "todo"},
			{"todo6", []error{errRuntime}, func(tc *trial.T) { tc.Fail("i fail") }, "fail"},
			{"todo7", []error{errRuntime}, func(tc *trial.T) {}, "success!?!"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var ft *fakeTB
				opt := trial.Todo(c.name, c.types...)
				if async {
					ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { c.body(tc); return nil }, opt)
				} else {
					ft = runSyncTrial(t, c.body, opt)
				}
				switch c.want {
				case "todo":
					ft.expectPass(t)
					if !strings.Contains(ft.allLogs(), "[TODO]") {
						t.Errorf("want an expected failure\n%s", ft.report())
					}
				case "success!?!":
					ft.expectPass(t)
					if !strings.Contains(ft.allLogs(), "[SUCCESS!?!]") {
						t.Errorf("want an unexpected success\n%s", ft.report())
					}
				case "error":
					ft.expectError(t, "other")
				case "fail":
					ft.expectFail(t, "i fail")
				}
			})
		}
	})
}

// ---- ReactorCleanupTests (test_tests.py), on erroneous.py ----

// Ports test_tests.py ReactorCleanupTests.test_leftoverSockets: a listening port left open
// is a DirtyReactorAggregateError naming it, and the janitor closes it.
func TestReactorCleanupTests_leftoverSockets(t *testing.T) {
	var addr net.Addr
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		port := trial.Must(tc.Reactor().ListenTCP(0, newEchoFactory(), reactor.Interface("127.0.0.1")))
		addr = port.GetHost()
		return nil
	})
	ft.expectError(t, "*trial.DirtyReactorAggregateError", "Reactor was unclean.\nSelectables:\n")
	expectClosed(t, addr)
}

// Ports test_tests.py ReactorCleanupTests.test_leftoverPendingCalls.
func TestReactorCleanupTests_leftoverPendingCalls(t *testing.T) {
	ran := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.Reactor().CallLater(10000*time.Second, func() { ran = true })
		return nil
	})
	ft.expectError(t, "Reactor was unclean.\nDelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)\n<DelayedCall ")
	if ran {
		t.Error("the leftover call ran")
	}
}

// A leftover CallLater(0) gets its chance during the janitor's two iterations, so the
// reactor is clean (observed with real trial).
func TestReactorCleanup_shortCallPasses(t *testing.T) {
	ran := false
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.Reactor().CallLater(0, func() { ran = true })
		return nil
	}).expectPass(t)
	if !ran {
		t.Error("the janitor did not spin the reactor")
	}
}

// A suspended Inline coroutine left behind is reported and stopped (Go-specific).
func TestReactorCleanup_suspendedCoroutine(t *testing.T) {
	var awaitErr error
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		deferred.Inline(func(c *deferred.Co) (any, error) {
			_, awaitErr = c.Await(deferred.New(nil))
			return nil, nil
		})
		return nil
	})
	ft.expectError(t, "Suspended Inline coroutines:\n<Inline coroutine started at ")
	if !errors.Is(awaitErr, deferred.ErrCoroutineStopped) {
		t.Errorf("the coroutine was not stopped: Await returned %v", awaitErr)
	}
}

// A coroutine that was already suspended when the test started is not the test's: it is
// neither reported nor stopped (coroutines are tracked process-wide, not per reactor; see
// the janitor).
func TestReactorCleanup_coroutineSuspendedBefore(t *testing.T) {
	outside := deferred.New(nil)
	var awaitErr error
	resumed := false
	deferred.Inline(func(c *deferred.Co) (any, error) {
		_, awaitErr = c.Await(outside)
		resumed = true
		return nil, nil
	})
	runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }).expectPass(t)
	if resumed {
		t.Fatalf("the janitor stopped a coroutine suspended before the test: %v", awaitErr)
	}
	outside.Callback(nil)
	if !resumed || awaitErr != nil {
		t.Errorf("the coroutine did not resume normally: resumed=%v err=%v", resumed, awaitErr)
	}
}

// Unfinished CallInThread work is reported (Go-specific).
func TestReactorCleanup_threadWork(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		started := deferred.New(nil)
		r := tc.Reactor()
		r.CallInThread(func() {
			r.CallFromThread(func() { started.Callback(nil) })
			<-release
		})
		return started
	})
	ft.expectError(t, "Thread pool: 1 CallInThread function(s) still queued or running")
}

// ---- Assertions inside callbacks, FailNow, stopped reactors ----

// A failed assertion inside a callback fails the test, and the reactor is still cleaned:
// the port and the timer the test left are reported and closed.
func TestFailedAssertionInCallbackCleansReactor(t *testing.T) {
	var addr net.Addr
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		port := trial.Must(tc.Reactor().ListenTCP(0, newEchoFactory(), reactor.Interface("127.0.0.1")))
		addr = port.GetHost()
		tc.Reactor().CallLater(time.Hour, func() {})
		d := deferred.New(nil)
		tc.Reactor().CallLater(0, func() { d.Callback(1) })
		return d.AddCallback(func(v any) (any, error) {
			tc.Equal(v, 2)
			return nil, nil
		})
	})
	ft.expectFail(t, "not equal:\na = 1\nb = 2")
	ft.expectError(t, "DelayedCalls:", "Selectables:")
	expectClosed(t, addr)
}

// t.FailNow called inside a reactor callback is reported as such (not a hang, not a
// crash of the test binary), and the reactor is cleaned.
func TestFailNowInsideCallback(t *testing.T) {
	var addr net.Addr
	ft := runFake(t, "failnow", func(tb testing.TB) {
		trial.Run(tb, func(tc *trial.T) *deferred.Deferred {
			port := trial.Must(tc.Reactor().ListenTCP(0, newEchoFactory(), reactor.Interface("127.0.0.1")))
			addr = port.GetHost()
			d := deferred.New(nil)
			tc.Reactor().CallLater(0, func() {
				tb.Errorf("about to FailNow")
				tb.FailNow()
			})
			return d
		})
	})
	ft.expectError(t, "t.FailNow", "was called inside the reactor loop or the Deferred chain during test of failnow")
	ft.expectError(t, "Selectables:")
	expectClosed(t, addr)
	if !ft.exited {
		t.Error("FailNow did not end the test goroutine")
	}
}

// t.FailNow inside an Inline body (another goroutine under iter.Pull, whose Goexit
// reaches the test goroutine) is detected the same way.
func TestFailNowInsideInline(t *testing.T) {
	ft := runFake(t, "failnow-inline", func(tb testing.TB) {
		trial.Run(tb, func(tc *trial.T) *deferred.Deferred {
			return deferred.Inline(func(c *deferred.Co) (any, error) {
				d := deferred.New(nil)
				tc.Reactor().CallLater(0, func() { d.Callback(nil) })
				c.Await(d)
				tb.FailNow()
				return nil, nil
			})
		})
	})
	ft.expectError(t, "t.FailNow", "was called inside the reactor loop")
}

// t.SkipNow inside a callback is named as such.
func TestSkipNowInsideCallback(t *testing.T) {
	ft := runFake(t, "skipnow", func(tb testing.TB) {
		trial.Run(tb, func(tc *trial.T) *deferred.Deferred {
			return deferred.Succeed(nil).AddCallback(func(any) (any, error) {
				tb.SkipNow()
				return nil, nil
			})
		})
	})
	ft.expectError(t, "t.SkipNow (t.Skip) was called inside the reactor loop")
}

// Stopping the test's reactor is an error, not a hang.
func TestReactorStopped(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.Reactor().CallLater(0, func() { tc.Reactor().Stop() })
		return deferred.New(nil)
	})
	ft.expectError(t, "*trial.ReactorStoppedError", "tests must not call Stop or Crash")
}

// ---- Logged errors and unhandled Deferreds ----

// An error logged and not flushed fails the test (test_log.py's observer tests; trial's
// _LogObserver).
func TestLoggedErrorFailsTest(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		body := func(tc *trial.T) {
			deferred.LogError(failure.New(errors.New("logged and forgotten")))
		}
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { body(tc); return nil })
		} else {
			ft = runSyncTrial(t, body)
		}
		ft.expectError(t, "logged and forgotten")
	})
}

// A plain slog error record with an error attribute counts as a logged error too.
func TestSlogErrorFailsTest(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		slog.Error("something broke", "err", errors.New("disk on fire"))
		slog.Info("harmless", "n", 1)
		return nil
	})
	ft.expectError(t, "disk on fire")
	if logs := ft.allLogs(); !strings.Contains(logs, "log: INFO harmless n=1") || !strings.Contains(logs, "log: ERROR something broke") {
		t.Errorf("records were not forwarded to the test log:\n%s", ft.report())
	}
}

// Flushed errors do not fail the test (Twisted's flushLoggedErrors), and flushing by type
// leaves the others.
func TestFlushLoggedErrors(t *testing.T) {
	errA := errors.New("a")
	errB := &strictError{"b"}
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		deferred.LogError(failure.New(errA))
		deferred.LogError(failure.New(errB))
		deferred.LogError(failure.New(errB))
		flushed := tc.FlushLoggedErrors(failure.Type[*strictError]())
		tc.Equal(len(flushed), 2)
		tc.Equal(len(tc.FlushLoggedErrors()), 1)
		return nil
	})
	ft.expectPass(t)
}

// An error logged by the reactor (a panic in a CallLater function) fails the test.
func TestReactorLoggedErrorFailsTest(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.New(nil)
		tc.Reactor().CallLater(0, func() { panic("timer exploded") })
		tc.Reactor().CallLater(time.Millisecond, func() { d.Callback(nil) })
		return d
	})
	ft.expectError(t, "timer exploded")
}

// Ports test_tests.py UnhandledDeferredTests.test_isReported: a Deferred collected with an
// unhandled failure is an error of the test that leaked it.
func TestUnhandledDeferredTests_isReported(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		body := func(tc *trial.T) {
			deferred.Fail(errors.New("nobody handles me"))
		}
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { body(tc); return nil })
		} else {
			ft = runSyncTrial(t, body)
		}
		ft.expectError(t, "nobody handles me")
	})
}

// A Deferred failure consumed by FailureResultOf is handled, so it is not reported.
func TestUnhandledDeferred_consumedIsNotReported(t *testing.T) {
	runSyncTrial(t, func(tc *trial.T) {
		tc.FailureResultOf(deferred.Fail(errors.New("handled")))
	}).expectPass(t)
}

// ---- testify, Errorf, Patch, Mktemp ----

// *trial.T's Errorf records a failure and the test goes on.
func TestErrorfContinues(t *testing.T) {
	reached := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		tc.Errorf("first problem: %d", 1)
		reached = true
		return nil
	})
	ft.expectFail(t, "first problem: 1")
	if !reached {
		t.Error("Errorf stopped the test")
	}
}

var patched = "original"

// Ports test_tests.py MonkeyPatchMixin.test_patch and test_patchRestoredAfterRun.
func TestPatch(t *testing.T) {
	forBoth(t, func(t *testing.T, async bool) {
		body := func(tc *trial.T) {
			tc.Patch(&patched, "patched")
			tc.Equal(patched, "patched")
		}
		var ft *fakeTB
		if async {
			ft = runTrial(t, func(tc *trial.T) *deferred.Deferred { body(tc); return nil })
		} else {
			ft = runSyncTrial(t, body)
		}
		ft.expectPass(t)
		if patched != "original" {
			t.Errorf("patched = %q after the test, want it restored", patched)
		}
	})
}

// Ports test_util.py MktempTests.test_unique.
func TestMktemp(t *testing.T) {
	runSyncTrial(t, func(tc *trial.T) {
		a, b := tc.Mktemp(), tc.Mktemp()
		tc.NotEqual(a, b)
	}).expectPass(t)
}

// ---- helpers ----

type echo struct{ reactor.BaseProtocol }

func (e *echo) DataReceived(data []byte) { e.Transport.Write(data) }

func newEchoFactory() *testFactory {
	return &testFactory{newProto: func() reactor.Protocol { return &echo{} }}
}

// expectClosed checks nothing listens at addr any more.
func expectClosed(t *testing.T, addr net.Addr) {
	t.Helper()
	if addr == nil {
		t.Fatal("the test did not record its port's address")
	}
	c, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the test: the janitor did not close it", addr)
	}
}

// requireT is testify's require.TestingT (assert.TestingT is its Errorf alone).
type requireT interface {
	Errorf(format string, args ...any)
	FailNow()
}

// requireEqual does what testify's require.Equal does with its TestingT.
func requireEqual(t requireT, want, got any, msg string) {
	if want != got {
		t.Errorf("Not equal: expected %v, actual %v: %s", want, got, msg)
		t.FailNow()
	}
}

// *trial.T is a testify TestingT: require.X(tc, ...) fails the test from inside a
// callback without unwinding the loop (FailNow panics with a FailTest), and
// assert.X(tc, ...) (Errorf alone) records the failure and goes on.
func TestTestifyStyleWithT(t *testing.T) {
	reached := false
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed(1).AddCallback(func(v any) (any, error) {
			var rt requireT = tc
			rt.Errorf("assert goes on")
			reached = true
			requireEqual(rt, 2, v, "require stops")
			t.Error("require did not stop the callback")
			return nil, nil
		})
	})
	ft.expectFail(t, "assert goes on")
	ft.expectFail(t, "Not equal: expected 2, actual 1: require stops")
	ft.expectFail(t, "FailNow called")
	if !reached {
		t.Error("Errorf stopped the callback")
	}
}

// A test that never fires its Deferred ends at its timeout with a clear message, and the
// reactor is still cleaned: the port it opened is reported and closed.
func TestNeverFiringTestCleansReactor(t *testing.T) {
	var addr net.Addr
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		port := trial.Must(tc.Reactor().ListenTCP(0, newEchoFactory(), reactor.Interface("127.0.0.1")))
		addr = port.GetHost()
		return deferred.New(nil)
	}, trial.Timeout(100*time.Millisecond))
	ft.expectError(t, "(test) still running at 0.1 secs")
	ft.expectError(t, "Selectables:")
	expectClosed(t, addr)
}

// Ports test_tests.py UnhandledDeferredTests.test_doesntBleed: the leak is reported in
// the test that made it, and the next test is clean.
func TestUnhandledDeferredTests_doesntBleed(t *testing.T) {
	runTrial(t, func(tc *trial.T) *deferred.Deferred {
		deferred.Fail(errors.New("leaked here"))
		return nil
	}).expectError(t, "leaked here")
	runTrial(t, func(tc *trial.T) *deferred.Deferred { return nil }).expectPass(t)
}

// An assertion failing in an Inline body after an Await fails the test.
func TestAssertionInInline(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			d := deferred.New(nil)
			tc.Reactor().CallLater(0, func() { d.Callback(41) })
			v, err := deferred.Await[int](c, d)
			tc.NoError(err)
			tc.Equal(v, 42)
			return nil, nil
		})
	})
	ft.expectFail(t, "not equal:\na = 41\nb = 42")
}

// The timeout reaches the test's errback, but that errback waits on a Deferred that never
// fires: Twisted would hang; trial waits the timeout again, stops the loop and reports.
func TestTimeoutStuckInErrback(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil).AddErrback(func(f *failure.Failure) (any, error) {
			return deferred.New(nil), nil
		})
	}, trial.Timeout(50*time.Millisecond))
	ft.expectError(t, "(test) still running at 0.05 secs")
}

// An errback that takes a while after the timeout is waited for, and trial's own timers
// do not count as leftovers.
func TestTimeoutSlowErrback(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil).AddErrback(func(f *failure.Failure) (any, error) {
			d := deferred.New(nil)
			tc.Reactor().CallLater(10*time.Millisecond, func() { d.Errback(f) })
			return d, nil
		})
	}, trial.Timeout(50*time.Millisecond))
	ft.expectError(t, "(test) still running at 0.05 secs")
	if n := ft.countTag("[ERROR]"); n != 1 {
		t.Errorf("want only the timeout error, got\n%s", ft.report())
	}
}

// In a synchronous test t.FailNow is harmless: the test fails, what trial recorded is
// still reported, and the log capture is removed.
func TestSyncFailNow(t *testing.T) {
	ft := runFake(t, "sync-failnow", func(tb testing.TB) {
		trial.Sync(tb, func(tc *trial.T) {
			deferred.LogError(failure.New(errors.New("logged before FailNow")))
			tc.Errorf("recorded")
			tb.FailNow()
		})
	})
	ft.expectFail(t, "recorded")
	ft.expectError(t, "logged before FailNow")
	if !ft.exited {
		t.Error("FailNow did not end the goroutine")
	}
	// The capture is gone: the next trial test starts from a clean slate.
	runSyncTrial(t, func(tc *trial.T) {}).expectPass(t)
}
