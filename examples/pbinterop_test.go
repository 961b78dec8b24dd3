package examples

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/twistedtest"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
	"github.com/gotwisted/twisted/trial"
)

// interopCopy receives the flavors.Copyable that pbinterop's copy method returns.
type interopCopy struct {
	pb.RemoteCopy
	X any
}

func init() { pb.SetUnjellyableForClass("twisted.spread.flavors.Copyable", &interopCopy{}) }

// helloer is the client's object that pbinterop's local method calls back.
type helloer struct {
	pb.Referenceable
	calls int
}

func (h *helloer) RemoteHello() string {
	h.calls++
	return "hello, world"
}

// interopSession calls every remote method of pbinterop's Interop root through a Go client
// and describes each outcome as a line: the value in Python's repr, or the failure's remote
// type and message.
func interopSession(t *testing.T) []string {
	var lines []string
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		f := pb.NewPBClientFactory()
		f.Reactor = r
		r.ConnectTCP("127.0.0.1", 8789, f)
		tc.AddCleanup(func() *deferred.Deferred {
			b := f.Broker()
			if b == nil || b.Disconnected() {
				return nil
			}
			d := deferred.New(nil)
			b.NotifyOnDisconnect(func() { d.Callback(nil) })
			f.Disconnect()
			return d
		})
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			root, err := deferred.Await[*pb.RemoteReference](c, f.GetRootObject())
			if err != nil {
				return nil, err
			}
			describe := func(v any, err error) string {
				if err != nil {
					if cf, ok := failure.As[*pb.CopiedFailure](err); ok {
						return "failure " + cf.Type + ": " + cf.Value
					}
					return "local failure " + err.Error()
				}
				if cp, ok := v.(*interopCopy); ok {
					return "flavors.Copyable x=" + py.Repr(cp.X)
				}
				return py.Repr(v)
			}
			call := func(ref *pb.RemoteReference, name string, args ...any) {
				v, err := c.Await(ref.CallRemote(name, args...))
				lines = append(lines, name+": "+describe(v, err))
			}
			for _, name := range []string{"int", "string", "unicode", "float", "list", "recursive", "dict"} {
				call(root, name)
			}
			ref, err := c.Await(root.CallRemote("reference"))
			lines = append(lines, "reference: "+describe(ref, err))
			if rr, ok := ref.(*pb.RemoteReference); ok {
				call(rr, "anything")
			}
			h := &helloer{}
			call(root, "local", h)
			lines = append(lines, "hello calls: "+py.Repr(h.calls))
			call(root, "receive", []any{1, 1.5, "hi", "hi", jelly.DictOf(1, 2)})
			call(root, "receive", []any{1, 1.5, "hi", []byte("hi"), jelly.DictOf(1, 2)})
			call(root, "self", root)
			call(root, "self", 1)
			call(root, "copy", "x")
			call(root, "copy", []any{int64(7)})
			call(root, "noSuchMethod")
			// Unknown methods are unexpected errors, logged by a Go server and by Python's.
			return nil, nil
		})
	}, trial.Timeout(30*time.Second))
	return normalize(lines)
}

// TestPbinteropMethods runs the same Go client session against Twisted's pbinterop.py
// and against the Go port, and checks that every answer and every failure is the same.
func TestPbinteropMethods(t *testing.T) {
	python := twistedtest.Python(t)
	docs := twistedtest.DocDir(t)
	if testing.Short() {
		t.Skip("runs real programs; skipped in -short mode")
	}
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin+"/", "./pbinterop").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	session := func(cmd *exec.Cmd) []string {
		waitPortFree(8789, 5*time.Second)
		srv := start(t, cmd)
		defer srv.stop()
		if !waitPort(8789, 15*time.Second) {
			t.Fatalf("server never listened on 8789; stderr:\n%s", srv.errb.String())
		}
		return interopSession(t)
	}
	pyCmd := exec.Command(python, "-u", filepath.Join(docs, "examples", "pbinterop.py"))
	pyCmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	want := session(pyCmd)
	got := session(exec.Command(filepath.Join(bin, "pbinterop")))
	t.Logf("Python session:\n%s", strings.Join(want, "\n"))

	// The Python session is the reference; check it says what pbinterop.py means, so the
	// comparison below compares something.
	for _, line := range []string{
		"int: 1",
		"recursive: [[...]]",
		"dict: {1: 2}",
		"hello calls: 1",
		"receive: None",
		"receive: failure builtins.ValueError: [1, 1.5, 'hi', b'hi', {1: 2}] != [1, 1.5, 'hi', 'hi', {1: 2}]",
		"self: None",
		"copy: flavors.Copyable x='x'",
	} {
		if !contains(want, line) {
			t.Errorf("Python's pbinterop session has no line %q:\n%s", line, strings.Join(want, "\n"))
		}
	}
	if !equalLines(got, want) {
		t.Errorf("Go pbinterop answered\n%s\nPython's pbinterop.py answered\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}
