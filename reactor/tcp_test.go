package reactor

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotwisted/twisted/failure"
)

// The TCP tests that need the package's insides (the write buffer, Iterate, Run and Stop,
// unexported helpers). The black-box TCP and UNIX tests run on trial in loopback_test.go.

// connected is a client and server protocol connected over loopback.
type connected[S, C Protocol] struct {
	port    *Port
	portNum int
	server  S
	client  C
	sf, cf  *testFactory
}

// connectPair listens on 127.0.0.1, connects a client and iterates until both protocols
// saw ConnectionMade.
func connectPair[S, C Protocol](t *testing.T, r *Reactor, server S, client C) *connected[S, C] {
	t.Helper()
	served := false
	sf := &testFactory{build: func(net.Addr) Protocol {
		if served {
			return nil
		}
		served = true
		return server
	}}
	port, num := listenLocal(t, r, sf)
	cf := &testFactory{build: func(net.Addr) Protocol { return client }}
	r.ConnectTCP("127.0.0.1", num, cf)
	spin(t, r, func() bool { return Base(server).Connected && Base(client).Connected })
	return &connected[S, C]{port: port, portNum: num, server: server, client: client, sf: sf, cf: cf}
}

func isReason[E error](f *failure.Failure) bool { return f != nil && f.Check(failure.Type[E]()) != nil }

// Ports test_tcp.py CannotBindTests.test_cannotBind.
func TestCannotBind(t *testing.T) {
	r := newReactor(t)
	_, num := listenLocal(t, r, &testFactory{})
	_, err := r.ListenTCP(num, &testFactory{}, Interface("127.0.0.1"))
	var cle *CannotListenError
	if !errors.As(err, &cle) || cle.Port != num || !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("listen on a used port: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "Couldn't listen on 127.0.0.1:") {
		t.Fatalf("message: %q", err.Error())
	}
	var ab AnyBindError
	if !errors.As(err, &ab) {
		t.Fatal("CannotListenError is not a BindError")
	}
	if _, err := r.ListenTCP(0, &testFactory{}, Interface("not an address")); !errors.As(err, &cle) {
		t.Fatalf("bad interface: %v", err)
	}
}

// Ports test_tcp.py LoopbackTests.test_connectByServiceFail.
func TestConnectByServiceFail(t *testing.T) {
	_, err := LookupServicePort("thisbetternotexist")
	var snu *ServiceNameUnknownError
	if !errors.As(err, &snu) {
		t.Fatalf("got %v", err)
	}
	if n, err := LookupServicePort("8080"); n != 8080 || err != nil {
		t.Fatalf("numeric: %d, %v", n, err)
	}
}

// Nothing is sent synchronously: Write only buffers (core-semantics 0.7).
func TestWriteIsNotSynchronous(t *testing.T) {
	r := newReactor(t)
	reader := &recorder{}
	c := connectPair(t, r, &recorder{}, reader)
	c.server.Transport.Write([]byte("x"))
	if got := c.server.Transport.(*conn).wbuf.size; got != 1 {
		t.Fatalf("buffered %d bytes after Write, want 1", got)
	}
	spin(t, r, func() bool { return len(reader.data) == 1 })
}

// Ports test_tcp.py PauseProducingTests.test_pauseProducingInConnectionMade.
func TestPauseProducingInConnectionMade(t *testing.T) {
	r := newReactor(t)
	server := &recorder{onMade: func(p *recorder) { p.Transport.(TCPTransport).PauseProducing() }}
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("data")) }}
	connectPair(t, r, server, client)
	for i := 0; i < 20; i++ {
		r.Iterate(time.Millisecond)
	}
	if len(server.data) != 0 {
		t.Fatalf("paused transport read %q", server.data)
	}
	server.Transport.(TCPTransport).ResumeProducing()
	spin(t, r, func() bool { return string(server.data) == "data" })
}

// Aborting from inside DataReceived and then panicking still ends the connection once.
func TestAbortThenPanicInDataReceived(t *testing.T) {
	captureLogs(t)
	r := newReactor(t)
	server := &recorder{onData: func(p *recorder, _ []byte) {
		p.Transport.AbortConnection()
		panic("after abort")
	}}
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("x")) }}
	connectPair(t, r, server, client)
	spin(t, r, func() bool { return server.reason != nil && client.reason != nil })
	for i := 0; i < 3; i++ {
		r.Iterate(0)
	}
	if server.lostN != 1 {
		t.Fatalf("server ConnectionLost ran %d times", server.lostN)
	}
}

// Ports test_tcp.py HalfCloseTests.testCloseWriteCloser: after LoseWriteConnection the
// half-closing side gets WriteConnectionLost, the peer ReadConnectionLost, and further
// writes are ignored while the other direction stays open.
func TestCloseWriteCloser(t *testing.T) {
	r := newReactor(t)
	server, client := &halfCloser{}, &halfCloser{}
	connectPair(t, r, server, client)
	client.Transport.Write([]byte("hello"))
	client.Transport.(TCPTransport).LoseWriteConnection()
	spin(t, r, func() bool { return client.writeLost == 1 && server.readLost == 1 })
	client.Transport.Write([]byte(" world"))
	client.Transport.Write([]byte("lalala fooled you"))
	if client.Transport.(*conn).wbuf.size != 0 {
		t.Fatal("writes after the write side closed were buffered")
	}
	if string(server.data) != "hello" || server.reason != nil || client.reason != nil || client.readLost != 0 {
		t.Fatalf("server data %q, reasons %v %v", server.data, server.reason, client.reason)
	}
	// The other direction still works; then both close cleanly.
	server.Transport.Write([]byte("reply:hello"))
	server.Transport.LoseConnection()
	spin(t, r, func() bool { return server.reason != nil && client.readLost == 1 })
	// Both directions of the client are now shut; as in Twisted, a half-closeable protocol
	// closes the transport itself, which ends it at once.
	client.Transport.LoseConnection()
	if client.reason == nil {
		t.Fatal("LoseConnection after both halves closed did not end the connection")
	}
	if string(client.data) != "reply:hello" || !isReason[*ConnectionDone](client.reason) || !isReason[*ConnectionDone](server.reason) {
		t.Fatalf("client data %q, reasons %v / %v", client.data, client.reason, server.reason)
	}
}

// StopConnecting fails the attempt with UserError; Disconnect on a connected connector
// loses the connection.
func TestStopConnecting(t *testing.T) {
	r := newReactor(t)
	_, num := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &recorder{} }})
	cf := &testFactory{build: func(net.Addr) Protocol { return &recorder{} }}
	c := r.ConnectTCP("127.0.0.1", num, cf)
	if err := c.StopConnecting(); err != nil {
		t.Fatal(err)
	}
	if len(cf.failed) != 1 || !isReason[*UserError](cf.failed[0]) {
		t.Fatalf("failed: %v", cf.failed)
	}
	for i := 0; i < 5; i++ {
		r.Iterate(time.Millisecond)
	}
	if len(cf.failed) != 1 || len(cf.lost) != 0 {
		t.Fatalf("more events after StopConnecting: %v %v", cf.failed, cf.lost)
	}
	client := &recorder{}
	cf.build = func(net.Addr) Protocol { return client }
	c.Connect()
	spin(t, r, func() bool { return client.Connected })
	c.Disconnect()
	spin(t, r, func() bool { return len(cf.lost) == 1 })
	if got := c.GetDestination().String(); got != net.JoinHostPort("127.0.0.1", strconv.Itoa(num)) {
		t.Fatalf("GetDestination %q", got)
	}
}

// The reactor's shutdown loses every connection with ConnectionLost.
func TestShutdownLosesConnections(t *testing.T) {
	r := newReactor(t)
	c := connectPair(t, r, &recorder{}, &recorder{})
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	if !isReason[*ConnectionLost](c.server.reason) || !isReason[*ConnectionLost](c.client.reason) {
		t.Fatalf("reasons %v / %v", c.server.reason, c.client.reason)
	}
	if c.port.Fileno() != -1 {
		t.Fatal("listening port still open after shutdown")
	}
}

// Ports test_tcp.py ListeningTests.test_exceptInConnectionLostCall: a panic in DoStop
// passes through a direct ConnectionLost call.
func TestExceptInConnectionLostCall(t *testing.T) {
	r := newReactor(t)
	p, _ := listenLocal(t, r, &testFactory{doStopHook: func() { panic("An error") }})
	defer func() {
		if recover() == nil {
			t.Fatal("the DoStop panic did not reach the caller")
		}
	}()
	p.ConnectionLost(nil)
}

// Ports test_tcp.py LogTests.test_logstrClientSetup, plus the server's log prefix.
func TestLogstrClientSetup(t *testing.T) {
	r := newReactor(t)
	c := connectPair(t, r, &recorder{}, &recorder{})
	if got := c.client.Transport.(*conn).LogPrefix(); got != "recorder,client" {
		t.Fatalf("client LogPrefix %q", got)
	}
	if got := c.server.Transport.(*conn).LogPrefix(); got != "recorder,0,127.0.0.1" {
		t.Fatalf("server LogPrefix %q", got)
	}
}

// stopListeningProto stops its port as soon as it is connected (a server that takes one
// connection only).
type stopListeningProto struct {
	BaseProtocol
	port *Port
}

func (p *stopListeningProto) ConnectionMade() { p.port.StopListening() }

// TestStopListeningDuringAcceptLoop: a protocol that stops the port from ConnectionMade ends
// the accept loop of that read, as Twisted's Port.doRead checks self.disconnecting before
// each accept; the connections still queued are not accepted.
func TestStopListeningDuringAcceptLoop(t *testing.T) {
	r := newReactor(t)
	built := 0
	var port *Port
	port, num := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol {
		built++
		return &stopListeningProto{port: port}
	}})
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(num))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	if err := port.DoRead(); err != nil {
		t.Fatal(err)
	}
	if built != 1 {
		t.Fatalf("built %d protocols after StopListening in the first one's ConnectionMade, want 1", built)
	}
}
