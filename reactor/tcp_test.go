package reactor

import (
	"bytes"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotwisted/twisted/failure"
)

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

// Ports test_tcp.py ListeningTests.test_listen and testNumberedInterface.
func TestListen(t *testing.T) {
	r := newReactor(t)
	f := &testFactory{}
	var lp ListeningPort
	p, err := r.ListenTCP(0, f, Interface("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	lp = p
	addr, ok := lp.GetHost().(*net.TCPAddr)
	if !ok || addr.Port == 0 || !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("GetHost: %#v", lp.GetHost())
	}
	if f.starts != 1 {
		t.Fatalf("DoStart called %d times", f.starts)
	}
	d := lp.StopListening()
	stopped := false
	d.AddCallback(func(any) (any, error) { stopped = true; return nil, nil })
	spin(t, r, func() bool { return stopped })
}

// Ports test_tcp.py ListeningTests.testStopListening: after the Deferred fires the port is
// closed and connections are refused.
func TestStopListening(t *testing.T) {
	r := newReactor(t)
	f := &testFactory{build: func(net.Addr) Protocol { return &recorder{} }}
	p, num := listenLocal(t, r, f)
	stopped := false
	p.StopListening().AddCallback(func(any) (any, error) { stopped = true; return nil, nil })
	if stopped {
		t.Fatal("StopListening fired synchronously")
	}
	spin(t, r, func() bool { return stopped })
	if f.stops != 1 || p.Fileno() != -1 {
		t.Fatalf("stops=%d fileno=%d", f.stops, p.Fileno())
	}
	cf := &testFactory{}
	r.ConnectTCP("127.0.0.1", num, cf)
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[*ConnectionRefusedError](cf.failed[0]) {
		t.Fatalf("connect to a stopped port: %v", cf.failed[0])
	}
	// Stopping again is harmless and returns a fired Deferred.
	if !p.StopListening().Called() {
		t.Fatal("second StopListening")
	}
}

// Ports test_tcp.py ListeningTests.test_restartListening.
func TestRestartListening(t *testing.T) {
	r := newReactor(t)
	server := &echo{}
	f := &testFactory{build: func(net.Addr) Protocol { return server }}
	p, num := listenLocal(t, r, f)
	stopped := false
	p.StopListening().AddCallback(func(any) (any, error) { stopped = true; return nil, nil })
	spin(t, r, func() bool { return stopped })
	if err := p.StartListening(); err != nil {
		t.Fatal(err)
	}
	// Like Twisted, a port asked for port 0 picks a fresh free port when restarted.
	num = p.GetHost().(*net.TCPAddr).Port
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("again")) }}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return client }})
	spin(t, r, func() bool { return string(client.data) == "again" })
	if f.starts != 2 || f.stops != 1 {
		t.Fatalf("starts=%d stops=%d", f.starts, f.stops)
	}
}

// Ports test_tcp.py ListeningTests.test_exceptInStop and test_restartAfterExcept: a panic in
// the factory's DoStop fails the StopListening Deferred, and the port can be restarted.
func TestExceptInStop(t *testing.T) {
	r := newReactor(t)
	f := &testFactory{doStopHook: func() { panic(errors.New("stopFactory boom")) }}
	p, _ := listenLocal(t, r, f)
	var got *failure.Failure
	done := false
	p.StopListening().AddErrback(func(fl *failure.Failure) (any, error) { got = fl; return nil, nil }).
		AddBoth(func(any) (any, error) { done = true; return nil, nil })
	spin(t, r, func() bool { return done })
	if got == nil || !strings.Contains(got.Error(), "stopFactory boom") {
		t.Fatalf("StopListening failure: %v", got)
	}
	f.doStopHook = nil
	if err := p.StartListening(); err != nil {
		t.Fatalf("restart after a failed stop: %v", err)
	}
}

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

// Ports test_tcp.py CannotBindTests.test_clientBind: binding the client socket to an
// address in use fails the attempt with ConnectBindError.
func TestClientBind(t *testing.T) {
	r := newReactor(t)
	_, num := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &recorder{} }})
	used, _ := listenLocal(t, r, &testFactory{})
	cf := &testFactory{}
	r.ConnectTCP("127.0.0.1", num, cf, BindAddress("127.0.0.1", used.GetHost().(*net.TCPAddr).Port))
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[*ConnectBindError](cf.failed[0]) {
		t.Fatalf("got %v", cf.failed[0])
	}
	// A free bind address works, and the server sees it as the peer.
	free, _ := listenLocal(t, r, &testFactory{})
	freePort := free.GetHost().(*net.TCPAddr).Port
	free.connectionLostNow()
	client := &recorder{}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return client }},
		BindAddress("127.0.0.1", freePort))
	spin(t, r, func() bool { return client.Connected })
	if got := client.Transport.GetHost().(*net.TCPAddr).Port; got != freePort {
		t.Fatalf("client bound to %d, want %d", got, freePort)
	}
}

// Ports test_tcp.py LoopbackTests.testFailing and test_connectionRefusedErrorNumber.
func TestConnectionRefused(t *testing.T) {
	r := newReactor(t)
	p, num := listenLocal(t, r, &testFactory{})
	p.connectionLostNow()
	cf := &testFactory{}
	c := r.ConnectTCP("127.0.0.1", num, cf)
	if len(cf.failed) != 0 || len(cf.started) != 1 {
		t.Fatal("the attempt failed synchronously or did not report StartedConnecting")
	}
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	f := cf.failed[0]
	if !isReason[*ConnectionRefusedError](f) || !isReason[AnyConnectError](f) || !errors.Is(f, unix.ECONNREFUSED) {
		t.Fatalf("got %v", f)
	}
	if cf.starts != 1 || cf.stops != 1 {
		t.Fatalf("starts=%d stops=%d", cf.starts, cf.stops)
	}
	var nc *NotConnectingError
	if err := c.StopConnecting(); !errors.As(err, &nc) {
		t.Fatalf("StopConnecting after failure: %v", err)
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

// Ports test_tcp.py LoopbackTests.test_tcpNoDelay and test_tcpKeepAlive.
func TestTCPNoDelayAndKeepAlive(t *testing.T) {
	r := newReactor(t)
	c := connectPair(t, r, &recorder{}, &recorder{})
	for _, p := range []*recorder{c.server, c.client} {
		tt := p.Transport.(TCPTransport)
		if tt.GetTCPNoDelay() || tt.GetTCPKeepAlive() {
			t.Fatal("NODELAY/KEEPALIVE on by default")
		}
		tt.SetTCPNoDelay(true)
		tt.SetTCPKeepAlive(true)
		if !tt.GetTCPNoDelay() || !tt.GetTCPKeepAlive() {
			t.Fatal("set did not stick")
		}
		tt.SetTCPNoDelay(false)
		tt.SetTCPKeepAlive(false)
		if tt.GetTCPNoDelay() || tt.GetTCPKeepAlive() {
			t.Fatal("unset did not stick")
		}
	}
}

// Ports test_tcp.py LocalRemoteAddressTests.test_hostAddress and
// AddressTests.test_buildProtocolClient.
func TestHostAndPeerAddress(t *testing.T) {
	r := newReactor(t)
	var built net.Addr
	client := &recorder{}
	server := &recorder{}
	sf := &testFactory{build: func(a net.Addr) Protocol { return server }}
	_, num := listenLocal(t, r, sf)
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(a net.Addr) Protocol { built = a; return client }})
	spin(t, r, func() bool { return server.Connected && client.Connected })
	sh, sp := server.Transport.GetHost().(*net.TCPAddr), server.Transport.GetPeer().(*net.TCPAddr)
	ch, cp := client.Transport.GetHost().(*net.TCPAddr), client.Transport.GetPeer().(*net.TCPAddr)
	if sh.Port != num || cp.Port != num || sp.Port != ch.Port || !sp.IP.Equal(ch.IP) {
		t.Fatalf("server %v/%v client %v/%v", sh, sp, ch, cp)
	}
	if built.String() != cp.String() {
		t.Fatalf("BuildProtocol got %v, want the peer %v", built, cp)
	}
}

// Ports test_tcp.py FactoryTests.test_serverStartStop: DoStart/DoStop once per port.
func TestServerStartStop(t *testing.T) {
	r := newReactor(t)
	f := &testFactory{}
	p1, _ := listenLocal(t, r, f)
	p2, _ := listenLocal(t, r, f)
	if f.starts != 2 {
		t.Fatalf("starts=%d", f.starts)
	}
	n := 0
	for _, p := range []*Port{p1, p2} {
		p.StopListening().AddCallback(func(any) (any, error) { n++; return nil, nil })
	}
	spin(t, r, func() bool { return n == 2 })
	if f.stops != 2 {
		t.Fatalf("stops=%d", f.stops)
	}
}

// Ports test_tcp.py FactoryTests.test_clientStartStop: a connector starts its factory on the
// first attempt and stops it only when the factory does not reconnect.
func TestClientStartStop(t *testing.T) {
	r := newReactor(t)
	p, num := listenLocal(t, r, &testFactory{})
	p.connectionLostNow()
	cf := &testFactory{}
	attempts := 0
	cf.onFailed = func(c Connector, _ *failure.Failure) {
		attempts++
		if attempts < 3 {
			c.Connect()
		}
	}
	r.ConnectTCP("127.0.0.1", num, cf)
	spin(t, r, func() bool { return attempts == 3 })
	if cf.starts != 1 || cf.stops != 1 || len(cf.started) != 3 {
		t.Fatalf("starts=%d stops=%d startedConnecting=%d", cf.starts, cf.stops, len(cf.started))
	}
}

// Ports test_tcp.py WriteDataTests.test_writer: Write and WriteSequence deliver in order.
func TestWriter(t *testing.T) {
	r := newReactor(t)
	writer := &recorder{onMade: func(p *recorder) {
		p.Transport.Write([]byte("Hello Cleveland!\n"))
		p.Transport.WriteSequence([][]byte{[]byte("Goodbye"), []byte(" cruel"), []byte(" world"), []byte("\n")})
		p.Transport.LoseConnection()
	}}
	reader := &recorder{}
	connectPair(t, r, writer, reader)
	spin(t, r, func() bool { return reader.reason != nil })
	if want := "Hello Cleveland!\nGoodbye cruel world\n"; string(reader.data) != want {
		t.Fatalf("got %q", reader.data)
	}
	if !isReason[*ConnectionDone](reader.reason) {
		t.Fatalf("reason %v", reader.reason)
	}
}

// The caller may reuse its buffer as soon as Write returns: the transport copied it.
func TestWriteCopiesCallerBuffer(t *testing.T) {
	r := newReactor(t)
	reader := &recorder{}
	c := connectPair(t, r, &recorder{}, reader)
	buf := []byte("first")
	c.server.Transport.Write(buf)
	copy(buf, "XXXXX")
	c.server.Transport.Write(buf)
	spin(t, r, func() bool { return len(reader.data) == 10 })
	if string(reader.data) != "firstXXXXX" {
		t.Fatalf("got %q", reader.data)
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

// write a; LoseConnection; write b delivers "ab" and ends with ConnectionDone on both sides
// (verified against Twisted).
func TestWriteLoseConnectionWrite(t *testing.T) {
	r := newReactor(t)
	writer := &recorder{onMade: func(p *recorder) {
		p.Transport.Write([]byte("a"))
		p.Transport.LoseConnection()
		p.Transport.Write([]byte("b"))
	}}
	reader := &recorder{}
	connectPair(t, r, writer, reader)
	spin(t, r, func() bool { return reader.reason != nil && writer.reason != nil })
	if string(reader.data) != "ab" {
		t.Fatalf("got %q", reader.data)
	}
	if !isReason[*ConnectionDone](reader.reason) || !isReason[*ConnectionDone](writer.reason) {
		t.Fatalf("reasons %v / %v", reader.reason, writer.reason)
	}
}

// Ports test_tcp.py LargeBufferTests.testWriter: a 4 MiB write arrives complete and in order.
func TestLargeBufferWriter(t *testing.T) {
	r := newReactor(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 256*1024)
	writer := &recorder{onMade: func(p *recorder) {
		p.Transport.Write(big[:100])
		p.Transport.Write(big[100:])
		p.Transport.LoseConnection()
	}}
	reader := &recorder{}
	connectPair(t, r, writer, reader)
	spin(t, r, func() bool { return reader.reason != nil })
	if !bytes.Equal(reader.data, big) {
		t.Fatalf("received %d bytes, want %d (equal prefix %v)", len(reader.data), len(big), bytes.HasPrefix(big, reader.data))
	}
}

// Ports test_tcp.py WriteDataTests.test_writeAfterShutdownWithoutReading: a transport that
// is not reading still learns the connection was lost when it writes.
func TestWriteAfterShutdownWithoutReading(t *testing.T) {
	r := newReactor(t)
	c := connectPair(t, r, &recorder{}, &recorder{})
	c.client.Transport.(TCPTransport).PauseProducing()
	c.server.Transport.LoseConnection()
	spin(t, r, func() bool { return c.server.reason != nil })
	// Write until the kernel reports the peer is gone (the first write may still be
	// accepted; the reset it provokes fails a later one).
	spin(t, r, func() bool {
		c.client.Transport.Write([]byte("x"))
		return c.client.reason != nil
	})
	if !isReason[AnyConnectionLost](c.client.reason) {
		t.Fatalf("reason %v", c.client.reason)
	}
}

// Ports test_tcp.py CallBackOrderTests.test_loseOrder: Protocol.ConnectionLost runs before
// the factory's ClientConnectionLost.
func TestLoseOrder(t *testing.T) {
	r := newReactor(t)
	var events []string
	client := &recorder{events: &events}
	c := connectPair(t, r, &recorder{}, client)
	c.cf.events = &events
	client.Transport.LoseConnection()
	spin(t, r, func() bool { return len(events) == 2 })
	if want := []string{"connectionLost", "clientConnectionLost"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v", events)
	}
	if c.cf.stops != 1 {
		t.Fatalf("client factory stops=%d", c.cf.stops)
	}
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

// AbortConnection drops buffered data and delivers ConnectionAborted (a ConnectionLost) on
// a later iteration; the peer sees the reset as ConnectionLost.
func TestAbortConnection(t *testing.T) {
	r := newReactor(t)
	c := connectPair(t, r, &recorder{}, &recorder{})
	c.client.Transport.Write([]byte("never sent"))
	c.client.Transport.AbortConnection()
	c.client.Transport.AbortConnection() // second call is a no-op
	if c.client.reason != nil {
		t.Fatal("ConnectionLost ran inside AbortConnection")
	}
	spin(t, r, func() bool { return c.client.reason != nil && c.server.reason != nil })
	if !isReason[*ConnectionAborted](c.client.reason) || !isReason[AnyConnectionLost](c.client.reason) {
		t.Fatalf("aborting side: %v", c.client.reason)
	}
	if !isReason[*ConnectionLost](c.server.reason) {
		t.Fatalf("peer: %v", c.server.reason)
	}
	if len(c.server.data) != 0 {
		t.Fatalf("aborted data arrived: %q", c.server.data)
	}
	if c.client.lostN != 1 || len(c.cf.lost) != 1 {
		t.Fatalf("ConnectionLost %d times, ClientConnectionLost %d times", c.client.lostN, len(c.cf.lost))
	}
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

// Ports test_tcp.py HalfCloseTests.testWriteCloseNotification.
func TestWriteCloseNotification(t *testing.T) {
	r := newReactor(t)
	server, client := &halfCloser{}, &halfCloser{}
	connectPair(t, r, server, client)
	server.Transport.(TCPTransport).LoseWriteConnection()
	spin(t, r, func() bool { return server.writeLost == 1 && client.readLost == 1 })
	if server.readLost != 0 {
		t.Fatal("server's read side reported closed")
	}
	client.Transport.LoseConnection()
	spin(t, r, func() bool { return client.reason != nil && server.readLost == 1 })
	// Because the server half-closed, it must close explicitly too (Twisted's tearDown).
	server.Transport.LoseConnection()
	if !isReason[*ConnectionDone](server.reason) {
		t.Fatalf("server reason %v", server.reason)
	}
}

// Ports test_tcp.py HalfCloseNoNotificationAndShutdownExceptionTests.testNoNotification: a
// protocol without half-close support loses the whole connection when the peer half-closes.
func TestHalfCloseNoNotification(t *testing.T) {
	r := newReactor(t)
	server, client := &recorder{}, &recorder{}
	connectPair(t, r, server, client)
	client.Transport.Write([]byte("hello"))
	client.Transport.(TCPTransport).LoseWriteConnection()
	spin(t, r, func() bool { return server.reason != nil && client.reason != nil })
	if string(server.data) != "hello" || !isReason[*ConnectionDone](server.reason) {
		t.Fatalf("server %q %v", server.data, server.reason)
	}
}

// Ports test_tcp.py HalfCloseNoNotificationAndShutdownExceptionTests.testShutdownException:
// LoseWriteConnection after the peer closed passes silently.
func TestHalfCloseShutdownException(t *testing.T) {
	r := newReactor(t)
	server, client := &recorder{}, &recorder{}
	connectPair(t, r, server, client)
	server.Transport.LoseConnection()
	client.Transport.Write([]byte("X"))
	client.Transport.(TCPTransport).LoseWriteConnection()
	spin(t, r, func() bool { return server.reason != nil && client.reason != nil })
}

// Ports test_tcp.py HalfCloseBuggyApplicationTests.test_readNotificationRaises and
// test_writeNotificationRaises: a panic in a half-close hook is logged and loses the
// connection.
func TestHalfCloseNotificationPanics(t *testing.T) {
	for _, side := range []string{"read", "write"} {
		t.Run(side, func(t *testing.T) {
			logs := captureLogs(t)
			r := newReactor(t)
			bug := func(*halfCloser) { panic(errors.New("ONO I AM BUGGY CODE")) }
			server, client := &halfCloser{}, &halfCloser{}
			connectPair(t, r, server, client)
			if side == "read" {
				client.onReadLost = bug
				server.Transport.(TCPTransport).LoseWriteConnection()
			} else {
				client.onWriteLost = bug
				client.Transport.(TCPTransport).LoseWriteConnection()
			}
			spin(t, r, func() bool { return client.reason != nil })
			if fs := logs.failures(); len(fs) != 1 || !strings.Contains(fs[0].Error(), "BUGGY") {
				t.Fatalf("logged %v", fs)
			}
			if !strings.Contains(client.reason.Error(), "BUGGY") {
				t.Fatalf("reason %v", client.reason)
			}
		})
	}
}

// A connect attempt that outlives its Timeout fails with TimeoutError (a UserError).
func TestConnectTimeout(t *testing.T) {
	r := newReactor(t)
	_, num := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &recorder{} }})
	cf := &testFactory{build: func(net.Addr) Protocol { return &recorder{} }}
	// The timeout is due as soon as the attempt starts, so it fires in the same timer pass,
	// before the connect can complete.
	r.ConnectTCP("127.0.0.1", num, cf, Timeout(time.Nanosecond))
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[*TimeoutError](cf.failed[0]) || !isReason[AnyUserError](cf.failed[0]) {
		t.Fatalf("got %v", cf.failed[0])
	}
	if want := "User timeout caused connection failure."; cf.failed[0].Error() != want {
		t.Fatalf("message %q", cf.failed[0].Error())
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

// Connecting by host name resolves it off the loop.
func TestConnectByHostName(t *testing.T) {
	r := newReactor(t)
	_, num := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &echo{} }})
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("by name")) }}
	r.ConnectTCP("localhost", num, &testFactory{build: func(net.Addr) Protocol { return client }})
	spin(t, r, func() bool { return string(client.data) == "by name" })

	cf := &testFactory{}
	r.ConnectTCP("no-such-host.invalid", num, cf)
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[*DNSLookupError](cf.failed[0]) {
		t.Fatalf("got %v", cf.failed[0])
	}
}

// BuildProtocol returning nil refuses the connection: the server closes it at once, and a
// client connects a stand-in protocol and loses the connection.
func TestBuildProtocolNil(t *testing.T) {
	r := newReactor(t)
	_, num := listenLocal(t, r, &testFactory{})
	client := &recorder{}
	cf := &testFactory{build: func(net.Addr) Protocol { return client }}
	r.ConnectTCP("127.0.0.1", num, cf)
	spin(t, r, func() bool { return client.reason != nil })
	if !isReason[*ConnectionDone](client.reason) {
		t.Fatalf("refused by the server: %v", client.reason)
	}
	_, echoPort := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &echo{} }})
	nilClient := &testFactory{}
	r.ConnectTCP("127.0.0.1", echoPort, nilClient)
	spin(t, r, func() bool { return len(nilClient.lost) == 1 })
	if nilClient.stops != 1 {
		t.Fatalf("stops=%d", nilClient.stops)
	}
}

// A panic in one connection's protocol is logged and loses only that connection; the
// server keeps serving others (bad input never stalls other connections).
func TestProtocolPanicDisconnectsOnlyThatConnection(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	sf := &testFactory{build: func(net.Addr) Protocol {
		return &recorder{onData: func(p *recorder, data []byte) {
			if bytes.Contains(data, []byte("boom")) {
				panic("protocol bug")
			}
			p.Transport.Write(data)
		}}
	}}
	_, num := listenLocal(t, r, sf)
	good := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("one")) }}
	bad := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("boom")) }}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return good }})
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return bad }})
	spin(t, r, func() bool { return bad.reason != nil && string(good.data) == "one" })
	good.Transport.Write([]byte("two"))
	spin(t, r, func() bool { return string(good.data) == "onetwo" })
	if good.reason != nil {
		t.Fatalf("good connection lost: %v", good.reason)
	}
	if fs := logs.failures(); len(fs) != 1 || !strings.Contains(fs[0].Error(), "protocol bug") {
		t.Fatalf("logged %v", fs)
	}
	// Panics in ConnectionMade are handled the same way.
	sf2 := &testFactory{build: func(net.Addr) Protocol {
		return &recorder{onMade: func(*recorder) { panic("made bug") }}
	}}
	_, num2 := listenLocal(t, r, sf2)
	victim := &recorder{}
	r.ConnectTCP("127.0.0.1", num2, &testFactory{build: func(net.Addr) Protocol { return victim }})
	spin(t, r, func() bool { return victim.reason != nil })
}

// A peer that connects and sends nothing holds its connection open (the reactor has no
// idle timeout; protocols add one with CallLater) without delaying anyone else.
func TestSilentPeerDoesNotStallOthers(t *testing.T) {
	r := newReactor(t)
	var servers []*recorder
	sf := &testFactory{build: func(net.Addr) Protocol {
		p := &recorder{onData: func(p *recorder, d []byte) { p.Transport.Write(d) }}
		servers = append(servers, p)
		return p
	}}
	_, num := listenLocal(t, r, sf)
	silent := &recorder{}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return silent }})
	spin(t, r, func() bool { return silent.Connected && len(servers) == 1 && servers[0].Connected })
	for i := 0; i < 10; i++ {
		c := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("ping")) }}
		r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return c }})
		spin(t, r, func() bool { return string(c.data) == "ping" })
		c.Transport.LoseConnection()
	}
	if silent.reason != nil || servers[0].reason != nil {
		t.Fatal("the silent connection was closed")
	}
}

// A peer that resets while the server is writing a large buffer ends that server
// connection with ConnectionLost, and nothing panics.
func TestPeerResetsMidWrite(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	big := bytes.Repeat([]byte("x"), 8<<20)
	server := &recorder{onMade: func(p *recorder) { p.Transport.Write(big) }}
	client := &recorder{onData: func(p *recorder, _ []byte) { p.Transport.AbortConnection() }}
	connectPair(t, r, server, client)
	spin(t, r, func() bool { return server.reason != nil && client.reason != nil })
	if !isReason[*ConnectionLost](server.reason) {
		t.Fatalf("server reason %v", server.reason)
	}
	if !errors.Is(server.reason, unix.ECONNRESET) && !errors.Is(server.reason, unix.EPIPE) {
		t.Fatalf("server reason carries %v", server.reason)
	}
	if fs := logs.failures(); len(fs) != 0 {
		t.Fatalf("logged errors: %v", fs)
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

// IPv6 literals work for listening and connecting (where the host has ::1).
func TestIPv6Loopback(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback here: ", err)
	} else {
		ln.Close()
	}
	r := newReactor(t)
	p, err := r.ListenTCP(0, &testFactory{build: func(net.Addr) Protocol { return &echo{} }}, Interface("::1"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.(*Port).connectionLostNow()
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("v6")) }}
	r.ConnectTCP("::1", p.GetHost().(*net.TCPAddr).Port, &testFactory{build: func(net.Addr) Protocol { return client }})
	spin(t, r, func() bool { return string(client.data) == "v6" })
	if a := client.Transport.GetPeer().(*net.TCPAddr); !a.IP.Equal(net.IPv6loopback) {
		t.Fatalf("peer %v", a)
	}
}

// Ports test_tcp.py ListeningTests.test_directConnectionLostCall.
func TestDirectConnectionLostCall(t *testing.T) {
	r := newReactor(t)
	p, num := listenLocal(t, r, &testFactory{})
	p.ConnectionLost(nil)
	cf := &testFactory{}
	r.ConnectTCP("127.0.0.1", num, cf)
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[*ConnectionRefusedError](cf.failed[0]) {
		t.Fatalf("got %v", cf.failed[0])
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
