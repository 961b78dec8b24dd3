package protocol_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

// endpointCase describes one endpoint type for the shared endpoint tests (Twisted's
// EndpointTestCaseMixin with TCP4EndpointsTests and UNIXEndpointsTests).
type endpointCase struct {
	name string
	// server builds a server endpoint on r; nonDefault sets the non-default listen args.
	server func(r protocol.Reactor, nonDefault bool) protocol.StreamServerEndpoint
	// servers returns what r recorded, in a comparable form.
	servers       func(r *reactortest.MemoryReactor) []any
	wantServer    func(f protocol.IProtocolFactory, nonDefault bool) any
	expectedHost  string
	client        func(r protocol.Reactor, nonDefault bool) protocol.StreamClientEndpoint
	clients       func(r *reactortest.MemoryReactor) []any
	wantClient    func(nonDefault bool) any
	clientFactory func(r *reactortest.MemoryReactor) protocol.IClientFactory
	destination   string
}

var endpointCases = []endpointCase{
	{
		name: "TCP4",
		server: func(r protocol.Reactor, nd bool) protocol.StreamServerEndpoint {
			ep := protocol.NewTCP4ServerEndpoint(r, 0)
			if nd {
				ep.Backlog, ep.Interface = 100, "127.0.0.1"
			}
			return ep
		},
		servers: func(r *reactortest.MemoryReactor) []any {
			var out []any
			for _, s := range r.TCPServers {
				out = append(out, s)
			}
			return out
		},
		wantServer: func(f protocol.IProtocolFactory, nd bool) any {
			if nd {
				return reactortest.TCPServer{Port: 0, Factory: f, Backlog: 100, Interface: "127.0.0.1"}
			}
			return reactortest.TCPServer{Port: 0, Factory: f, Backlog: 50}
		},
		expectedHost: "0.0.0.0:0",
		client: func(r protocol.Reactor, nd bool) protocol.StreamClientEndpoint {
			ep := protocol.NewTCP4ClientEndpoint(r, "localhost", 80)
			if nd {
				ep.Timeout, ep.BindAddress, ep.BindPort = 10*time.Second, "localhost", 49595
			}
			return ep
		},
		clients: func(r *reactortest.MemoryReactor) []any {
			var out []any
			for _, c := range r.TCPClients {
				c.Factory = nil // the wrapping factory is an implementation detail
				out = append(out, c)
			}
			return out
		},
		wantClient: func(nd bool) any {
			if nd {
				return reactortest.TCPClient{Host: "localhost", Port: 80, Timeout: 10 * time.Second, BindAddress: "localhost:49595"}
			}
			return reactortest.TCPClient{Host: "localhost", Port: 80, Timeout: 30 * time.Second}
		},
		clientFactory: func(r *reactortest.MemoryReactor) protocol.IClientFactory { return r.TCPClients[0].Factory },
		destination:   "localhost:80",
	},
	{
		name: "UNIX",
		server: func(r protocol.Reactor, nd bool) protocol.StreamServerEndpoint {
			ep := protocol.NewUNIXServerEndpoint(r, "/path/to/socket")
			if nd {
				ep.Backlog, ep.Mode, ep.WantPID = 100, 0o600, true
			}
			return ep
		},
		servers: func(r *reactortest.MemoryReactor) []any {
			var out []any
			for _, s := range r.UNIXServers {
				out = append(out, s)
			}
			return out
		},
		wantServer: func(f protocol.IProtocolFactory, nd bool) any {
			if nd {
				return reactortest.UNIXServer{Path: "/path/to/socket", Factory: f, Backlog: 100, Mode: 0o600, WantPID: true}
			}
			return reactortest.UNIXServer{Path: "/path/to/socket", Factory: f, Backlog: 50, Mode: 0o666}
		},
		expectedHost: "/path/to/socket",
		client: func(r protocol.Reactor, nd bool) protocol.StreamClientEndpoint {
			ep := protocol.NewUNIXClientEndpoint(r, "/path/to/socket")
			if nd {
				ep.Timeout, ep.CheckPID = 10*time.Second, true
			}
			return ep
		},
		clients: func(r *reactortest.MemoryReactor) []any {
			var out []any
			for _, c := range r.UNIXClients {
				c.Factory = nil
				out = append(out, c)
			}
			return out
		},
		wantClient: func(nd bool) any {
			if nd {
				return reactortest.UNIXClient{Path: "/path/to/socket", Timeout: 10 * time.Second, CheckPID: true}
			}
			return reactortest.UNIXClient{Path: "/path/to/socket", Timeout: 30 * time.Second}
		},
		clientFactory: func(r *reactortest.MemoryReactor) protocol.IClientFactory { return r.UNIXClients[0].Factory },
		destination:   "/path/to/socket",
	},
}

func TestEndpoints(t *testing.T) {
	for _, c := range endpointCases {
		t.Run(c.name, func(t *testing.T) {
			// Ports test_endpointListenSuccess: Listen fires with the port.
			t.Run("test_endpointListenSuccess", func(t *testing.T) {
				r := reactortest.NewMemoryReactor()
				f := &protocol.Factory{}
				d := c.server(r, false).Listen(f)
				port := successResultOf(t, d).(reactor.ListeningPort)
				equal(t, c.expectedHost, port.GetHost().String())
				equal(t, []any{c.wantServer(f, false)}, c.servers(r))
			})
			// Ports test_endpointListenFailure: a listen error is a failure, not a panic or
			// a synchronous error.
			t.Run("test_endpointListenFailure", func(t *testing.T) {
				listenErr := &reactor.CannotListenError{Port: 80, Err: errors.New("in use")}
				r := &reactortest.RaisingMemoryReactor{ListenError: listenErr}
				f := failureResultOf(t, c.server(r, false).Listen(&protocol.Factory{}))
				if f.Value != listenErr {
					t.Errorf("failure %v, want the listen error", f.Value)
				}
			})
			// Ports test_endpointListenNonDefaultArgs.
			t.Run("test_endpointListenNonDefaultArgs", func(t *testing.T) {
				r := reactortest.NewMemoryReactor()
				f := &protocol.Factory{}
				c.server(r, true).Listen(f)
				equal(t, []any{c.wantServer(f, true)}, c.servers(r))
			})
			// Ports test_endpointConnectSuccess: the Deferred fires with the protocol once
			// it is connected.
			t.Run("test_endpointConnectSuccess", func(t *testing.T) {
				r := reactortest.NewMemoryReactor()
				built := &someProtocol{}
				f := &protocol.Factory{Protocol: func() protocol.IProtocol { return built }}
				d := c.client(r, false).Connect(f)
				equal(t, []any{c.wantClient(false)}, c.clients(r))
				wf := c.clientFactory(r)
				p := wf.BuildProtocol(nil)
				assertNoResult(t, d)
				tr := reactortest.NewStringTransport()
				protocol.MakeConnection(p, tr)
				if successResultOf(t, d) != built {
					t.Fatal("Connect did not fire with the built protocol")
				}
				if built.Transport != protocol.Transport(tr) {
					t.Error("the wrapped protocol has not got the transport")
				}
			})
			// Ports test_endpointConnectFailure: a reactor that raises gives a failure.
			t.Run("test_endpointConnectFailure", func(t *testing.T) {
				connErr := &reactor.ConnectError{Msg: "Connection Failed"}
				r := &reactortest.RaisingMemoryReactor{ConnectError: connErr}
				f := failureResultOf(t, c.client(r, false).Connect(&protocol.Factory{}))
				if !errors.Is(f, connErr) {
					t.Errorf("failure %v, want the connect error", f)
				}
			})
			// ClientConnectionFailed fails the Deferred with the reason.
			t.Run("clientConnectionFailed", func(t *testing.T) {
				r := reactortest.NewMemoryReactor()
				d := c.client(r, false).Connect(&protocol.Factory{})
				c.clientFactory(r).ClientConnectionFailed(r.Connectors[0], failure.New(&reactor.ConnectionRefusedError{}))
				failureResultOf(t, d, failure.Type[*reactor.ConnectionRefusedError]())
			})
			// Ports test_endpointConnectingCancelled: cancelling fails with
			// ConnectingCancelledError naming the destination, and stops the attempt.
			t.Run("test_endpointConnectingCancelled", func(t *testing.T) {
				r := reactortest.NewMemoryReactor()
				d := c.client(r, false).Connect(&protocol.Factory{})
				d.Cancel()
				c.clientFactory(r).ClientConnectionFailed(nil, failure.New(&reactor.UserError{}))
				f := failureResultOf(t, d)
				var ce *reactor.ConnectingCancelledError
				if !errors.As(f, &ce) {
					t.Fatalf("failure %v, want ConnectingCancelledError", f)
				}
				equal(t, c.destination, ce.Address.String())
				equal(t, true, r.Connectors[0].StoppedConnecting)
			})
			// Ports test_endpointConnectNonDefaultArgs.
			t.Run("test_endpointConnectNonDefaultArgs", func(t *testing.T) {
				r := reactortest.NewMemoryReactor()
				c.client(r, true).Connect(&protocol.Factory{})
				equal(t, []any{c.wantClient(true)}, c.clients(r))
			})
		})
	}
}

// Ports test_endpoints.py WrappingFactoryTests.test_buildNoneProtocol and
// test_buildProtocolReturnsNone: a nil protocol fails the Deferred with NoProtocol.
func TestEndpointBuildNoneProtocol(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	d := protocol.NewTCP4ClientEndpoint(r, "h", 1).Connect(&protocol.Factory{Protocol: func() protocol.IProtocol { return nil }})
	if p := r.TCPClients[0].Factory.BuildProtocol(nil); p != nil {
		t.Errorf("BuildProtocol = %v, want nil", p)
	}
	failureResultOf(t, d, failure.Type[*reactor.NoProtocol]())
}

type panickyFactory struct{ protocol.Factory }

func (panickyFactory) BuildProtocol(net.Addr) protocol.IProtocol {
	panic(errors.New("My protocol is poorly defined."))
}

// Ports test_endpoints.py WrappingFactoryTests.test_failedBuildProtocol: a BuildProtocol
// that panics fails the Deferred with that error.
func TestEndpointFailedBuildProtocol(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	d := protocol.NewTCP4ClientEndpoint(r, "h", 1).Connect(&panickyFactory{})
	if p := r.TCPClients[0].Factory.BuildProtocol(nil); p != nil {
		t.Errorf("BuildProtocol = %v", p)
	}
	f := failureResultOf(t, d)
	equal(t, "My protocol is poorly defined.", errors.Unwrap(f.Value).Error())
}

type halfCloser struct {
	someProtocol
	data      []byte
	lost      []*failure.Failure
	readLost  int
	writeLost int
}

func (h *halfCloser) DataReceived(b []byte)             { h.data = append(h.data, b...) }
func (h *halfCloser) ConnectionLost(f *failure.Failure) { h.lost = append(h.lost, f) }
func (h *halfCloser) ReadConnectionLost()               { h.readLost++ }
func (h *halfCloser) WriteConnectionLost()              { h.writeLost++ }

// Ports test_endpoints.py WrappingFactoryTests: test_wrappedProtocolDataReceived,
// test_wrappedProtocolTransport, test_wrappedProtocolConnectionLost,
// test_wrappingProtocolHalfCloseable, test_wrappingProtocolNotHalfCloseable,
// test_wrappedProtocolReadConnectionLost, test_wrappedProtocolWriteConnectionLost,
// test_doStart, test_doStop.
func TestEndpointWrappingProtocolForwards(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	hc := &halfCloser{}
	var starts, stops int
	f := &protocol.Factory{
		Protocol:     func() protocol.IProtocol { return hc },
		StartFactory: func() { starts++ },
		StopFactory:  func() { stops++ },
	}
	protocol.NewTCP4ClientEndpoint(r, "h", 1).Connect(f)
	wf := r.TCPClients[0].Factory
	wf.DoStart()
	equal(t, 1, starts)
	p := wf.BuildProtocol(nil)
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	equal(t, protocol.Transport(tr), hc.Transport)
	p.DataReceived([]byte("some data"))
	equal(t, "some data", string(hc.data))
	w, ok := p.(protocol.HalfCloseableProtocol)
	if !ok {
		t.Fatal("wrapping protocol of a half-closeable protocol is not half-closeable")
	}
	w.ReadConnectionLost()
	w.WriteConnectionLost()
	equal(t, 1, hc.readLost)
	equal(t, 1, hc.writeLost)
	p.ConnectionLost(failure.New(&reactor.ConnectionDone{}))
	equal(t, 1, len(hc.lost))
	wf.DoStop()
	equal(t, 1, stops)

	// A protocol without half-close support gets a wrapper without it too.
	protocol.NewTCP4ClientEndpoint(r, "h", 1).Connect(&protocol.Factory{Protocol: func() protocol.IProtocol { return &someProtocol{} }})
	if _, ok := r.TCPClients[1].Factory.BuildProtocol(nil).(protocol.HalfCloseableProtocol); ok {
		t.Error("wrapping protocol claims half-close support its protocol lacks")
	}
}

// Ports test_endpoints.py connectProtocol's test: a ready-made protocol is connected.
func TestConnectProtocol(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	p := &someProtocol{}
	d := protocol.ConnectProtocol(protocol.NewTCP4ClientEndpoint(r, "h", 1), p)
	wp := r.TCPClients[0].Factory.BuildProtocol(nil)
	protocol.MakeConnection(wp, reactortest.NewStringTransport())
	if successResultOf(t, d) != p {
		t.Fatal("ConnectProtocol did not fire with the protocol")
	}
}
