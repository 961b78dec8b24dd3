// Package twistedtest finds the Python interpreter that has real Twisted, so interop tests
// can start Twisted peers.
//
// Debian's python3 (with the python3-twisted package) is the reference peer. The python3
// first on PATH is often another interpreter without Twisted, so Python is looked up by
// full path first. Outside CI a missing Twisted skips the test with a loud message; with
// CI=true it fails the test, because CI must exercise the real wire.
package twistedtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// candidates lists interpreters to try, most likely first. GOTWISTED_PYTHON overrides them.
var candidates = []string{"/usr/bin/python3", "/usr/local/bin/python3", "python3"}

var (
	once    sync.Once
	found   string
	version string
	reason  string
)

func probe() {
	list := candidates
	if p := os.Getenv("GOTWISTED_PYTHON"); p != "" {
		list = []string{p}
	}
	var tried []string
	for _, p := range list {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, p, "-c", "import twisted; print(twisted.__version__)").Output()
		cancel()
		if err == nil {
			found, version = p, strings.TrimSpace(string(out))
			return
		}
		tried = append(tried, p+": "+err.Error())
	}
	reason = "no Python with Twisted found (tried " + strings.Join(tried, "; ") +
		"); install Debian's python3-twisted: apt-get install -y python3-twisted twisted-doc"
}

// Python returns the path of a Python interpreter that imports twisted. When none exists
// it skips the test loudly, or fails it when the environment variable CI is "true".
func Python(t testing.TB) string {
	t.Helper()
	once.Do(probe)
	if found != "" {
		return found
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("twistedtest: %s", reason)
	}
	t.Skipf("twistedtest: SKIPPING INTEROP TEST: %s", reason)
	return ""
}

// Version reports the Twisted version of the interpreter Python found ("" if none).
func Version() string {
	once.Do(probe)
	return version
}

// DocDir returns twisted-doc's documentation root (/usr/share/doc/twisted-doc), skipping or
// failing the test as Python does when it is absent.
func DocDir(t testing.TB) string {
	t.Helper()
	const dir = "/usr/share/doc/twisted-doc"
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	msg := "twisted-doc is not installed (apt-get install -y twisted-doc)"
	if os.Getenv("CI") == "true" {
		t.Fatalf("twistedtest: %s", msg)
	}
	t.Skipf("twistedtest: SKIPPING: %s", msg)
	return ""
}
