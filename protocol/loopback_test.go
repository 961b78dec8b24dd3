package protocol_test

import (
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
)

// These tests use real sockets on 127.0.0.1 and a fresh reactor each.

func newReactor(t *testing.T) *reactor.Reactor {
	t.Helper()
	r, err := reactor.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range r.RemoveAll() {
			d.ConnectionLost(failure.New(&reactor.ConnectionLost{Msg: "test cleanup"}))
		}
		_ = r.Close()
	})
	return r
}

// runUntil runs r until d fires, with a generous safety limit (a hang guard, not a timing
// assertion), and returns d's result.
func runUntil(t *testing.T, r *reactor.Reactor, d *deferred.Deferred) any {
	t.Helper()
	safety := r.CallLater(20*time.Second, func() { d.Errback(errors.New("safety limit reached")) })
	var result any
	d.AddBoth(func(v any) (any, error) { result = v; return nil, nil })
	if err := r.RunUntil(d); err != nil {
		t.Fatal(err)
	}
	if safety.Active() {
		_ = safety.Cancel()
	}
	return result
}

type echo struct{ protocol.Protocol }

func (e *echo) DataReceived(data []byte) { e.Transport.Write(data) }

// greeter sends a message when connected and fires done with what comes back.
type greeter struct {
	protocol.Protocol
	msg  string
	got  []byte
	done *deferred.Deferred
}

func (g *greeter) ConnectionMade() { g.Transport.Write([]byte(g.msg)) }
func (g *greeter) DataReceived(data []byte) {
	g.got = append(g.got, data...)
	if len(g.got) >= len(g.msg) {
		g.Transport.LoseConnection()
	}
}
func (g *greeter) ConnectionLost(reason *failure.Failure) { g.done.Callback(string(g.got)) }

// Endpoints over loopback: the server endpoint's Deferred fires with a listening port, the
// client endpoint's with the connected protocol, and bytes flow both ways.
func TestEndpointsLoopbackTCP(t *testing.T) {
	r := newReactor(t)
	server, err := protocol.ServerFromString(r, "tcp:0:interface=127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	res := runUntil(t, r, server.Listen(protocol.ForProtocol(func() protocol.IProtocol { return &echo{} })))
	port, ok := res.(reactor.ListeningPort)
	if !ok {
		t.Fatalf("Listen gave %v", res)
	}
	defer port.StopListening()
	addr := port.GetHost().(*net.TCPAddr)

	client, err := protocol.ClientFromString(r, "tcp:127.0.0.1:"+strconv.Itoa(addr.Port))
	if err != nil {
		t.Fatal(err)
	}
	g := &greeter{msg: "hello, world", done: deferred.New(nil)}
	connected := client.Connect(protocol.ForProtocol(func() protocol.IProtocol { return g }))
	if got := runUntil(t, r, connected); got != g {
		t.Fatalf("Connect fired with %v, want the protocol", got)
	}
	if got := runUntil(t, r, g.done); got != "hello, world" {
		t.Fatalf("echoed %v", got)
	}
}

// A listen error arrives as the Deferred's failure (CannotListenError), not synchronously.
func TestEndpointsListenFailureLoopback(t *testing.T) {
	r := newReactor(t)
	ep := protocol.NewTCP4ServerEndpoint(r, 0)
	ep.Interface = "127.0.0.1"
	port := runUntil(t, r, ep.Listen(protocol.ForProtocol(func() protocol.IProtocol { return &echo{} }))).(reactor.ListeningPort)
	defer port.StopListening()
	ep2 := protocol.NewTCP4ServerEndpoint(r, port.GetHost().(*net.TCPAddr).Port)
	ep2.Interface = "127.0.0.1"
	res := runUntil(t, r, ep2.Listen(&protocol.Factory{}))
	f, ok := res.(*failure.Failure)
	if !ok || f.Check(failure.Type[*reactor.CannotListenError]()) == nil {
		t.Fatalf("second Listen gave %v, want CannotListenError", res)
	}
}

// A refused connection fails the client endpoint's Deferred with ConnectionRefusedError.
func TestEndpointsConnectRefused(t *testing.T) {
	r := newReactor(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	res := runUntil(t, r, protocol.NewTCP4ClientEndpoint(r, "127.0.0.1", port).Connect(&protocol.Factory{Protocol: func() protocol.IProtocol { return &echo{} }}))
	f, ok := res.(*failure.Failure)
	if !ok || f.Check(failure.Type[*reactor.ConnectionRefusedError]()) == nil {
		t.Fatalf("Connect gave %v, want ConnectionRefusedError", res)
	}
}

// UNIX endpoints over a socket file.
func TestEndpointsLoopbackUNIX(t *testing.T) {
	r := newReactor(t)
	path := filepath.Join(t.TempDir(), "echo.sock")
	server, err := protocol.ServerFromString(r, "unix:"+protocol.QuoteStringArgument(path)+":lockfile=0")
	if err != nil {
		t.Fatal(err)
	}
	port := runUntil(t, r, server.Listen(protocol.ForProtocol(func() protocol.IProtocol { return &echo{} }))).(reactor.ListeningPort)
	defer port.StopListening()
	client, err := protocol.ClientFromString(r, "unix:path="+protocol.QuoteStringArgument(path))
	if err != nil {
		t.Fatal(err)
	}
	g := &greeter{msg: "over unix", done: deferred.New(nil)}
	runUntil(t, r, protocol.ConnectProtocol(client, g))
	if got := runUntil(t, r, g.done); got != "over unix" {
		t.Fatalf("echoed %v", got)
	}
}

// countingReconnector is a ReconnectingClientFactory that records its failures.
type countingReconnector struct {
	protocol.ReconnectingClientFactory
	failures int
	done     *deferred.Deferred
}

func (f *countingReconnector) ClientConnectionFailed(c protocol.Connector, reason *failure.Failure) {
	f.failures++
	f.ReconnectingClientFactory.ClientConnectionFailed(c, reason)
	if f.failures == 1+f.MaxRetries {
		f.done.Callback(nil)
	}
}

// A ReconnectingClientFactory on the real reactor retries a refused connection MaxRetries
// times, then gives up.
func TestReconnectingClientFactoryLoopback(t *testing.T) {
	r := newReactor(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	f := &countingReconnector{done: deferred.New(nil)}
	f.Clock = r
	f.InitialDelay = time.Millisecond
	f.Jitter = -1
	f.MaxRetries = 3
	f.Protocol = func() protocol.IProtocol { return &echo{} }
	r.ConnectTCP("127.0.0.1", port, f)
	runUntil(t, r, f.done)
	if f.failures != 4 {
		t.Fatalf("%d failed attempts, want 4", f.failures)
	}
	if calls := r.GetDelayedCalls(); len(calls) != 0 {
		t.Fatalf("still scheduled after giving up: %v", calls)
	}
}

// ClientCreator over loopback: the Deferred fires with the connected instance.
func TestClientCreatorLoopback(t *testing.T) {
	r := newReactor(t)
	port, err := r.ListenTCP(0, protocol.ForProtocol(func() protocol.IProtocol { return &echo{} }), reactor.Interface("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer port.StopListening()
	done := deferred.New(nil)
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &greeter{msg: "cc", done: done} })
	p := runUntil(t, r, cc.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, 0))
	if _, ok := p.(*greeter); !ok {
		t.Fatalf("ClientCreator gave %v", p)
	}
	if got := runUntil(t, r, done); got != "cc" {
		t.Fatalf("echoed %v", got)
	}
}
