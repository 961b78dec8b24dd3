package trial_test

import (
	"bytes"
	"net"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// greeter writes a greeting when connected and answers each "ping" byte run with "pong".
type greeter struct {
	reactor.BaseProtocol
	greeting string
	received []byte
	calls    int // DataReceived calls
	lost     []*failure.Failure
	made     bool
}

func (g *greeter) ConnectionMade() {
	g.made = true
	if g.greeting != "" {
		g.Transport.Write([]byte(g.greeting))
	}
}

func (g *greeter) DataReceived(data []byte) {
	g.calls++
	g.received = append(g.received, data...)
	if bytes.HasSuffix(g.received, []byte("ping")) {
		g.Transport.Write([]byte("pong"))
	}
}

func (g *greeter) ConnectionLost(reason *failure.Failure) { g.lost = append(g.lost, reason) }

// Ports iosim's connect(greet=True): the greeting crosses during Connect.
func TestIOPumpConnectGreets(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		server := &greeter{greeting: "hello"}
		client := &greeter{}
		pump := trial.Connect(server, client, true)
		tc.True(server.made && client.made, "both protocols connected")
		tc.Equal(string(client.received), "hello")
		tc.Equal(client.calls, 1, "iosim delivers each pump's output in one call")

		client.Transport.Write([]byte("ping"))
		tc.Equal(string(server.received), "", "nothing moves until the pump runs")
		tc.True(pump.Flush())
		tc.Equal(string(server.received), "ping")
		tc.Equal(string(client.received), "hellopong")
		tc.False(pump.Flush(), "nothing left to move")
	})
}

// Ports test_pb.py's IOPump.pump: bytes are delivered one at a time.
func TestIOPumpByteAtATime(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		server := &greeter{greeting: "hello"}
		client := &greeter{}
		pump := trial.Connect(server, client, false)
		pump.ByteAtATime = true
		tc.True(pump.Pump())
		tc.Equal(string(client.received), "hello")
		tc.Equal(client.calls, 5)
	})
}

// Ports iosim's IOPump disconnect handling: buffered bytes first, then the peer of the
// closing side hears, then the closing side itself, one pump each.
func TestIOPumpLoseConnection(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		server := &greeter{}
		client := &greeter{}
		pump := trial.Connect(server, client, true)
		server.Transport.Write([]byte("bye"))
		server.Transport.LoseConnection()
		server.Transport.Write([]byte("dropped"))

		tc.True(pump.Pump())
		tc.Equal(string(client.received), "bye")
		tc.Equal(len(client.lost), 0)

		tc.True(pump.Pump())
		tc.Equal(len(client.lost), 1)
		tc.Equal(len(server.lost), 0)
		tc.True(client.lost[0].Check(failure.Type[*reactor.ConnectionDone]()) != nil)

		tc.True(pump.Pump())
		tc.Equal(len(server.lost), 1)
		tc.False(pump.Pump())
		tc.False(reactor.Base(client).Connected)
	})
}

// chatterbox answers every byte with a byte, forever.
type chatterbox struct{ reactor.BaseProtocol }

func (c *chatterbox) ConnectionMade()          { c.Transport.Write([]byte("x")) }
func (c *chatterbox) DataReceived(data []byte) { c.Transport.Write(data) }

// A conversation that never ends fails the test instead of hanging it (iosim's "Too long").
func TestIOPumpFlushTooLong(t *testing.T) {
	ft := runFake(t, "TestIOPumpFlushTooLong", func(tb testing.TB) {
		trial.Sync(tb, func(tc *trial.T) {
			trial.Connect(&chatterbox{}, &chatterbox{}, true)
		})
	})
	ft.expectFail(t, "still moving data after 1000 pumps")
}

type testFactory struct {
	newProto func() reactor.Protocol
	lost     []*failure.Failure
}

func (f *testFactory) DoStart()                                                   {}
func (f *testFactory) DoStop()                                                    {}
func (f *testFactory) BuildProtocol(net.Addr) reactor.Protocol                    { return f.newProto() }
func (f *testFactory) StartedConnecting(reactor.Connector)                        {}
func (f *testFactory) ClientConnectionFailed(reactor.Connector, *failure.Failure) {}
func (f *testFactory) ClientConnectionLost(_ reactor.Connector, reason *failure.Failure) {
	f.lost = append(f.lost, reason)
}

// Ports test_pb.py's connectServerAndClient: protocols from the factories, connected and
// pumped once; the test's cleanups disconnect both and tell the client factory.
func TestConnectServerAndClient(t *testing.T) {
	var client, server *greeter
	cf := &testFactory{newProto: func() reactor.Protocol { client = &greeter{greeting: "hi"}; return client }}
	sf := &testFactory{newProto: func() reactor.Protocol { server = &greeter{greeting: "welcome"}; return server }}
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		c, s, pump := trial.ConnectServerAndClient(tc, cf, sf)
		tc.Identical(c, reactor.Protocol(client))
		tc.Identical(s, reactor.Protocol(server))
		tc.Equal(string(server.received), "hi")
		tc.Equal(string(client.received), "welcome")
		tc.Equal(server.calls, 2, "one byte at a time")
		tc.Equal(s.(*greeter).Transport.GetPeer().String(), "iosim:client")
		pump.Flush()
		return nil
	})
	if len(client.lost) != 1 || len(server.lost) != 1 || len(cf.lost) != 1 {
		t.Fatalf("cleanups: client lost %d, server lost %d, factory lost %d; want 1 each",
			len(client.lost), len(server.lost), len(cf.lost))
	}
}
