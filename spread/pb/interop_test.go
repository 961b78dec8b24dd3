package pb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/pyrepr"
	"github.com/gotwisted/twisted/internal/twistedtest"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/trial"
)

// The interop matrix against real Twisted (pb-wire.md 6.5): a Python client
// (testdata/py_client.py) against a Go server serving the Go port of
// testdata/pbinterop.py's InteropRoot, and a Go client against the Python server
// (testdata/py_server.py). Both cover every jelly type as arguments and results,
// references passed both ways and back, Copyable and Cacheable with observer updates,
// expected and unexpected errors with trap, unknown methods, and a connection dropped
// with calls pending.

// --- the Go port of pbinterop.py

type iThing struct {
	Referenceable
	name   string
	caught any
}

func (t *iThing) RemotePing(x any) jelly.Tuple { return jelly.Tuple{"pong", t.name, x} }
func (t *iThing) RemoteCatch(x any) string     { t.caught = x; return "caught" }

type iSimpleCopy struct {
	Copyable
	X     int    `jelly:"x"`
	Name  string `jelly:"name"`
	Items []int  `jelly:"items"`
}

func (*iSimpleCopy) JellyClassName() string { return "pbinterop.SimpleCopy" }

type iReceivedCopy struct {
	RemoteCopy
	X     int
	Name  string
	Items []int
}

type iTwoWay struct {
	Copyable
	RemoteCopy
	Label string `jelly:"label"`
	Count int    `jelly:"count"`
}

func (*iTwoWay) JellyClassName() string { return "pbinterop.TwoWayCopy" }

type iMyError struct{ ErrorBase }

func (iMyError) RemoteType() string { return "pbinterop.MyError" }

type iCopyError struct {
	Copyable
	RemoteCopy
	msg string
}

func (e *iCopyError) Error() string              { return e.msg }
func (*iCopyError) JellyClassName() string       { return "pbinterop.CopyError" }
func (*iCopyError) GetStateToCopy() (any, error) { return jelly.NewDict(0), nil }

type iValueError struct{ msg string }

func (e *iValueError) Error() string    { return e.msg }
func (*iValueError) RemoteType() string { return "builtins.ValueError" }

type iCounter struct {
	Cacheable
	value     int
	observers []*RemoteCacheObserver
}

func (*iCounter) JellyClassName() string { return "pbinterop.Counter" }

func (c *iCounter) GetStateToCacheAndObserveFor(p any, o *RemoteCacheObserver) (any, error) {
	c.observers = append(c.observers, o)
	return jelly.DictOf("value", c.value), nil
}

func (c *iCounter) StoppedObserving(p any, o *RemoteCacheObserver) {
	for i, x := range c.observers {
		if x == o {
			c.observers = append(c.observers[:i], c.observers[i+1:]...)
			return
		}
	}
}

type iRemoteCounter struct {
	RemoteCache
	Value int `jelly:"value"`
}

func (c *iRemoteCounter) ObserveSetValue(v int) string { c.Value = v; return "ack" }

// iHolder is pbinterop.Holder: its state, built by GetStateToCopy, holds a Referenceable
// that no exported field leads to.
type iHolder struct {
	Copyable
	label string
	thing *iThing
}

func (*iHolder) JellyClassName() string { return "pbinterop.Holder" }
func (h *iHolder) GetStateToCopy() (any, error) {
	return jelly.DictOf("label", h.label, "thing", h.thing), nil
}

type iReceivedHolder struct {
	RemoteCopy
	Label string
	Thing *RemoteReference
}

type iClientObj struct{ Referenceable }

func (*iClientObj) RemoteHello(msg string) string { return "client got: " + msg }

func init() {
	SetUnjellyableForClass("pbinterop.SimpleCopy", &iReceivedCopy{})
	SetUnjellyableForClass("pbinterop.TwoWayCopy", &iTwoWay{})
	SetUnjellyableForClass("pbinterop.CopyError", &iCopyError{})
	SetUnjellyableForClass("pbinterop.Counter", &iRemoteCounter{})
	SetUnjellyableForClass("pbinterop.Holder", &iReceivedHolder{})
}

// iRoot is InteropRoot; RootObject gives each connection its own.
type iRoot struct {
	Root
	r       reactor.ReactorTime
	broker  *Broker
	thing   *iThing
	counter *iCounter
	hung    []*deferred.Deferred
}

func (r *iRoot) RootObject(b *Broker) any {
	return &iRoot{r: r.r, broker: b, thing: &iThing{name: "server-thing"}, counter: &iCounter{}}
}

func (r *iRoot) RemoteEcho(x any) any { return x }
func (r *iRoot) RemoteEchoWithKeywords(x any, kw Kwargs) jelly.Tuple {
	return jelly.Tuple{x, kwargsDict(kw)}
}
func (r *iRoot) RemoteGive(name string) any { return goSamples()[name] }
func (r *iRoot) RemoteSame(a, b any) bool   { return sameObject(a, b) }
func (r *iRoot) RemoteAdd(a, b int) int     { return a + b }
func (r *iRoot) RemoteLater(x int) *deferred.Deferred {
	d := deferred.New(nil)
	r.r.CallLater(10*time.Millisecond, func() { d.Callback(x * 2) })
	return d
}
func (r *iRoot) RemoteFail() error  { return NewError("a pb.Error message") }
func (r *iRoot) RemoteCrash() error { return &iValueError{"unexpected value error"} }
func (r *iRoot) RemoteFailLater() *deferred.Deferred {
	return deferred.Fail(NewError("deferred pb.Error"))
}
func (r *iRoot) RemoteMyError() error       { return iMyError{NewError("my error")} }
func (r *iRoot) RemoteCopyError() error     { return &iCopyError{msg: "copyable error"} }
func (r *iRoot) RemoteGetThing() *iThing    { return r.thing }
func (r *iRoot) RemoteIsMyThing(o any) bool { return o == any(r.thing) }
func (r *iRoot) RemoteCallMeBack(ref *RemoteReference, msg string) *deferred.Deferred {
	d := ref.CallRemote("hello", msg)
	ref.Release()
	return d
}
func (r *iRoot) RemoteThrow(a, b *RemoteReference) *deferred.Deferred {
	return a.CallRemote("catch", b).AddBoth(func(v any) (any, error) {
		a.Release()
		b.Release()
		return v, nil
	})
}
func (r *iRoot) RemoteRefCount() int { return r.broker.LocalCount() }
func (r *iRoot) RemoteGetCopy() *iSimpleCopy {
	return &iSimpleCopy{X: 1, Name: "copy", Items: []int{1, 2, 3}}
}
func (r *iRoot) RemoteGetTwoWay(label string, count int) *iTwoWay {
	return &iTwoWay{Label: label, Count: count}
}
func (r *iRoot) RemoteDescribeCopy(c *iTwoWay) string {
	return fmt.Sprintf("TwoWayCopy{'count': int:%d, 'label': %s}", c.Count, pyrepr.Str(c.Label))
}
func (r *iRoot) RemoteGetHolder(label string) *iHolder {
	return &iHolder{label: label, thing: &iThing{name: "held-by-" + label}}
}
func (r *iRoot) RemotePingHeld(h *iReceivedHolder, x any) *deferred.Deferred {
	return h.Thing.CallRemote("ping", x).AddCallback(func(v any) (any, error) {
		h.Thing.Release()
		return jelly.Tuple{h.Label, v}, nil
	})
}
func (r *iRoot) RemoteGetCounter() *iCounter { return r.counter }
func (r *iRoot) RemoteBump() *deferred.Deferred {
	r.counter.value++
	var ds []*deferred.Deferred
	for _, o := range r.counter.observers {
		ds = append(ds, o.CallRemote("setValue", r.counter.value))
	}
	return deferred.Gather(ds).AddCallback(func(acks any) (any, error) {
		return jelly.Tuple{r.counter.value, acks}, nil
	})
}
func (r *iRoot) RemoteIsMyCounter(c any) bool { return c == any(r.counter) }
func (r *iRoot) RemoteObservers() int         { return len(r.counter.observers) }
func (r *iRoot) RemoteCacheCount() int        { return r.broker.CachedCount() }
func (r *iRoot) RemoteHang() *deferred.Deferred {
	d := deferred.New(nil)
	r.hung = append(r.hung, d)
	return d
}
func (r *iRoot) RemoteDropMe() { r.broker.Transport.LoseConnection() }

// sameObject is Python's "is" for unjellied values: containers by identity of storage.
func sameObject(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() || va.Type() != vb.Type() {
		return false
	}
	switch va.Kind() {
	case reflect.Slice:
		return va.Len() == vb.Len() && (va.Len() == 0 || va.Pointer() == vb.Pointer())
	case reflect.Pointer, reflect.Map:
		return va.Pointer() == vb.Pointer()
	}
	return a == b
}

// --- running the Python side

func pyScript(name string) string { return "testdata/" + name }

// runPython runs a script to completion in a goroutine and fires the returned Deferred
// (on the reactor's goroutine) with its standard output; standard error goes to the test
// log if the test fails.
func runPython(tc *trial.T, args ...string) *deferred.Deferred {
	py := twistedtest.Python(tc.TB())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	cmd := exec.CommandContext(ctx, py, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	d := deferred.New(nil)
	r := tc.Reactor()
	go func() {
		out, err := cmd.Output()
		cancel()
		r.CallFromThread(func() {
			if err != nil {
				tc.Logf("python stderr:\n%s", stderr.String())
				d.Errback(fmt.Errorf("%v: %w\n%s", args, err, out))
				return
			}
			if tc.TB().Failed() {
				tc.Logf("python stderr:\n%s", stderr.String())
			}
			d.Callback(string(out))
		})
	}()
	return d
}

// startPyServer starts testdata/py_server.py and returns its port; the server stops when
// the test ends.
func startPyServer(tc *trial.T, args ...string) int {
	py := twistedtest.Python(tc.TB())
	cmd := exec.Command(py, append([]string{pyScript("py_server.py")}, args...)...)
	stdin, err := cmd.StdinPipe()
	tc.NoError(err)
	stdout, err := cmd.StdoutPipe()
	tc.NoError(err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	tc.NoError(cmd.Start())
	done := make(chan struct{})
	tc.TB().Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if tc.TB().Failed() {
			tc.TB().Logf("py_server.py log:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { io.Copy(io.Discard, stdout); cmd.Wait(); close(done) }()
	tc.NoError(err, "reading py_server.py's port")
	port, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "PORT "))
	tc.NoError(err, "py_server.py said %q", line)
	return port
}

// checkPyClient checks py_client.py's report: every check passed, and there were many.
func checkPyClient(tc *trial.T, out string) {
	var passed, failed int
	must := map[string]bool{"copy/state-reference": false, "copy/state-reference-call": false,
		"copy/state-reference-sent": false}
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "FAIL"):
			tc.Errorf("py_client.py: %s", line)
		case strings.HasPrefix(line, "DONE"):
			fmt.Sscanf(line, "DONE %d %d", &passed, &failed)
		case strings.HasPrefix(line, "PASS "):
			if _, ok := must[line[5:]]; ok {
				must[line[5:]] = true
			}
		}
	}
	tc.Equal(failed, 0, "failed checks")
	tc.True(passed >= 80, "py_client.py ran only %d checks:\n%s", passed, out)
	for name, ok := range must {
		tc.True(ok, "py_client.py did not pass %s", name)
	}
}

// The Python client against the Python server: checks py_client.py itself against real
// Twisted, so its expectations are Twisted's.
func TestInteropPythonClientPythonServer(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		port := startPyServer(tc)
		return runPython(tc, pyScript("py_client.py"), strconv.Itoa(port)).AddCallback(func(out any) (any, error) {
			checkPyClient(tc, out.(string))
			return nil, nil
		})
	}, trial.Timeout(100*time.Second))
}

// A real Twisted client against the Go server.
func TestInteropPythonClientGoServer(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		f := NewPBServerFactory(&iRoot{r: r})
		f.Reactor = r
		port, err := r.ListenTCP(0, f, reactor.Interface("127.0.0.1"))
		tc.NoError(err)
		tc.AddCleanup(port.StopListening)
		pn := port.GetHost().(*net.TCPAddr).Port
		return runPython(tc, pyScript("py_client.py"), strconv.Itoa(pn)).AddCallback(func(out any) (any, error) {
			checkPyClient(tc, out.(string))
			// "crash", "noSuchMethod" and wrong arity are unexpected errors: logged, as in Twisted.
			tc.FlushLoggedErrors()
			return nil, nil
		})
	}, trial.Timeout(100*time.Second))
}

// A Go client against the real Twisted server (testdata/py_server.py), running the same
// checks as py_client.py from the Go side.
func TestInteropGoClientPythonServer(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		port := startPyServer(tc)
		r := tc.Reactor()
		f := NewPBClientFactory()
		f.Reactor = r
		r.ConnectTCP("127.0.0.1", port, f)
		tc.AddCleanup(func() *deferred.Deferred { return disconnectAndWait(f) })
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			root, err := deferred.Await[*RemoteReference](c, f.GetRootObject())
			if err != nil {
				return nil, err
			}
			goClientChecks(tc, c, r, root)
			return nil, nil
		})
	}, trial.Timeout(100*time.Second))
}

// disconnectAndWait closes a client factory's connection, if it is up, and fires when
// the broker has seen it go (so the test ends with a clean reactor).
func disconnectAndWait(f *PBClientFactory) *deferred.Deferred {
	b := f.Broker()
	if b == nil || b.Disconnected() {
		return nil
	}
	d := deferred.New(nil)
	b.NotifyOnDisconnect(func() { d.Callback(nil) })
	f.Disconnect()
	return d
}

// goClientChecks runs the interop checks against a server serving InteropRoot.
func goClientChecks(tc *trial.T, c *deferred.Co, r *reactor.Reactor, root *RemoteReference) {
	call := func(name string, args ...any) any {
		v, err := c.Await(root.CallRemote(name, args...))
		if err != nil {
			tc.Errorf("%s%v: %v", name, args, err)
		}
		return v
	}
	pause := func(d time.Duration) {
		w := deferred.New(nil)
		r.CallLater(d, func() { w.Callback(nil) })
		c.Await(w)
	}
	failureOf := func(d *deferred.Deferred) *failure.Failure {
		v, err := c.Await(d)
		if err == nil {
			tc.Errorf("succeeded with %v, want a failure", v)
			return nil
		}
		return err.(*failure.Failure)
	}

	// Every jelly type: what Python received (describe), what it sends (give), and the
	// round trip (echo) must all be the same Python value.
	samples := goSamples()
	names := make([]string, 0, len(samples))
	for n := range samples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		v := samples[name]
		want := pyDescribe(v)
		tc.Equal(call("describe", v), "("+want+")", "Python received %s", name)
		tc.Equal(pyDescribe(call("give", name)), want, "Go received Python's %s", name)
		tc.Equal(pyDescribe(call("echo", v)), want, "echo of %s", name)
	}
	shared := call("give", "shared").([]any)
	tc.True(sameObject(shared[0], shared[1]), "a shared list keeps its identity")
	l := []any{1}
	tc.Equal(call("same", l, l), true)
	tc.Equal(call("same", []any{1}, []any{1}), false)
	got := call("echoWithKeywords", "positional", Kwargs{"kw1": 1, "kw2": "two"})
	tc.Equal(pyDescribe(got), "('positional', {'kw1': int:1, 'kw2': 'two'})")
	tc.Equal(call("describe", 1, Kwargs{"k": []byte("v")}), "(int:1) {'k': b'v'}")
	tc.Equal(call("later", 21), int64(42))
	tc.NoError(root.CallRemoteNoAnswer("echo", "no answer"))
	tc.Equal(call("add", 2, 3), int64(5))

	// Errors, trapped by remote class name, by pb.Error and by Go type.
	f := failureOf(root.CallRemote("fail"))
	tc.NoError(f.Trap(failure.Type[Error]()))
	tc.NoError(f.Trap(RemoteType("twisted.spread.pb.Error")))
	cf := f.Value.(*CopiedFailure)
	tc.Equal([]string{cf.Type, cf.Value, cf.Traceback}, []string{pyError, "a pb.Error message", tracebackUnavailable})
	f = failureOf(root.CallRemote("crash"))
	tc.NoError(f.Trap(RemoteType("builtins.ValueError")))
	tc.Equal(f.Check(failure.Type[Error]()), nil)
	f = failureOf(root.CallRemote("failLater"))
	tc.True(f.Value.(*CopiedFailure).Pickled, "a failure that went through a Deferred is pickled")
	f = failureOf(root.CallRemote("myError"))
	tc.NoError(f.Trap(failure.Type[iMyError]()))
	var me iMyError
	tc.True(errors.As(f, &me), "errors.As fills in the Go type")
	tc.Equal(me.Message, "my error")
	f = failureOf(root.CallRemote("copyError"))
	_, isCopy := f.Value.(*iCopyError)
	tc.True(isCopy, "a Copyable error arrives as itself: %#v", f.Value)
	f = failureOf(root.CallRemote("noSuchMethod"))
	tc.NoError(f.Trap(failure.Type[*NoSuchMethod]()))
	tc.NoError(f.Trap(RemoteType("builtins.AttributeError")))
	tc.Equal(f.ErrorMessage(), "No such method: remote_noSuchMethod")
	f = failureOf(root.CallRemote("add", 1))
	tc.NoError(f.Trap(failure.Type[*ArgumentError]()))
	f = failureOf((&RemoteReference{broker: root.broker, luid: int64(999)}).CallRemote("x"))
	tc.Equal(f.ErrorMessage(), "Invalid Object ID")
	tc.Equal(call("add", 40, 2), int64(42))

	// References both ways and back.
	thing := call("getThing").(*RemoteReference)
	tc.Equal(pyDescribe(call2(c, thing, "ping", 5)), "('pong', 'server-thing', int:5)")
	thing2 := call("getThing").(*RemoteReference)
	tc.True(thing.Equal(thing2) && thing != thing2, "same luid, new reference")
	tc.Equal(call("isMyThing", thing), true)
	tc.Equal(call("callMeBack", &iClientObj{}, "from go"), "client got: from go")
	x, z := &iThing{name: "x"}, &iThing{name: "z"}
	tc.Equal(call("throw", x, z), "caught")
	tc.Identical(x.caught, any(z), "z came back to us as itself")
	pause(200 * time.Millisecond)
	tc.Equal(root.broker.LocalCount(), 0, "the server released our objects")
	thing.Release()
	thing2.Release()
	tc.Equal(call("refCount"), int64(1), "explicit Release sends decref")
	// Dropping a reference without Release: the collector frees it and the decref follows.
	func() { call("getThing") }()
	tc.Equal(call("refCount"), int64(2))
	for i := 0; i < 100 && call("refCount") != int64(1); i++ {
		runtime.GC()
		pause(10 * time.Millisecond)
	}
	tc.Equal(call("refCount"), int64(1), "a collected reference sends decref")

	// Copies.
	rc := call("getCopy").(*iReceivedCopy)
	tc.Equal([]any{rc.X, rc.Name, rc.Items}, []any{1, "copy", []int{1, 2, 3}})
	orig := &iTwoWay{Label: "sent", Count: 3}
	back := call("echo", orig).(*iTwoWay)
	tc.True(back != orig && back.Label == "sent" && back.Count == 3, "two-way copy: %+v", back)
	tc.Equal(call("describeCopy", orig), "TwoWayCopy{'count': int:3, 'label': 'sent'}")
	made := call("getTwoWay", "made", 7).(*iTwoWay)
	tc.Equal([]any{made.Label, made.Count}, []any{"made", 7})

	// A reference that exists only inside a state built by GetStateToCopy, both ways.
	h := call("getHolder", "srv").(*iReceivedHolder)
	tc.Equal(h.Label, "srv")
	tc.Equal(pyDescribe(call2(c, h.Thing, "ping", 7)), "('pong', 'held-by-srv', int:7)")
	h.Thing.Release()
	tc.Equal(pyDescribe(call("pingHeld", &iHolder{label: "cli", thing: &iThing{name: "client-held"}}, 8)),
		"('cli', ('pong', 'client-held', int:8))")

	// Caches with observer updates.
	c1 := call("getCounter").(*iRemoteCounter)
	c2 := call("getCounter").(*iRemoteCounter)
	tc.Identical(c1, c2)
	tc.Equal(pyDescribe(call("bump")), "(int:1, ['ack'])")
	tc.Equal(c1.Value, 1)
	tc.Equal(call("isMyCounter", c1), true)
	tc.Equal(call("observers"), int64(1))
	c1.Release()
	pause(50 * time.Millisecond)
	tc.Equal(call("observers"), int64(0))
	tc.Equal(call("cacheCount"), int64(0))
	tc.Equal(root.broker.RemoteCacheCount(), 0)

	// A dropped connection with calls pending.
	hung := root.CallRemote("hang")
	root.CallRemote("dropMe")
	f = failureOf(hung)
	tc.NoError(f.Trap(failure.Type[*PBConnectionLost]()))
	f = failureOf(root.CallRemote("add", 1, 2))
	tc.NoError(f.Trap(failure.Type[*DeadReferenceError]()))
}

func call2(c *deferred.Co, ref *RemoteReference, name string, args ...any) any {
	v, _ := c.Await(ref.CallRemote(name, args...))
	return v
}
