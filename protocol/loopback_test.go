package protocol_test

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// These tests use real sockets on 127.0.0.1, each on trial's fresh reactor: the janitor
// fails a test that leaves a port listening, a connection open or a call scheduled.

// echo writes back what it receives; lost fires when its connection has closed.
type echo struct {
	protocol.Protocol
	lost *deferred.Deferred
}

func (e *echo) DataReceived(data []byte)          { e.Transport.Write(data) }
func (e *echo) ConnectionLost(r *failure.Failure) { e.lost.Callback(nil) }

// echoFactory builds echo protocols. Each connection adds a cleanup that closes the server
// side if it is still open and waits until it has closed, so a test ends only once both
// ends are gone.
func echoFactory(tc *trial.T) *protocol.Factory {
	return protocol.ForProtocol(func() protocol.IProtocol {
		e := &echo{lost: deferred.New(nil)}
		tc.AddCleanup(func() *deferred.Deferred {
			if e.Connected {
				e.Transport.LoseConnection()
			}
			return e.lost
		})
		return e
	})
}

// greeter sends a message when connected and fires done with what comes back.
type greeter struct {
	protocol.Protocol
	msg  string
	got  []byte
	done *deferred.Deferred
}

func newGreeter(msg string) *greeter { return &greeter{msg: msg, done: deferred.New(nil)} }

func (g *greeter) ConnectionMade() { g.Transport.Write([]byte(g.msg)) }
func (g *greeter) DataReceived(data []byte) {
	g.got = append(g.got, data...)
	if len(g.got) >= len(g.msg) {
		g.Transport.LoseConnection()
	}
}
func (g *greeter) ConnectionLost(reason *failure.Failure) { g.done.Callback(string(g.got)) }

// closedPort returns a loopback port nothing listens on.
func closedPort() int {
	l := trial.Must(net.Listen("tcp", "127.0.0.1:0"))
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Endpoints over loopback: the server endpoint's Deferred fires with a listening port, the
// client endpoint's with the connected protocol, and bytes flow both ways.
func TestEndpointsLoopbackTCP(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		server := trial.Must(protocol.ServerFromString(r, "tcp:0:interface=127.0.0.1"))
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			port, err := deferred.Await[reactor.ListeningPort](c, server.Listen(echoFactory(tc)))
			tc.NoError(err)
			tc.AddCleanup(port.StopListening)

			client := trial.Must(protocol.ClientFromString(r, "tcp:127.0.0.1:"+strconv.Itoa(port.GetHost().(*net.TCPAddr).Port)))
			g := newGreeter("hello, world")
			p, err := c.Await(client.Connect(protocol.ForProtocol(func() protocol.IProtocol { return g })))
			tc.NoError(err)
			tc.Identical(p, g, "Connect fired with something other than the protocol")
			echoed, err := c.Await(g.done)
			tc.NoError(err)
			tc.Equal(echoed, "hello, world")
			return nil, nil
		})
	})
}

// A listen error arrives as the Deferred's failure (CannotListenError), not as a returned
// error.
func TestEndpointsListenFailureLoopback(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			ep := protocol.NewTCP4ServerEndpoint(r, 0)
			ep.Interface = "127.0.0.1"
			port, err := deferred.Await[reactor.ListeningPort](c, ep.Listen(echoFactory(tc)))
			tc.NoError(err)
			tc.AddCleanup(port.StopListening)

			ep2 := protocol.NewTCP4ServerEndpoint(r, port.GetHost().(*net.TCPAddr).Port)
			ep2.Interface = "127.0.0.1"
			_, err = c.Await(ep2.Listen(&protocol.Factory{}))
			tc.ErrorIs(err, failure.Type[*reactor.CannotListenError]())
			return nil, nil
		})
	})
}

// A refused connection fails the client endpoint's Deferred with ConnectionRefusedError.
func TestEndpointsConnectRefused(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		ep := protocol.NewTCP4ClientEndpoint(tc.Reactor(), "127.0.0.1", closedPort())
		return tc.AssertFailure(ep.Connect(echoFactory(tc)), failure.Type[*reactor.ConnectionRefusedError]())
	})
}

// UNIX endpoints over a socket file.
func TestEndpointsLoopbackUNIX(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		path := filepath.Join(tc.TB().TempDir(), "echo.sock")
		server := trial.Must(protocol.ServerFromString(r, "unix:"+protocol.QuoteStringArgument(path)+":lockfile=0"))
		client := trial.Must(protocol.ClientFromString(r, "unix:path="+protocol.QuoteStringArgument(path)))
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			port, err := deferred.Await[reactor.ListeningPort](c, server.Listen(echoFactory(tc)))
			tc.NoError(err)
			tc.AddCleanup(port.StopListening)

			g := newGreeter("over unix")
			p, err := c.Await(protocol.ConnectProtocol(client, g))
			tc.NoError(err)
			tc.Identical(p, g, "ConnectProtocol fired with something other than the protocol")
			echoed, err := c.Await(g.done)
			tc.NoError(err)
			tc.Equal(echoed, "over unix")
			return nil, nil
		})
	})
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

// recordingClock remembers the calls scheduled through it.
type recordingClock struct {
	reactor.ReactorTime
	calls []*reactor.DelayedCall
}

func (c *recordingClock) CallLater(d time.Duration, f func()) *reactor.DelayedCall {
	dc := c.ReactorTime.CallLater(d, f)
	c.calls = append(c.calls, dc)
	return dc
}

// A ReconnectingClientFactory on the real reactor retries a refused connection MaxRetries
// times, then gives up, leaving nothing scheduled.
func TestReconnectingClientFactoryLoopback(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		f := &countingReconnector{done: deferred.New(nil)}
		f.InitialDelay = time.Millisecond
		f.Jitter = -1
		f.MaxRetries = 3
		f.Protocol = func() protocol.IProtocol { return &echo{lost: deferred.New(nil)} }
		clock := &recordingClock{ReactorTime: r}
		f.Clock = clock
		r.ConnectTCP("127.0.0.1", closedPort(), f)
		return f.done.AddCallback(func(any) (any, error) {
			tc.Equal(f.failures, 4, "failed attempts")
			tc.Equal(len(clock.calls), 3, "retries scheduled")
			for _, dc := range clock.calls {
				tc.False(dc.Active(), "still scheduled after giving up: %v", dc)
			}
			return nil, nil
		})
	})
}

// ClientCreator over loopback: the Deferred fires with the connected instance.
func TestClientCreatorLoopback(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		port := trial.Must(r.ListenTCP(0, echoFactory(tc), reactor.Interface("127.0.0.1")))
		tc.AddCleanup(port.StopListening)
		cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return newGreeter("cc") })
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			g, err := deferred.Await[*greeter](c, cc.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, 0))
			tc.NoError(err)
			echoed, err := c.Await(g.done)
			tc.NoError(err)
			tc.Equal(echoed, "cc")
			return nil, nil
		})
	})
}
