package protocol

import (
	"fmt"
	"log/slog"
	"net"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// Protocol is Twisted's Protocol: embed it in your protocol type and override the methods
// you need (ConnectionMade, DataReceived, ConnectionLost). It carries the Transport, the
// Connected flag and the Factory that built it.
//
//	type Echo struct{ protocol.Protocol }
//
//	func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }
//
// The framework (transports, MakeConnection) sets the Transport and then calls your
// ConnectionMade: Go's embedding does not dispatch from the embedded value to yours, so
// Protocol itself never calls your methods.
type Protocol = reactor.BaseProtocol

// Interfaces re-exported from the reactor, so that protocol code reads like Twisted's
// twisted.internet.protocol and interfaces modules.
type (
	// Transport is ITransport.
	Transport = reactor.Transport
	// IProtocol is the interface every protocol implements (by embedding Protocol).
	IProtocol = reactor.Protocol
	// IProtocolFactory is what ListenTCP, ConnectTCP and endpoints take.
	IProtocolFactory = reactor.ProtocolFactory
	// IClientFactory is a factory for ConnectTCP and ConnectUNIX.
	IClientFactory = reactor.ClientFactory
	// Connector is IConnector.
	Connector = reactor.Connector
	// HalfCloseableProtocol is IHalfCloseableProtocol.
	HalfCloseableProtocol = reactor.HalfCloseableProtocol
	// Consumer, PushProducer and PullProducer are IConsumer, IPushProducer, IPullProducer.
	Consumer     = reactor.Consumer
	PushProducer = reactor.PushProducer
	PullProducer = reactor.PullProducer
)

// MakeConnection connects p to t and calls p's ConnectionMade (Twisted's
// protocol.makeConnection). Tests use it to drive a protocol over a
// reactortest.StringTransport.
func MakeConnection(p IProtocol, t Transport) { reactor.MakeConnection(p, t) }

// Factory builds a protocol for each connection: Twisted's protocol.Factory. Set Protocol
// to a constructor, the way Python code sets factory.protocol = Echo:
//
//	f := &protocol.Factory{Protocol: func() protocol.IProtocol { return &Echo{} }}
//	reactor.ListenTCP(8000, f)
//
// or override BuildProtocol in a type that embeds Factory. Factory counts the ports and
// connection attempts using it: StartFactory runs when the first starts and StopFactory
// after the last stops.
type Factory struct {
	// Protocol returns a new protocol for BuildProtocol. It may return nil to refuse the
	// connection.
	Protocol func() IProtocol
	// StartFactory, if set, runs when the first port or connection attempt starts using
	// the factory (Twisted's startFactory, which subclasses override).
	StartFactory func()
	// StopFactory, if set, runs after the last port or connection attempt stopped.
	StopFactory func()
	// Quiet turns off the "Starting factory" / "Stopping factory" log lines (Twisted's
	// noisy = False). They are logged at slog.LevelDebug, so they are hidden by default,
	// as Twisted's are when no log observer is started.
	Quiet bool

	numPorts int
	// self is what BuildProtocol records as the protocol's Factory; see SetSelf.
	self IProtocolFactory
}

// ForProtocol returns a Factory that builds protocols with newProtocol (Twisted's
// Factory.forProtocol).
func ForProtocol(newProtocol func() IProtocol) *Factory {
	return &Factory{Protocol: newProtocol}
}

// SetSelf records the value that embeds this Factory, so that BuildProtocol sets each
// protocol's Factory field to it (Twisted's p.factory = self) rather than to the embedded
// Factory. Call it in your factory's constructor:
//
//	func NewChatFactory() *ChatFactory {
//		f := &ChatFactory{}
//		f.SetSelf(f)
//		f.Protocol = func() protocol.IProtocol { return &Chat{} }
//		return f
//	}
func (f *Factory) SetSelf(self IProtocolFactory) { f.self = self }

// NumPorts reports how many ports and connection attempts are using the factory.
func (f *Factory) NumPorts() int { return f.numPorts }

// DoStart is called by every port or connector that starts using the factory; the first
// call runs StartFactory.
func (f *Factory) DoStart() {
	if f.numPorts == 0 {
		if !f.Quiet {
			slog.Debug("Starting factory " + f.repr())
		}
		if f.StartFactory != nil {
			f.StartFactory()
		}
	}
	f.numPorts++
}

// DoStop is called when a port or connector stops using the factory; the last one runs
// StopFactory. Extra calls are ignored.
func (f *Factory) DoStop() {
	if f.numPorts == 0 {
		return
	}
	f.numPorts--
	if f.numPorts == 0 {
		if !f.Quiet {
			slog.Debug("Stopping factory " + f.repr())
		}
		if f.StopFactory != nil {
			f.StopFactory()
		}
	}
}

func (f *Factory) repr() string {
	if f.self != nil {
		return fmt.Sprintf("%T(%p)", f.self, f.self)
	}
	return fmt.Sprintf("%T(%p)", f, f)
}

// BuildProtocol makes the protocol for a new connection from addr: it calls Protocol and
// sets the result's Factory field (to the value given to SetSelf, else to f). It returns
// nil when Protocol is unset or returns nil, which refuses the connection.
func (f *Factory) BuildProtocol(addr net.Addr) IProtocol {
	if f.Protocol == nil {
		slog.Error("protocol: Factory.Protocol is not set; refusing connection", "factory", f.repr(), "addr", addrString(addr))
		return nil
	}
	p := f.Protocol()
	if p == nil {
		return nil
	}
	var self IProtocolFactory = f
	if f.self != nil {
		self = f.self
	}
	reactor.Base(p).Factory = self
	return p
}

func addrString(a net.Addr) string {
	if a == nil {
		return "<nil>"
	}
	return a.String()
}

// ServerFactory is a Factory meant for servers (Twisted's ServerFactory, a marker).
type ServerFactory struct{ Factory }

// ClientFactory is a Factory for client connections (Twisted's ClientFactory): it adds the
// client notifications, which do nothing here. Embed it and override them:
//
//	type EchoClientFactory struct{ protocol.ClientFactory }
//
//	func (f *EchoClientFactory) ClientConnectionLost(c protocol.Connector, reason *failure.Failure) {
//		fmt.Println("connection lost:", reason.ErrorMessage())
//	}
//
// Calling c.Connect() from ClientConnectionFailed or ClientConnectionLost reconnects.
type ClientFactory struct{ Factory }

// StartedConnecting is called when a connection attempt starts.
func (*ClientFactory) StartedConnecting(c Connector) {}

// ClientConnectionFailed is called when a connection attempt fails.
func (*ClientFactory) ClientConnectionFailed(c Connector, reason *failure.Failure) {}

// ClientConnectionLost is called after an established connection is lost (after the
// protocol's ConnectionLost).
func (*ClientFactory) ClientConnectionLost(c Connector, reason *failure.Failure) {}

var (
	_ IProtocolFactory = (*Factory)(nil)
	_ IProtocolFactory = (*ServerFactory)(nil)
	_ IClientFactory   = (*ClientFactory)(nil)
)
