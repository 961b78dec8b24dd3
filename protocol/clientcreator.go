package protocol

import (
	"net"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// ClientCreator connects protocol instances without a factory of your own (Twisted's
// ClientCreator): each ConnectTCP or ConnectUNIX builds one protocol with newProtocol and
// returns a Deferred that fires with it once connected.
//
//	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &Greeter{} })
//	cc.ConnectTCP("localhost", 8000, 30*time.Second).AddCallback(func(p any) (any, error) {
//		p.(*Greeter).SayHello()
//		return nil, nil
//	})
//
// As in Twisted, the Deferred fires from a CallLater(0) after the connection is made (or
// fails), and cancelling it disconnects the attempt or the new connection.
type ClientCreator struct {
	// Reactor connects and schedules the delivery: a *reactor.Reactor, a
	// reactortest.MemoryReactorClock, or nil for the default reactor.
	Reactor     ClientCreatorReactor
	newProtocol func() IProtocol
}

// ClientCreatorReactor is what a ClientCreator needs of its reactor.
type ClientCreatorReactor interface {
	reactor.ReactorTime
	reactor.ReactorTCP
	reactor.ReactorUNIX
}

// NewClientCreator returns a ClientCreator for protocols made by newProtocol.
func NewClientCreator(r ClientCreatorReactor, newProtocol func() IProtocol) *ClientCreator {
	return &ClientCreator{Reactor: r, newProtocol: newProtocol}
}

// ConnectTCP connects to host:port (timeout 0 means 30 s).
func (cc *ClientCreator) ConnectTCP(host string, port int, timeout time.Duration, opts ...reactor.ConnectOption) *deferred.Deferred {
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	r := cc.reactor()
	return cc.connect(r, func(f IClientFactory) Connector {
		return r.ConnectTCP(host, port, f, append([]reactor.ConnectOption{reactor.Timeout(timeout)}, opts...)...)
	})
}

// ConnectUNIX connects to the UNIX socket at path (timeout 0 means 30 s).
func (cc *ClientCreator) ConnectUNIX(path string, timeout time.Duration, opts ...reactor.ConnectOption) *deferred.Deferred {
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	r := cc.reactor()
	return cc.connect(r, func(f IClientFactory) Connector {
		return r.ConnectUNIX(path, f, append([]reactor.ConnectOption{reactor.Timeout(timeout)}, opts...)...)
	})
}

func (cc *ClientCreator) reactor() ClientCreatorReactor {
	if cc.Reactor == nil {
		return reactor.Default()
	}
	return cc.Reactor
}

func (cc *ClientCreator) connect(clock reactor.ReactorTime, start func(IClientFactory) Connector) *deferred.Deferred {
	f := &instanceFactory{clock: clock, instance: cc.newProtocol()}
	var connector Connector
	d := deferred.New(func(*deferred.Deferred) {
		if connector != nil {
			connector.Disconnect()
		}
		if f.pending != nil {
			_ = f.pending.Cancel()
			f.pending = nil
		}
	})
	f.deferred = d
	connector = start(f)
	return d
}

// instanceFactory is Twisted's _InstanceFactory: it hands out one ready-made protocol and
// delivers the outcome through a CallLater(0).
type instanceFactory struct {
	ClientFactory
	clock    reactor.ReactorTime
	instance IProtocol
	deferred *deferred.Deferred
	pending  *reactor.DelayedCall
}

func (f *instanceFactory) BuildProtocol(net.Addr) IProtocol {
	d, p := f.deferred, f.instance
	f.deferred = nil
	if d != nil {
		f.pending = f.clock.CallLater(0, func() {
			f.pending = nil
			d.Callback(p)
		})
	}
	return p
}

func (f *instanceFactory) ClientConnectionFailed(c Connector, reason *failure.Failure) {
	d := f.deferred
	f.deferred = nil
	if d != nil {
		f.pending = f.clock.CallLater(0, func() {
			f.pending = nil
			d.Errback(reason)
		})
	}
}
