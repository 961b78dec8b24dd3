// Package reactortest provides test doubles for code built on the reactor, in the spirit of
// net/http/httptest and Twisted's twisted.internet.testing (proto_helpers): a
// StringTransport that records what a protocol writes, and a MemoryReactor that records
// ListenTCP and ConnectTCP calls without touching the network. Together with task.Clock
// (MemoryReactorClock bundles both) most protocol tests need no sockets at all:
//
//	func TestEcho(t *testing.T) {
//		tr := reactortest.NewStringTransport()
//		p := &Echo{}
//		protocol.MakeConnection(p, tr)
//		p.DataReceived([]byte("hello"))
//		if got := string(tr.Value()); got != "hello" {
//			t.Errorf("echoed %q", got)
//		}
//	}
//
// Like the reactor they stand in for, these doubles belong to one goroutine.
package reactortest

import (
	"bytes"
	"errors"
	"net"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// Producer states of a StringTransport (Twisted's producerState).
const (
	Producing = "producing"
	Paused    = "paused"
	Stopped   = "stopped"
)

// StringTransport is a transport that records everything written to it: Twisted's
// StringTransport. LoseConnection only sets the disconnecting flag; nothing is closed and
// the protocol's ConnectionLost is not called (see StringTransportWithDisconnection).
//
// It is also a consumer (RegisterProducer records the producer) and a push producer whose
// state is ProducerState: a protocol that pauses its transport can be checked with it.
type StringTransport struct {
	// HostAddr and PeerAddr are what GetHost and GetPeer return; nil means Twisted's
	// defaults, 10.0.0.1:12345 and 192.168.1.1:54321.
	HostAddr, PeerAddr net.Addr
	// Connected is true until a StringTransportWithDisconnection loses its connection.
	Connected bool
	// Producer is the registered producer and Streaming how it was registered.
	Producer  reactor.PullProducer
	Streaming bool
	// ProducerState is Producing, Paused or Stopped: what the protocol asked of this
	// transport as a producer.
	ProducerState string
	// Lenient allows PauseProducing and ResumeProducing after LoseConnection (by default
	// that is a bug in the protocol under test and panics, as Twisted raises).
	Lenient bool
	// Aborted is set by AbortConnection (Twisted's disconnected attribute).
	Aborted bool
	// WriteClosed is set by LoseWriteConnection.
	WriteClosed bool

	io            bytes.Buffer
	disconnecting bool
	noDelay       bool
	keepAlive     bool
}

// NewStringTransport returns a connected StringTransport with the default addresses.
func NewStringTransport() *StringTransport {
	return &StringTransport{Connected: true, ProducerState: Producing}
}

// NewStringTransportWithAddresses returns a connected StringTransport that reports host and
// peer as its addresses.
func NewStringTransportWithAddresses(host, peer net.Addr) *StringTransport {
	t := NewStringTransport()
	t.HostAddr, t.PeerAddr = host, peer
	return t
}

// Value returns a copy of everything written since the last Clear.
func (t *StringTransport) Value() []byte { return bytes.Clone(t.io.Bytes()) }

// Clear forgets what was written.
func (t *StringTransport) Clear() { t.io.Reset() }

// Write records data.
func (t *StringTransport) Write(data []byte) { t.io.Write(data) }

// WriteSequence records each element of data in turn.
func (t *StringTransport) WriteSequence(data [][]byte) {
	for _, d := range data {
		t.io.Write(d)
	}
}

// LoseConnection marks the transport as disconnecting; see Disconnecting.
func (t *StringTransport) LoseConnection() { t.disconnecting = true }

// AbortConnection marks the transport as aborted and disconnecting.
func (t *StringTransport) AbortConnection() {
	t.Aborted = true
	t.disconnecting = true
}

// LoseWriteConnection records a half-close.
func (t *StringTransport) LoseWriteConnection() { t.WriteClosed = true }

// Disconnecting reports whether LoseConnection or AbortConnection was called.
func (t *StringTransport) Disconnecting() bool { return t.disconnecting }

// GetPeer returns PeerAddr, or 192.168.1.1:54321.
func (t *StringTransport) GetPeer() net.Addr {
	if t.PeerAddr == nil {
		return &net.TCPAddr{IP: net.IPv4(192, 168, 1, 1), Port: 54321}
	}
	return t.PeerAddr
}

// GetHost returns HostAddr, or 10.0.0.1:12345.
func (t *StringTransport) GetHost() net.Addr {
	if t.HostAddr == nil {
		return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 12345}
	}
	return t.HostAddr
}

// ErrProducerRegistered is returned by RegisterProducer when a producer is registered.
var ErrProducerRegistered = errors.New("Cannot register two producers")

// RegisterProducer records p. Unlike a real transport it never calls p.
func (t *StringTransport) RegisterProducer(p reactor.PullProducer, streaming bool) error {
	if t.Producer != nil {
		return ErrProducerRegistered
	}
	t.Producer, t.Streaming = p, streaming
	return nil
}

// UnregisterProducer forgets the producer. Calling it with none registered is a bug in the
// code under test: it panics, as Twisted raises RuntimeError.
func (t *StringTransport) UnregisterProducer() {
	if t.Producer == nil {
		panic(errors.New("Cannot unregister a producer unless one is registered"))
	}
	t.Producer, t.Streaming = nil, false
}

func (t *StringTransport) checkState() {
	if t.disconnecting && !t.Lenient {
		panic(errors.New("Cannot resume producing after loseConnection"))
	}
	if t.ProducerState == Stopped {
		panic(errors.New("Cannot resume a stopped producer"))
	}
}

// PauseProducing records that the protocol paused the transport.
func (t *StringTransport) PauseProducing() {
	t.checkState()
	t.ProducerState = Paused
}

// ResumeProducing records that the protocol resumed the transport.
func (t *StringTransport) ResumeProducing() {
	t.checkState()
	t.ProducerState = Producing
}

// StopProducing records that the protocol stopped the transport.
func (t *StringTransport) StopProducing() { t.ProducerState = Stopped }

// GetTCPNoDelay, SetTCPNoDelay, GetTCPKeepAlive and SetTCPKeepAlive record the options.
func (t *StringTransport) GetTCPNoDelay() bool { return t.noDelay }

// SetTCPNoDelay records the option.
func (t *StringTransport) SetTCPNoDelay(enabled bool) error { t.noDelay = enabled; return nil }

// GetTCPKeepAlive returns the recorded option.
func (t *StringTransport) GetTCPKeepAlive() bool { return t.keepAlive }

// SetTCPKeepAlive records the option.
func (t *StringTransport) SetTCPKeepAlive(enabled bool) error { t.keepAlive = enabled; return nil }

// StringTransportWithDisconnection is a StringTransport whose LoseConnection really ends the
// connection: the first call clears Connected and calls Protocol.ConnectionLost with a
// ConnectionDone("Bye.") reason.
type StringTransportWithDisconnection struct {
	StringTransport
	// Protocol is told about the lost connection.
	Protocol reactor.Protocol
}

// NewStringTransportWithDisconnection returns a connected transport; set Protocol (or use
// ConnectProtocol) before the protocol loses the connection.
func NewStringTransportWithDisconnection() *StringTransportWithDisconnection {
	return &StringTransportWithDisconnection{StringTransport: *NewStringTransport()}
}

// LoseConnection marks the transport disconnecting and, the first time, tells Protocol
// the connection is lost.
func (t *StringTransportWithDisconnection) LoseConnection() {
	t.disconnecting = true
	if t.Connected {
		t.Connected = false
		if t.Protocol != nil {
			reactor.Base(t.Protocol).Connected = false
			t.Protocol.ConnectionLost(failure.New(&reactor.ConnectionDone{Msg: "Bye."}))
		}
	}
}

// ConnectProtocol sets t.Protocol to p and connects p to t (MakeConnection).
func (t *StringTransportWithDisconnection) ConnectProtocol(p reactor.Protocol) {
	t.Protocol = p
	reactor.MakeConnection(p, t)
}

var (
	_ reactor.TCPTransport = (*StringTransport)(nil)
	_ reactor.TCPTransport = (*StringTransportWithDisconnection)(nil)
)
