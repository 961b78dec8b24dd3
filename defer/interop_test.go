package deferred

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/twistedtest"
)

// remoteNamed is what Perspective Broker looks for to send an error as a Twisted class.
type remoteNamed interface {
	RemoteType() string
	RemoteValue() string
}

// The errors name real Twisted classes, and their values print as Python prints them:
// checked against the installed Twisted.
func TestRemoteTypesMatchTwisted(t *testing.T) {
	py := twistedtest.Python(t)
	errs := []error{
		&CancelledError{}, &TimeoutError{Timeout: 10 * time.Second}, &TimeoutError{Timeout: 1500 * time.Millisecond},
		&AlreadyCalledError{}, &QueueOverflow{}, &QueueUnderflow{},
		&FirstError{SubFailure: failure.New(&GenericError{"x"}), Index: 2},
	}
	// For each error, Python builds the class from its qualified name and prints str() of
	// an instance made as Twisted makes it.
	script := `
import sys, importlib
from twisted.internet import defer
from twisted.python.failure import Failure
for line in sys.stdin.read().splitlines():
    qual, args = line.split("|", 1)
    mod, _, name = qual.rpartition(".")
    cls = getattr(importlib.import_module(mod), name)
    if name == "FirstError":
        print(cls.__module__ + "." + cls.__name__ + "|ok")
        continue
    print(cls.__module__ + "." + cls.__name__ + "|" + str(cls(*eval(args))))
`
	var in strings.Builder
	for _, e := range errs {
		rn := e.(remoteNamed)
		args := "()"
		if te, ok := e.(*TimeoutError); ok {
			args = "(" + pySeconds(te.Timeout) + ", 'Deferred')"
		}
		in.WriteString(rn.RemoteType() + "|" + args + "\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", script)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(errs) {
		t.Fatalf("python printed %q", out)
	}
	for i, e := range errs {
		rn := e.(remoteNamed)
		want := rn.RemoteType() + "|" + rn.RemoteValue()
		if _, ok := e.(*FirstError); ok {
			want = rn.RemoteType() + "|ok"
		}
		if lines[i] != want {
			t.Errorf("%T: Go says %q, Twisted says %q", e, want, lines[i])
		}
	}
}
