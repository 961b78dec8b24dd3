package pb

import (
	"net"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
)

// PortNo is Twisted's pb.portno, the conventional PB port.
const PortNo = 8787

// PBServerFactory is Twisted's pb.PBServerFactory: it builds a server Broker for each
// connection and exports the root object to it as "root".
//
//	reactor.ListenTCP(8789, pb.NewPBServerFactory(&Echoer{}))
type PBServerFactory struct {
	protocol.ServerFactory

	// Root gives each connection its root object (see IPBRoot).
	Root IPBRoot
	// UnsafeTracebacks sends the server's tracebacks to callers in CopyableFailures
	// (Twisted's unsafeTracebacks); off, they read "Traceback unavailable".
	UnsafeTracebacks bool
	// Security is the taster of every broker; nil means jelly.GlobalSecurity.
	Security *jelly.SecurityOptions
	// Reactor runs the brokers; RemoteReferences freed by the garbage collector send their
	// decref through it. nil means the decrefs go out with the next message.
	//
	// TODO(reactor): a transport cannot tell which reactor runs it, so the factory is told
	// here. With a Reactor() accessor on reactor transports, a broker would find its
	// reactor itself and this field could go (requested by the pb engineer).
	Reactor reactor.ReactorFromThreads
	// ClientConnectionMade, if set, is called with each broker once its connection is
	// ready (Twisted's PBServerFactory.clientConnectionMade, which subclasses override).
	ClientConnectionMade func(b *Broker)
}

// rootAdapters turn other kinds of roots into an IPBRoot. cred's login.go appends the
// adapter that serves a Portal (Twisted's _PortalRoot) from its init: keep the name.
var rootAdapters []func(root any) (IPBRoot, bool)

// staticRoot serves one object to every connection (pb.Root.rootObject returns self).
type staticRoot struct{ obj any }

func (s staticRoot) RootObject(*Broker) any { return s.obj }

// AsRoot adapts a root value to IPBRoot as PBServerFactory does: an IPBRoot as is, a value
// another package taught PB to adapt (a cred Portal), else the value itself for every
// connection.
func AsRoot(root any) IPBRoot {
	if r, ok := root.(IPBRoot); ok {
		return r
	}
	for _, adapt := range rootAdapters {
		if r, ok := adapt(root); ok {
			return r
		}
	}
	return staticRoot{root}
}

// NewPBServerFactory returns a factory serving root (Twisted's PBServerFactory(root)).
func NewPBServerFactory(root any) *PBServerFactory {
	f := &PBServerFactory{Root: AsRoot(root)}
	f.SetSelf(f)
	return f
}

// BuildProtocol builds the server Broker for a new connection and exports the root to it.
func (f *PBServerFactory) BuildProtocol(addr net.Addr) reactor.Protocol {
	b := NewBroker(false, f.Security)
	b.factory = f
	b.Factory = f
	b.rf = f.Reactor
	b.SetNameForLocal("root", f.Root.RootObject(b))
	return b
}

func (f *PBServerFactory) unsafeTracebacks() bool { return f.UnsafeTracebacks }

func (f *PBServerFactory) clientConnectionMade(b *Broker) {
	if f.ClientConnectionMade != nil {
		f.ClientConnectionMade(b)
	}
}

// PBClientFactory is Twisted's pb.PBClientFactory: connect it with ConnectTCP and ask it
// for the server's root object, before or after the connection is up.
//
//	factory := pb.NewPBClientFactory()
//	reactor.ConnectTCP("localhost", 8789, factory)
//	factory.GetRootObject().AddCallback(...)
type PBClientFactory struct {
	protocol.ClientFactory

	// UnsafeTracebacks sends this side's tracebacks to the server in CopyableFailures.
	UnsafeTracebacks bool
	// Security is the taster of the broker; nil means jelly.GlobalSecurity.
	Security *jelly.SecurityOptions
	// Reactor runs the broker (see PBServerFactory.Reactor).
	Reactor reactor.ReactorFromThreads

	rootRequests []*deferred.Deferred
	broker       *Broker
	root         *RemoteReference
}

// NewPBClientFactory returns a client factory (Twisted's PBClientFactory()).
func NewPBClientFactory() *PBClientFactory {
	f := &PBClientFactory{}
	f.SetSelf(f)
	return f
}

// BuildProtocol builds the client Broker.
func (f *PBClientFactory) BuildProtocol(addr net.Addr) reactor.Protocol {
	b := NewBroker(true, f.Security)
	b.factory = f
	b.Factory = f
	b.rf = f.Reactor
	return b
}

func (f *PBClientFactory) unsafeTracebacks() bool { return f.UnsafeTracebacks }

func (f *PBClientFactory) clientConnectionMade(b *Broker) {
	f.broker = b
	f.root = b.RemoteForName("root")
	ds := f.rootRequests
	f.rootRequests = nil
	for _, d := range ds {
		d.Callback(f.root)
	}
}

// GetRootObject returns a Deferred that fires with a RemoteReference to the server's root
// object, once the connection is ready; it fails with the reason if the connection
// attempt fails or the connection is lost first.
func (f *PBClientFactory) GetRootObject() *deferred.Deferred {
	if f.broker != nil && !f.broker.disconnected {
		return deferred.Succeed(f.root)
	}
	d := deferred.New(nil)
	f.rootRequests = append(f.rootRequests, d)
	return d
}

// Broker returns the broker of the current connection, or nil.
func (f *PBClientFactory) Broker() *Broker { return f.broker }

// Disconnect closes the connection, if there is one (Twisted's disconnect). A factory
// that reconnects must be told not to, separately.
func (f *PBClientFactory) Disconnect() {
	if f.broker != nil && f.broker.Transport != nil {
		f.broker.Transport.LoseConnection()
	}
}

func (f *PBClientFactory) reset() {
	f.rootRequests = nil
	f.broker = nil
	f.root = nil
}

func (f *PBClientFactory) failAll(reason *failure.Failure) {
	ds := f.rootRequests
	f.reset()
	for _, d := range ds {
		d.Errback(reason)
	}
}

// ClientConnectionFailed fails the pending GetRootObject requests with the reason.
func (f *PBClientFactory) ClientConnectionFailed(c reactor.Connector, reason *failure.Failure) {
	f.failAll(reason)
}

// ClientConnectionLost fails the pending GetRootObject requests with the reason.
// A reconnecting factory calls ClientConnectionLostReconnecting instead.
func (f *PBClientFactory) ClientConnectionLost(c reactor.Connector, reason *failure.Failure) {
	f.ClientConnectionLostReconnecting(c, reason, false)
}

// ClientConnectionLostReconnecting is Twisted's clientConnectionLost(connector, reason,
// reconnecting): with reconnecting true the pending GetRootObject requests wait for the
// next connection instead of failing. A type embedding PBClientFactory that reconnects
// overrides ClientConnectionLost and calls this.
func (f *PBClientFactory) ClientConnectionLostReconnecting(c reactor.Connector, reason *failure.Failure, reconnecting bool) {
	if reconnecting {
		f.broker = nil
		f.root = nil
		return
	}
	f.failAll(reason)
}
