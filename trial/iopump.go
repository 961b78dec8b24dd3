package trial

import (
	"bytes"
	"fmt"
	"net"
	"sync/atomic"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// In-memory connections for protocol tests, from Twisted's twisted.test.iosim and the
// IOPump in spread/test/test_pb.py: two protocols, each on a FakeTransport, and an IOPump
// that moves the bytes each one wrote to the other when the test says so. Nothing touches
// a socket or a reactor, so tests are deterministic: a PB client and server talk by
//
//	client, server, pump := trial.ConnectServerAndClient(tc, clientFactory, serverFactory)
//	d := root.CallRemote("echo", "hi") // writes into the client's FakeTransport
//	pump.Flush()                       // the server answers, the client reads the answer
//	tc.Equal(tc.SuccessResultOf(d), "hi")

// FakeAddress is the address of either end of a FakeTransport connection (iosim's
// FakeAddress).
type FakeAddress struct {
	// Name tells the ends apart in logs: "server" or "client" unless set otherwise.
	Name string
}

// Network returns "iosim".
func (a *FakeAddress) Network() string { return "iosim" }
func (a *FakeAddress) String() string  { return "iosim:" + a.Name }

var transportSerial atomic.Int64

// FakeTransport is one end of an in-memory connection driven by an IOPump (iosim's
// FakeTransport). Write buffers the bytes until the pump takes them; LoseConnection and
// AbortConnection only mark the transport as disconnecting, and the pump delivers
// ConnectionLost to both protocols once no data is left to move. Writes after that are
// dropped. It implements reactor.TCPTransport; the TCP options are accepted and ignored.
//
// Like everything on the reactor side, a FakeTransport belongs to one goroutine.
type FakeTransport struct {
	// Protocol receives the bytes the other end wrote.
	Protocol reactor.Protocol
	// IsServer tells whether this is the accepting end.
	IsServer bool
	// Host and Peer are what GetHost and GetPeer return.
	Host, Peer net.Addr
	// DisconnectReason is the error given to Protocol.ConnectionLost when the connection
	// closes; *reactor.ConnectionDone unless set.
	DisconnectReason error

	stream        []byte
	serial        int64
	disconnecting bool
	disconnected  bool // ConnectionLost was delivered to Protocol
	propagated    bool // this end's disconnect was passed to the other end (iosim's "disconnected")
	producer      reactor.PullProducer
	streaming     bool
}

// NewFakeTransport returns a transport that will deliver bytes to p; it does not connect p
// (Connect, or reactor.MakeConnection, does).
func NewFakeTransport(p reactor.Protocol, isServer bool) *FakeTransport {
	host, peer := &FakeAddress{Name: "client"}, &FakeAddress{Name: "server"}
	if isServer {
		host, peer = peer, host
	}
	return &FakeTransport{Protocol: p, IsServer: isServer, Host: host, Peer: peer,
		serial: transportSerial.Add(1)}
}

func (t *FakeTransport) String() string {
	side := "C"
	if t.IsServer {
		side = "S"
	}
	return fmt.Sprintf("FakeTransport<%s,%d,%T>", side, t.serial, t.Protocol)
}

// Write buffers a copy of data for the pump; it is dropped once the transport is
// disconnecting.
func (t *FakeTransport) Write(data []byte) {
	if t.disconnecting {
		return
	}
	t.stream = append(t.stream, data...)
}

// WriteSequence writes each chunk in turn.
func (t *FakeTransport) WriteSequence(data [][]byte) {
	for _, b := range data {
		t.Write(b)
	}
}

// LoseConnection marks the transport as disconnecting; buffered bytes are still delivered.
func (t *FakeTransport) LoseConnection() { t.disconnecting = true }

// AbortConnection is LoseConnection, as in iosim (buffered data is not dropped).
func (t *FakeTransport) AbortConnection() { t.disconnecting = true }

// LoseWriteConnection is accepted and ignored (iosim does the same).
func (t *FakeTransport) LoseWriteConnection() {}

// Disconnecting reports whether LoseConnection or AbortConnection was called.
func (t *FakeTransport) Disconnecting() bool { return t.disconnecting }

// Disconnected reports whether ConnectionLost was delivered to this end's protocol.
func (t *FakeTransport) Disconnected() bool { return t.disconnected }

// GetPeer returns Peer.
func (t *FakeTransport) GetPeer() net.Addr { return t.Peer }

// GetHost returns Host.
func (t *FakeTransport) GetHost() net.Addr { return t.Host }

// Value returns a copy of the bytes written and not yet taken by the pump.
func (t *FakeTransport) Value() []byte { return bytes.Clone(t.stream) }

// RegisterProducer attaches a producer; a pull producer is resumed now and again at each
// pump, as iosim's "idle time" check does. It fails if a producer is already registered.
func (t *FakeTransport) RegisterProducer(p reactor.PullProducer, streaming bool) error {
	if t.producer != nil {
		return fmt.Errorf("trial: cannot register producer %T, because producer %T was never unregistered", p, t.producer)
	}
	if streaming {
		if _, ok := p.(reactor.PushProducer); !ok {
			return fmt.Errorf("trial: streaming producer %T has no PauseProducing", p)
		}
	}
	t.producer, t.streaming = p, streaming
	if !streaming {
		p.ResumeProducing()
	}
	return nil
}

// UnregisterProducer detaches the producer.
func (t *FakeTransport) UnregisterProducer() { t.producer = nil }

// PauseProducing does nothing: a FakeTransport never reads on its own.
func (t *FakeTransport) PauseProducing() {}

// ResumeProducing does nothing.
func (t *FakeTransport) ResumeProducing() {}

// StopProducing loses the connection.
func (t *FakeTransport) StopProducing() { t.LoseConnection() }

// GetTCPNoDelay returns false.
func (t *FakeTransport) GetTCPNoDelay() bool { return false }

// SetTCPNoDelay is accepted and ignored.
func (t *FakeTransport) SetTCPNoDelay(bool) error { return nil }

// GetTCPKeepAlive returns false.
func (t *FakeTransport) GetTCPKeepAlive() bool { return false }

// SetTCPKeepAlive is accepted and ignored.
func (t *FakeTransport) SetTCPKeepAlive(bool) error { return nil }

func (t *FakeTransport) takeOutput() []byte {
	out := t.stream
	t.stream = nil
	return out
}

func (t *FakeTransport) checkProducer() {
	if t.producer != nil && !t.streaming {
		t.producer.ResumeProducing()
	}
}

// reportDisconnect delivers ConnectionLost to this end's protocol, once.
func (t *FakeTransport) reportDisconnect() {
	if t.disconnected {
		return
	}
	t.disconnected = true
	reason := t.DisconnectReason
	if reason == nil {
		reason = &reactor.ConnectionDone{}
	}
	reactor.Base(t.Protocol).Connected = false
	t.Protocol.ConnectionLost(failure.New(reason))
}

var _ reactor.TCPTransport = (*FakeTransport)(nil)

// IOPump moves bytes between two protocols connected by FakeTransports, deterministically
// and only when asked (test_pb.py's and iosim's IOPump). It runs no timers: code that
// schedules calls needs a task.Clock advanced by the test.
type IOPump struct {
	Client, Server     reactor.Protocol
	ClientIO, ServerIO *FakeTransport
	// ByteAtATime delivers every byte in its own DataReceived call, as test_pb.py's
	// IOPump does, which exercises incremental parsers at every split point. When false
	// (iosim's way) each pump delivers each side's output in one call.
	ByteAtATime bool
	// Debug, if set, receives a line for each pump describing what moved.
	Debug func(format string, args ...any)

	stopped bool
}

// MaxFlushPumps bounds Flush: protocols that keep talking forever fail the test instead of
// hanging it (iosim asserts "Too long" after the same count).
const MaxFlushPumps = 1000

// Connect connects server and client over two new FakeTransports (the server first, as
// iosim.connect does) and, if greet is true, flushes once so that greetings and
// handshakes are done when it returns.
func Connect(server, client reactor.Protocol, greet bool) *IOPump {
	st := NewFakeTransport(server, true)
	ct := NewFakeTransport(client, false)
	reactor.MakeConnection(server, st)
	reactor.MakeConnection(client, ct)
	p := &IOPump{Client: client, Server: server, ClientIO: ct, ServerIO: st}
	if greet {
		p.Flush()
	}
	return p
}

// Pump moves the bytes each side has written to the other side, client to server first,
// and reports whether anything moved. With nothing to move it handles one pending
// disconnect: the side that called LoseConnection and then its peer get ConnectionLost.
func (p *IOPump) Pump() bool {
	cData := p.ClientIO.takeOutput()
	sData := p.ServerIO.takeOutput()
	p.ClientIO.checkProducer()
	p.ServerIO.checkProducer()
	if p.Debug != nil {
		p.Debug("-- GLUG -- C: %q S: %q", cData, sData)
	}
	if len(cData) > 0 {
		p.deliver(p.ServerIO, cData)
	}
	if len(sData) > 0 {
		p.deliver(p.ClientIO, sData)
	}
	if len(cData) > 0 || len(sData) > 0 {
		return true
	}
	// As in iosim, a disconnect crosses the connection one pump at a time: the peer of
	// the side that closed hears first, then the closing side itself.
	if p.ServerIO.disconnecting && !p.ServerIO.propagated {
		if p.Debug != nil {
			p.Debug("* C")
		}
		p.ServerIO.propagated = true
		p.ClientIO.disconnecting = true
		p.ClientIO.reportDisconnect()
		return true
	}
	if p.ClientIO.disconnecting && !p.ClientIO.propagated {
		if p.Debug != nil {
			p.Debug("* S")
		}
		p.ClientIO.propagated = true
		p.ServerIO.disconnecting = true
		p.ServerIO.reportDisconnect()
		return true
	}
	return false
}

// deliver hands data to the protocol at the receiving end t, unless it is disconnected.
func (p *IOPump) deliver(t *FakeTransport, data []byte) {
	if !p.ByteAtATime {
		if !t.disconnected {
			t.Protocol.DataReceived(data)
		}
		return
	}
	for i := range data {
		if t.disconnected {
			return
		}
		t.Protocol.DataReceived(data[i : i+1])
	}
}

// Flush pumps until nothing moves or Stop is called, and reports whether anything moved.
// After MaxFlushPumps rounds it fails the test (panicking with a *FailTest).
func (p *IOPump) Flush() bool {
	p.stopped = false
	moved := false
	for i := 0; i < MaxFlushPumps; i++ {
		if p.stopped || !p.Pump() {
			return moved
		}
		moved = true
	}
	failNow(fmt.Sprintf("IOPump.Flush: still moving data after %d pumps", MaxFlushPumps))
	return moved
}

// Stop ends a running Flush (called from a protocol callback), even if data remains.
func (p *IOPump) Stop() { p.stopped = true }

// ConnectServerAndClient builds a protocol from each factory, connects them with an
// IOPump and pumps once to establish the connection: test_pb.py's connectServerAndClient,
// which PB tests use with a PBClientFactory and a PBServerFactory. It registers cleanups
// that, if the connection is still up when the test ends, deliver ConnectionLost
// (ConnectionDone) to both protocols and ClientConnectionLost to clientFactory. Bytes are
// delivered one at a time, as in test_pb.py; set pump.ByteAtATime = false for speed.
func ConnectServerAndClient(tc *T, clientFactory reactor.ClientFactory, serverFactory reactor.ProtocolFactory) (client, server reactor.Protocol, pump *IOPump) {
	clientAddr, serverAddr := &FakeAddress{Name: "client"}, &FakeAddress{Name: "server"}
	client = clientFactory.BuildProtocol(serverAddr)
	server = serverFactory.BuildProtocol(clientAddr)
	if client == nil || server == nil {
		failNow(fmt.Sprintf("ConnectServerAndClient: BuildProtocol returned nil (client %v, server %v)", client, server))
	}
	ct := NewFakeTransport(client, false)
	st := NewFakeTransport(server, true)
	reactor.MakeConnection(client, ct)
	reactor.MakeConnection(server, st)
	pump = &IOPump{Client: client, Server: server, ClientIO: ct, ServerIO: st, ByteAtATime: true}

	maybeDisconnect := func(t *FakeTransport) func() *deferred.Deferred {
		return func() *deferred.Deferred {
			t.reportDisconnect()
			return nil
		}
	}
	// Registered in test_pb.py's order; cleanups run last-added first, so the client
	// factory hears first, then the server and the client protocols.
	tc.AddCleanup(maybeDisconnect(ct))
	tc.AddCleanup(maybeDisconnect(st))
	tc.AddCleanup(func() *deferred.Deferred {
		clientFactory.ClientConnectionLost(&fakeConnector{dest: serverAddr}, failure.New(&reactor.ConnectionDone{}))
		return nil
	})
	pump.Pump()
	return client, server, pump
}

// fakeConnector is the Connector a ClientFactory is told about for an IOPump connection:
// there is nothing to connect, so its methods do nothing.
type fakeConnector struct{ dest net.Addr }

func (c *fakeConnector) Connect()                 {}
func (c *fakeConnector) StopConnecting() error    { return &reactor.NotConnectingError{} }
func (c *fakeConnector) Disconnect()              {}
func (c *fakeConnector) GetDestination() net.Addr { return c.dest }
