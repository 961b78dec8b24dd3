package main

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/internal/twistedtest"
)

// Short windows: these tests check that every system runs every shape and that the
// answers verify, not how fast they are.
const (
	testWarmup = 50 * time.Millisecond
	testWindow = 100 * time.Millisecond
)

// TestMain lets the test binary serve as the child server process, as pbbench does.
func TestMain(m *testing.M) {
	if system := os.Getenv(serveEnv); system != "" {
		if err := serve(system); err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestGotwistedRunsEveryShape(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, s := range shapes {
		r := runGo("gotwisted", config{warmup: testWarmup, duration: testWindow}, s, runGotwisted)
		if r.err != nil {
			t.Errorf("%s: %v", s.name, r.err)
		} else if r.calls <= 0 {
			t.Errorf("%s: no calls counted", s.name)
		}
	}
	// The reactors and their connections are gone once a run returns.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running (%d before)", n, before)
	}
}

func TestNetRPCRunsEveryShape(t *testing.T) {
	for _, s := range shapes {
		r := runGo("netrpc", config{warmup: testWarmup, duration: testWindow}, s, runNetRPC)
		if r.err != nil {
			t.Errorf("%s: %v", s.name, r.err)
		} else if r.calls <= 0 {
			t.Errorf("%s: no calls counted", s.name)
		}
	}
}

// TestSeparateServers runs the Go systems against servers in a child process.
func TestSeparateServers(t *testing.T) {
	cfg := config{warmup: testWarmup, duration: testWindow, separate: true}
	for _, s := range []shape{shapes[0], shapes[4]} {
		for name, client := range map[string]func(shape, time.Duration, time.Duration, *server) result{
			"gotwisted": runGotwisted, "netrpc": runNetRPC,
		} {
			if r := runGo(name, cfg, s, client); r.err != nil || r.calls <= 0 {
				t.Errorf("%s, %s in a child process: %d calls, %v", s.name, name, r.calls, r.err)
			} else if r.cpu <= 0 {
				t.Errorf("%s, %s in a child process: no CPU time measured", s.name, name)
			}
		}
	}
}

func TestTwistedRunsEveryShape(t *testing.T) {
	python := twistedtest.Python(t)
	if testing.Short() {
		t.Skip("starts Python processes; skipped in -short mode")
	}
	tw, err := newTwistedRunner(python)
	if err != nil {
		t.Fatal(err)
	}
	defer tw.close()
	for _, s := range shapes {
		r := tw.run(s, testWarmup, 300*time.Millisecond)
		if r.err != nil {
			t.Errorf("%s: %v", s.name, r.err)
		} else if r.calls <= 0 || r.cpu <= 0 {
			t.Errorf("%s: %d calls counted, CPU %v", s.name, r.calls, r.cpu)
		}
	}
}

func TestPayloadChecksRejectWrongAnswers(t *testing.T) {
	for _, name := range []string{"small", "bytes1k", "bytes64k", "list1000", "dict100"} {
		payload, check := pbPayload(name)
		if err := check(nil); err == nil {
			t.Errorf("%s: a None answer passed the check", name)
		}
		if err := check("other"); err == nil {
			t.Errorf("%s: a wrong answer passed the check", name)
		}
		_ = payload
	}
}

func TestParseClientResult(t *testing.T) {
	r := parseClientResult("RESULT 1350 0.5 0.25\n")
	if r.err != nil || r.calls != 1350 || r.elapsed != 500*time.Millisecond || r.cpu != 250*time.Millisecond {
		t.Errorf("parsed %+v", r)
	}
	if r := parseClientResult("ERROR echo answered a different value\n"); r.err == nil ||
		!strings.Contains(r.err.Error(), "different value") {
		t.Errorf("an ERROR line gave %+v", r)
	}
	if r := parseClientResult("Traceback ...\n"); r.err == nil {
		t.Errorf("no result line gave %+v", r)
	}
}

func TestReportTargets(t *testing.T) {
	ok := result{calls: 100_000, elapsed: time.Second}
	slow := result{calls: 1_000, elapsed: time.Second}
	rows := []row{{
		shape:     shapes[4], // the list: structured
		gotwisted: ok, twisted: slow, rpc: slow,
		hasGotwisted: true, hasTwisted: true, hasRPC: true,
	}}
	var out bytes.Buffer
	if !report(&out, rows) {
		t.Errorf("100x Twisted and net/rpc reported as a miss:\n%s", out.String())
	}
	rows[0].twisted = result{calls: 10_000, elapsed: time.Second}
	out.Reset()
	if report(&out, rows) || !strings.Contains(out.String(), "(<50x)") {
		t.Errorf("10x Twisted on a structured payload not reported as a miss:\n%s", out.String())
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 13500.4: "13,500", 1234567: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
