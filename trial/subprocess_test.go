package trial_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/trial"
)

// The tests in this file run this test binary again with TRIAL_HELPER set, so that a real
// *testing.T fails (or calls FailNow inside the loop) and the outer test reads what go test
// printed: the failure is observed, not suffered.

const helperEnv = "TRIAL_HELPER"

// runHelper runs the named helper test in a subprocess and returns its output and whether
// it passed.
func runHelper(t *testing.T, name string) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s: %v", name, err)
	}
	return string(out), err == nil
}

func helperOnly(t *testing.T) {
	if os.Getenv(helperEnv) != t.Name() {
		t.Skip("helper for a subprocess test")
	}
}

// TestHelperFailNowInCallback calls the real t.FailNow inside a reactor callback.
func TestHelperFailNowInCallback(t *testing.T) {
	helperOnly(t)
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.New(nil)
		tc.Reactor().CallLater(0, func() { t.Fatal("fatal inside the loop") })
		tc.Reactor().CallLater(time.Hour, func() {})
		return d
	})
}

// TestHelperTrialOutput fails in the ways trial reports, and has one todo.
func TestHelperTrialOutput(t *testing.T) {
	helperOnly(t)
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed(1).AddCallback(func(v any) (any, error) {
			tc.Equal(v, 2)
			return nil, nil
		})
	})
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Fail(errors.New("an error"))
	}, trial.Todo("known bug"))
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.New(nil)
	}, trial.Timeout(50*time.Millisecond))
}

// t.Fatal inside a reactor callback with a real *testing.T: the test fails with trial's
// explanation, the rest of the binary runs, nothing hangs or panics.
func TestFailNowInCallbackSubprocess(t *testing.T) {
	out, ok := runHelper(t, "TestHelperFailNowInCallback")
	if ok {
		t.Fatalf("the helper passed:\n%s", out)
	}
	for _, want := range []string{
		"fatal inside the loop",
		"t.FailNow (t.Fatal, t.FailNow or require.X on a *testing.T) was called inside the reactor loop",
		"DelayedCalls:",
		"--- FAIL: TestHelperFailNowInCallback",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "panic:") {
		t.Errorf("the test binary panicked:\n%s", out)
	}
}

// What go test prints for trial's outcomes.
func TestTrialOutputSubprocess(t *testing.T) {
	out, ok := runHelper(t, "TestHelperTrialOutput")
	if ok {
		t.Fatalf("the helper passed:\n%s", out)
	}
	for _, want := range []string{
		"[FAIL]\n",
		"subprocess_test.go:",
		"not equal:\n",
		"a = 1\n",
		"b = 2",
		"[TODO]\n",
		"reason: known bug",
		"[ERROR]\n",
		"TestHelperTrialOutput (test) still running at 0.05 secs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
