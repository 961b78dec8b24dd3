package reactor

import (
	"net"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// This file holds the interfaces the reactor drives, mirroring twisted.internet.interfaces.
// They live here rather than in package protocol because the reactor calls them and imports
// point one way (failure <- deferred <- reactor <- protocol); package protocol re-exports the
// user-facing ones.

// Transport is Twisted's ITransport: how a protocol talks back to its connection.
//
// Write and WriteSequence never send synchronously: they copy the bytes into the transport's
// buffer, and the reactor sends them on a later iteration (core-semantics 0.7). The caller
// may reuse or change its slice as soon as Write returns (Twisted keeps a reference to the
// immutable bytes instead). Writes after the connection is lost are ignored.
type Transport interface {
	Write(data []byte)
	WriteSequence(data [][]byte)
	// LoseConnection closes the connection once everything written has been sent.
	LoseConnection()
	// AbortConnection closes the connection at once, dropping buffered data; the protocol
	// then gets ConnectionLost with a *ConnectionAborted reason on a later iteration.
	AbortConnection()
	GetPeer() net.Addr
	GetHost() net.Addr
}

// TCPTransport is ITCPTransport plus the consumer and push-producer sides every reactor
// socket transport has. Protocols type-assert p.Transport to it when they need these.
type TCPTransport interface {
	Transport
	Consumer
	PushProducer
	// LoseWriteConnection shuts the write side down (shutdown(SHUT_WR)) once the buffer has
	// drained; a HalfCloseableProtocol then gets WriteConnectionLost.
	LoseWriteConnection()
	// Disconnecting reports whether LoseConnection was called (Twisted's
	// transport.disconnecting attribute).
	Disconnecting() bool
	GetTCPNoDelay() bool
	SetTCPNoDelay(enabled bool) error
	GetTCPKeepAlive() bool
	SetTCPKeepAlive(enabled bool) error
}

// Protocol is IProtocol. The unexported method means every protocol embeds BaseProtocol
// (package protocol re-exports it as protocol.Protocol), so the framework can set the
// transport and then call the outer value's ConnectionMade: Go embedding does not dispatch
// to the outer type, so the base cannot do it (DESIGN.md, "late binding").
//
// DataReceived's data aliases the reactor's read buffer: it is valid only until
// DataReceived returns. Copy what you keep (append(buf, data...) does). This is what lets
// the reactor read without allocating.
type Protocol interface {
	ConnectionMade()
	DataReceived(data []byte)
	ConnectionLost(reason *failure.Failure)
	baseProtocol() *BaseProtocol
}

// BaseProtocol holds what Twisted's Protocol keeps on self. Embed it (usually through
// protocol.Protocol) and override the methods you need:
//
//	type Echo struct{ protocol.Protocol }
//	func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }
type BaseProtocol struct {
	Transport Transport
	Connected bool
	// Factory is the factory that built this protocol, set by package protocol's
	// factories (Twisted's protocol.factory).
	Factory ProtocolFactory
}

func (b *BaseProtocol) baseProtocol() *BaseProtocol { return b }

// ConnectionMade does nothing; override it.
func (b *BaseProtocol) ConnectionMade() {}

// DataReceived does nothing; override it.
func (b *BaseProtocol) DataReceived(data []byte) {}

// ConnectionLost does nothing; override it.
func (b *BaseProtocol) ConnectionLost(reason *failure.Failure) {}

// Base returns the BaseProtocol embedded in p (for frameworks that set Factory or inspect
// Connected without knowing p's type).
func Base(p Protocol) *BaseProtocol { return p.baseProtocol() }

// MakeConnection connects p to t: it sets p's Transport and Connected, then calls p's own
// ConnectionMade (Twisted's Protocol.makeConnection). Transports call it; so do tests that
// drive a protocol over a StringTransport.
func MakeConnection(p Protocol, t Transport) {
	b := p.baseProtocol()
	b.Connected = true
	b.Transport = t
	p.ConnectionMade()
}

// HalfCloseableProtocol is IHalfCloseableProtocol, detected by type assertion. With it, a
// peer's shutdown(SHUT_WR) calls ReadConnectionLost and the connection stays open for
// writing; without it the whole connection is lost with ConnectionDone.
type HalfCloseableProtocol interface {
	ReadConnectionLost()
	WriteConnectionLost()
}

// ProtocolFactory is IProtocolFactory. BuildProtocol may return nil to refuse a connection
// (it is closed at once). DoStart and DoStop are called when the first port or connection
// attempt starts using the factory and after the last one stops (package protocol's
// Factory counts them).
type ProtocolFactory interface {
	DoStart()
	DoStop()
	BuildProtocol(addr net.Addr) Protocol
}

// ClientFactory is IProtocolFactory plus the client notifications. Calling c.Connect() from
// ClientConnectionFailed or ClientConnectionLost reconnects.
type ClientFactory interface {
	ProtocolFactory
	StartedConnecting(c Connector)
	ClientConnectionFailed(c Connector, reason *failure.Failure)
	ClientConnectionLost(c Connector, reason *failure.Failure)
}

// Connector is IConnector: a client connection attempt that can be repeated.
type Connector interface {
	// Connect starts a new attempt. Calling it while an attempt is in progress or a
	// connection is up is logged as an error and ignored (Twisted raises RuntimeError).
	Connect()
	// StopConnecting aborts an attempt in progress; the factory then gets
	// ClientConnectionFailed with a *UserError. It returns *NotConnectingError if no attempt
	// is in progress.
	StopConnecting() error
	// Disconnect stops connecting or loses the connection, whichever applies.
	Disconnect()
	GetDestination() net.Addr
}

// ListeningPort is IListeningPort.
type ListeningPort interface {
	// StopListening stops accepting and closes the socket on a later iteration; the
	// Deferred fires after the factory's DoStop (failing if DoStop panics).
	StopListening() *deferred.Deferred
	GetHost() net.Addr
}

// Producer is the part common to push and pull producers (IProducer).
type Producer interface {
	StopProducing()
}

// PullProducer is IPullProducer: the consumer calls ResumeProducing each time it wants more
// data (when its buffer has drained).
type PullProducer interface {
	Producer
	ResumeProducing()
}

// PushProducer is IPushProducer: it writes on its own and the consumer pauses it when its
// buffer exceeds the high-water mark, and resumes it when the buffer has drained.
type PushProducer interface {
	PullProducer
	PauseProducing()
}

// Consumer is IConsumer.
type Consumer interface {
	// RegisterProducer attaches a producer: streaming=true for a PushProducer, false for a
	// PullProducer (which gets ResumeProducing at once). It returns an error if a producer
	// is already registered, or if streaming is true and p has no PauseProducing. On a
	// disconnected consumer p gets StopProducing and nothing is registered.
	RegisterProducer(p PullProducer, streaming bool) error
	UnregisterProducer()
	Write(data []byte)
}

// FileDescriptor is what AddReader and AddWriter register: Twisted's IReadDescriptor and
// IWriteDescriptor share Fileno, ConnectionLost and LogPrefix.
type FileDescriptor interface {
	// Fileno returns the descriptor, or -1 once it is closed.
	Fileno() int
	// ConnectionLost is called once when the reactor disconnects the descriptor.
	ConnectionLost(reason *failure.Failure)
	LogPrefix() string
}

// ReadDescriptor is IReadDescriptor. DoRead returns nil when all is well or a reason (such as
// &ConnectionDone{}) to disconnect the descriptor; a panic is logged and disconnects too.
type ReadDescriptor interface {
	FileDescriptor
	DoRead() error
}

// WriteDescriptor is IWriteDescriptor; DoWrite follows DoRead's rules.
type WriteDescriptor interface {
	FileDescriptor
	DoWrite() error
}

// HalfCloseableDescriptor is IHalfCloseableDescriptor: a descriptor that can keep writing
// after its read side reached a clean EOF.
type HalfCloseableDescriptor interface {
	ReadConnectionLost(reason *failure.Failure)
	WriteConnectionLost(reason *failure.Failure)
}

// ReactorCore is IReactorCore.
type ReactorCore interface {
	Run() error
	Stop() error
	Crash()
	Iterate(delay time.Duration)
	Running() bool
	FireSystemEvent(eventType string)
	AddSystemEventTrigger(phase, eventType string, f func() *deferred.Deferred) (*TriggerID, error)
	RemoveSystemEventTrigger(id *TriggerID) error
	CallWhenRunning(f func()) *TriggerID
}

// ReactorTime is IReactorTime. task.Clock implements it for deterministic tests.
type ReactorTime interface {
	Seconds() float64
	CallLater(delay time.Duration, f func()) *DelayedCall
	GetDelayedCalls() []*DelayedCall
}

// ReactorFromThreads is IReactorFromThreads: the one thing other goroutines may call.
type ReactorFromThreads interface {
	CallFromThread(f func())
}

// ReactorThreads is IReactorThreads.
type ReactorThreads interface {
	ReactorFromThreads
	CallInThread(f func())
	SuggestThreadPoolSize(n int)
}

// ReactorTCP is IReactorTCP.
type ReactorTCP interface {
	ListenTCP(port int, factory ProtocolFactory, opts ...ListenOption) (ListeningPort, error)
	ConnectTCP(host string, port int, factory ClientFactory, opts ...ConnectOption) Connector
}

// ReactorUNIX is IReactorUNIX.
type ReactorUNIX interface {
	ListenUNIX(path string, factory ProtocolFactory, opts ...ListenOption) (ListeningPort, error)
	ConnectUNIX(path string, factory ClientFactory, opts ...ConnectOption) Connector
}

// ReactorFDSet is IReactorFDSet.
type ReactorFDSet interface {
	AddReader(r ReadDescriptor) error
	AddWriter(w WriteDescriptor) error
	RemoveReader(r ReadDescriptor)
	RemoveWriter(w WriteDescriptor)
	RemoveAll() []FileDescriptor
	GetReaders() []ReadDescriptor
	GetWriters() []WriteDescriptor
}

// API is everything a Reactor provides; accept the smallest interface you need.
type API interface {
	ReactorCore
	ReactorTime
	ReactorThreads
	ReactorTCP
	ReactorUNIX
	ReactorFDSet
}
