package protocol

import (
	"fmt"
	"net"
	"os"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// StreamServerEndpoint is IStreamServerEndpoint: somewhere to listen for connections.
type StreamServerEndpoint interface {
	// Listen starts listening with factory. The Deferred fires with the
	// reactor.ListeningPort, or fails with the listen error (*reactor.CannotListenError):
	// errors arrive as failures, never synchronously.
	Listen(factory IProtocolFactory) *deferred.Deferred
}

// StreamClientEndpoint is IStreamClientEndpoint: somewhere to connect to.
type StreamClientEndpoint interface {
	// Connect connects a protocol built by factory. The Deferred fires with that protocol
	// once its ConnectionMade has run, or fails with the connection error; a nil protocol
	// from BuildProtocol fails it with *reactor.NoProtocol. Cancelling it before the
	// connection is made stops the attempt and fails it with
	// *reactor.ConnectingCancelledError.
	Connect(factory IProtocolFactory) *deferred.Deferred
}

// Reactor is what ServerFromString and ClientFromString need of a reactor: TCP and UNIX
// sockets. A *reactor.Reactor and reactortest.MemoryReactor provide it.
type Reactor interface {
	reactor.ReactorTCP
	reactor.ReactorUNIX
}

func tcpReactor(r reactor.ReactorTCP) reactor.ReactorTCP {
	if r == nil {
		return reactor.Default()
	}
	return r
}

func unixReactor(r reactor.ReactorUNIX) reactor.ReactorUNIX {
	if r == nil {
		return reactor.Default()
	}
	return r
}

func listenResult(p reactor.ListeningPort, err error) *deferred.Deferred {
	if err != nil {
		return deferred.Fail(err)
	}
	return deferred.Succeed(p)
}

// listenSafely runs a listen call, turning a panic into a failed Deferred, as Twisted's
// defer.execute turns an exception into a failure.
func listenSafely(f func() *deferred.Deferred) (d *deferred.Deferred) {
	defer func() {
		if r := recover(); r != nil {
			d = deferred.Fail(failure.FromPanic(r, 0))
		}
	}()
	return f()
}

// TCP4ServerEndpoint listens on a TCP port (Twisted's TCP4ServerEndpoint).
type TCP4ServerEndpoint struct {
	// Reactor listens: a *reactor.Reactor, a test double, or nil for the default reactor.
	Reactor reactor.ReactorTCP
	// Port is the port to listen on; 0 picks a free one.
	Port int
	// Backlog is the listen queue length (50 by default).
	Backlog int
	// Interface is the address to bind; "" means all IPv4 interfaces.
	Interface string
}

// NewTCP4ServerEndpoint returns an endpoint listening on port on all IPv4 interfaces with a
// backlog of 50; set Interface and Backlog to change them.
func NewTCP4ServerEndpoint(r reactor.ReactorTCP, port int) *TCP4ServerEndpoint {
	return &TCP4ServerEndpoint{Reactor: r, Port: port, Backlog: 50}
}

func (e *TCP4ServerEndpoint) listenOptions() []reactor.ListenOption {
	backlog := e.Backlog
	if backlog == 0 {
		backlog = 50
	}
	return []reactor.ListenOption{reactor.Backlog(backlog), reactor.Interface(e.Interface)}
}

// Listen listens with factory; see StreamServerEndpoint.
func (e *TCP4ServerEndpoint) Listen(factory IProtocolFactory) *deferred.Deferred {
	return listenSafely(func() *deferred.Deferred {
		return listenResult(tcpReactor(e.Reactor).ListenTCP(e.Port, factory, e.listenOptions()...))
	})
}

// TCP6ServerEndpoint is TCP4ServerEndpoint for IPv6: Interface defaults to "::".
type TCP6ServerEndpoint struct{ TCP4ServerEndpoint }

// NewTCP6ServerEndpoint returns an endpoint listening on port on all IPv6 interfaces.
func NewTCP6ServerEndpoint(r reactor.ReactorTCP, port int) *TCP6ServerEndpoint {
	return &TCP6ServerEndpoint{TCP4ServerEndpoint{Reactor: r, Port: port, Backlog: 50, Interface: "::"}}
}

// TCP4ClientEndpoint connects over TCP (Twisted's TCP4ClientEndpoint).
type TCP4ClientEndpoint struct {
	// Reactor connects: a *reactor.Reactor, a test double, or nil for the default reactor.
	Reactor reactor.ReactorTCP
	Host    string
	Port    int
	// Timeout is how long an attempt may take (30 s by default; negative: no timeout).
	Timeout time.Duration
	// BindAddress, if not empty, is the local host to bind before connecting.
	BindAddress string
	// BindPort is the local port to bind with BindAddress (0: any).
	BindPort int
}

// NewTCP4ClientEndpoint returns an endpoint connecting to host:port with a 30 s timeout.
func NewTCP4ClientEndpoint(r reactor.ReactorTCP, host string, port int) *TCP4ClientEndpoint {
	return &TCP4ClientEndpoint{Reactor: r, Host: host, Port: port, Timeout: 30 * time.Second}
}

func (e *TCP4ClientEndpoint) connectOptions() []reactor.ConnectOption {
	timeout := e.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	} else if timeout < 0 {
		timeout = 0
	}
	opts := []reactor.ConnectOption{reactor.Timeout(timeout)}
	if e.BindAddress != "" {
		opts = append(opts, reactor.BindAddress(e.BindAddress, e.BindPort))
	}
	return opts
}

// Connect connects a protocol from factory; see StreamClientEndpoint.
func (e *TCP4ClientEndpoint) Connect(factory IProtocolFactory) *deferred.Deferred {
	r := tcpReactor(e.Reactor)
	return connectWrapped(factory, func(wf IClientFactory) {
		r.ConnectTCP(e.Host, e.Port, wf, e.connectOptions()...)
	})
}

// UNIXServerEndpoint listens on a UNIX socket (Twisted's UNIXServerEndpoint).
type UNIXServerEndpoint struct {
	// Reactor listens: a *reactor.Reactor, a test double, or nil for the default reactor.
	Reactor reactor.ReactorUNIX
	Address string
	Backlog int
	// Mode is the socket file's permissions (0666 by default).
	Mode os.FileMode
	// WantPID takes a lock file beside the socket (see reactor.WantPID).
	WantPID bool
}

// NewUNIXServerEndpoint returns an endpoint listening at path with Twisted's defaults
// (backlog 50, mode 0666, no lock file).
func NewUNIXServerEndpoint(r reactor.ReactorUNIX, path string) *UNIXServerEndpoint {
	return &UNIXServerEndpoint{Reactor: r, Address: path, Backlog: 50, Mode: 0o666}
}

func (e *UNIXServerEndpoint) listenOptions() []reactor.ListenOption {
	backlog, mode := e.Backlog, e.Mode
	if backlog == 0 {
		backlog = 50
	}
	if mode == 0 {
		mode = 0o666
	}
	return []reactor.ListenOption{reactor.Backlog(backlog), reactor.Mode(mode), reactor.WantPID(e.WantPID)}
}

// Listen listens with factory; see StreamServerEndpoint.
func (e *UNIXServerEndpoint) Listen(factory IProtocolFactory) *deferred.Deferred {
	return listenSafely(func() *deferred.Deferred {
		return listenResult(unixReactor(e.Reactor).ListenUNIX(e.Address, factory, e.listenOptions()...))
	})
}

// UNIXClientEndpoint connects to a UNIX socket (Twisted's UNIXClientEndpoint).
type UNIXClientEndpoint struct {
	// Reactor connects: a *reactor.Reactor, a test double, or nil for the default reactor.
	Reactor reactor.ReactorUNIX
	Path    string
	// Timeout is how long an attempt may take (30 s by default; negative: no timeout).
	Timeout time.Duration
	// CheckPID requires the server's lock file (see reactor.CheckPID).
	CheckPID bool
}

// NewUNIXClientEndpoint returns an endpoint connecting to path with a 30 s timeout.
func NewUNIXClientEndpoint(r reactor.ReactorUNIX, path string) *UNIXClientEndpoint {
	return &UNIXClientEndpoint{Reactor: r, Path: path, Timeout: 30 * time.Second}
}

// Connect connects a protocol from factory; see StreamClientEndpoint.
func (e *UNIXClientEndpoint) Connect(factory IProtocolFactory) *deferred.Deferred {
	r := unixReactor(e.Reactor)
	timeout := e.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	} else if timeout < 0 {
		timeout = 0
	}
	return connectWrapped(factory, func(wf IClientFactory) {
		r.ConnectUNIX(e.Path, wf, reactor.Timeout(timeout), reactor.CheckPID(e.CheckPID))
	})
}

// connectWrapped wraps factory, starts the attempt with connect and returns the wrapping
// factory's Deferred; a panic from connect (a reactor raising synchronously) becomes a
// failed Deferred.
func connectWrapped(factory IProtocolFactory, connect func(IClientFactory)) (d *deferred.Deferred) {
	defer func() {
		if r := recover(); r != nil {
			d = deferred.Fail(failure.FromPanic(r, 0))
		}
	}()
	wf := newWrappingFactory(factory)
	connect(wf)
	return wf.onConnection
}

// wrappingFactory is Twisted's endpoints._WrappingFactory: it builds the user's protocol,
// wrapped so that the connect Deferred fires from inside its ConnectionMade.
type wrappingFactory struct {
	wrapped      IProtocolFactory
	onConnection *deferred.Deferred
	connector    Connector
}

func newWrappingFactory(f IProtocolFactory) *wrappingFactory {
	wf := &wrappingFactory{wrapped: f}
	wf.onConnection = deferred.New(wf.cancel)
	return wf
}

func (wf *wrappingFactory) cancel(d *deferred.Deferred) {
	var dest net.Addr
	if wf.connector != nil {
		dest = wf.connector.GetDestination()
	}
	d.Errback(&reactor.ConnectingCancelledError{Address: dest})
	if wf.connector != nil {
		_ = wf.connector.StopConnecting()
	}
}

func (wf *wrappingFactory) DoStart() { wf.wrapped.DoStart() }
func (wf *wrappingFactory) DoStop()  { wf.wrapped.DoStop() }

func (wf *wrappingFactory) StartedConnecting(c Connector) { wf.connector = c }

func (wf *wrappingFactory) BuildProtocol(addr net.Addr) (p IProtocol) {
	defer func() {
		if r := recover(); r != nil {
			wf.onConnection.Errback(failure.FromPanic(r, 0))
			p = nil
		}
	}()
	proto := wf.wrapped.BuildProtocol(addr)
	if proto == nil {
		wf.onConnection.Errback(&reactor.NoProtocol{})
		return nil
	}
	return wrapProtocol(wf.onConnection, proto)
}

func (wf *wrappingFactory) ClientConnectionFailed(c Connector, reason *failure.Failure) {
	if !wf.onConnection.Called() {
		wf.onConnection.Errback(reason)
	}
}

func (wf *wrappingFactory) ClientConnectionLost(Connector, *failure.Failure) {}

// wrappingProtocol is Twisted's endpoints._WrappingProtocol: it connects the user's
// protocol to its transport, fires the Deferred with it, and forwards everything.
type wrappingProtocol struct {
	Protocol
	connected *deferred.Deferred
	wrapped   IProtocol
}

// halfCloseableWrappingProtocol also forwards the half-close notifications; it is used
// when the wrapped protocol implements HalfCloseableProtocol, so the transport sees the
// same capability it would see on the protocol itself.
type halfCloseableWrappingProtocol struct{ wrappingProtocol }

func wrapProtocol(d *deferred.Deferred, p IProtocol) IProtocol {
	w := wrappingProtocol{connected: d, wrapped: p}
	if _, ok := p.(HalfCloseableProtocol); ok {
		return &halfCloseableWrappingProtocol{w}
	}
	return &w
}

func (w *wrappingProtocol) ConnectionMade() {
	reactor.MakeConnection(w.wrapped, w.Transport)
	w.connected.Callback(w.wrapped)
}

func (w *wrappingProtocol) DataReceived(data []byte) { w.wrapped.DataReceived(data) }

func (w *wrappingProtocol) ConnectionLost(reason *failure.Failure) {
	reactor.Base(w.wrapped).Connected = false
	w.wrapped.ConnectionLost(reason)
}

// LogPrefix passes the wrapped protocol's log prefix through.
func (w *wrappingProtocol) LogPrefix() string {
	if l, ok := w.wrapped.(interface{ LogPrefix() string }); ok {
		return l.LogPrefix()
	}
	return fmt.Sprintf("%T", w.wrapped)
}

func (w *halfCloseableWrappingProtocol) ReadConnectionLost() {
	w.wrapped.(HalfCloseableProtocol).ReadConnectionLost()
}

func (w *halfCloseableWrappingProtocol) WriteConnectionLost() {
	w.wrapped.(HalfCloseableProtocol).WriteConnectionLost()
}

// oneShotFactory builds one ready-made protocol (ConnectProtocol's factory).
type oneShotFactory struct {
	Factory
	p IProtocol
}

func (f *oneShotFactory) BuildProtocol(net.Addr) IProtocol { return f.p }

// ConnectProtocol connects the ready-made protocol p through endpoint, without a factory
// (Twisted's endpoints.connectProtocol). The Deferred fires with p once connected.
func ConnectProtocol(endpoint StreamClientEndpoint, p IProtocol) *deferred.Deferred {
	return endpoint.Connect(&oneShotFactory{p: p})
}

var (
	_ StreamServerEndpoint = (*TCP4ServerEndpoint)(nil)
	_ StreamServerEndpoint = (*TCP6ServerEndpoint)(nil)
	_ StreamServerEndpoint = (*UNIXServerEndpoint)(nil)
	_ StreamClientEndpoint = (*TCP4ClientEndpoint)(nil)
	_ StreamClientEndpoint = (*UNIXClientEndpoint)(nil)
	_ IClientFactory       = (*wrappingFactory)(nil)
)
