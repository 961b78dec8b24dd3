package reactortest

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

// TCPServer records one ListenTCP call (Twisted's MemoryReactor.tcpServers entries).
type TCPServer struct {
	Port      int
	Factory   reactor.ProtocolFactory
	Backlog   int
	Interface string
}

// TCPClient records one ConnectTCP call (Twisted's tcpClients entries). BindAddress is
// "host:port", or "" when none was given.
type TCPClient struct {
	Host        string
	Port        int
	Factory     reactor.ClientFactory
	Timeout     time.Duration
	BindAddress string
}

// UNIXServer records one ListenUNIX call.
type UNIXServer struct {
	Path    string
	Factory reactor.ProtocolFactory
	Backlog int
	Mode    os.FileMode
	WantPID bool
}

// UNIXClient records one ConnectUNIX call.
type UNIXClient struct {
	Path     string
	Factory  reactor.ClientFactory
	Timeout  time.Duration
	CheckPID bool
}

// Trigger records one AddSystemEventTrigger call.
type Trigger struct {
	Phase, EventType string
	F                func() *deferred.Deferred
}

// MemoryReactor is a reactor that records what it is asked to do instead of doing it:
// Twisted's MemoryReactor. ListenTCP returns a FakePort, ConnectTCP a FakeConnector (after
// calling the factory's StartedConnecting, as Twisted's does); the test then plays the
// network's part by calling the recorded factories itself.
//
//	r := reactortest.NewMemoryReactor()
//	ep := protocol.NewTCP4ClientEndpoint(r, "example.com", 80)
//	d := ep.Connect(factory)
//	client := r.TCPClients[0] // host, port, factory, timeout, bind address
//
// It provides reactor.ReactorTCP, ReactorUNIX and ReactorFDSet, so it can be given to
// anything that takes those (package protocol's endpoints, for instance).
type MemoryReactor struct {
	HasRun, HasStopped, HasCrashed bool
	running                        bool
	WhenRunningHooks               []func()
	Triggers                       []Trigger

	TCPServers  []TCPServer
	TCPClients  []TCPClient
	UNIXServers []UNIXServer
	UNIXClients []UNIXClient
	Connectors  []*FakeConnector

	readers []reactor.ReadDescriptor
	writers []reactor.WriteDescriptor
}

// NewMemoryReactor returns an empty MemoryReactor.
func NewMemoryReactor() *MemoryReactor { return &MemoryReactor{} }

// Run marks the reactor as run, calls the CallWhenRunning hooks, and stops.
func (r *MemoryReactor) Run() error {
	if r.running {
		return &reactor.ReactorAlreadyRunning{}
	}
	r.running, r.HasRun = true, true
	for _, f := range r.WhenRunningHooks {
		f()
	}
	return r.Stop()
}

// Stop marks the reactor as stopped.
func (r *MemoryReactor) Stop() error {
	r.running = false
	r.HasStopped = true
	return nil
}

// Crash marks the reactor as crashed.
func (r *MemoryReactor) Crash() {
	r.running = false
	r.HasCrashed = true
}

// Running reports whether Run is in progress.
func (r *MemoryReactor) Running() bool { return r.running }

// CallWhenRunning records f; Run calls it.
func (r *MemoryReactor) CallWhenRunning(f func()) *reactor.TriggerID {
	r.WhenRunningHooks = append(r.WhenRunningHooks, f)
	return nil
}

// AddSystemEventTrigger records the trigger; it never fires.
func (r *MemoryReactor) AddSystemEventTrigger(phase, eventType string, f func() *deferred.Deferred) (*reactor.TriggerID, error) {
	r.Triggers = append(r.Triggers, Trigger{phase, eventType, f})
	return nil, nil
}

// ListenTCP records the call and returns a FakePort on 0.0.0.0:port (or the IPv6
// interface given).
func (r *MemoryReactor) ListenTCP(port int, factory reactor.ProtocolFactory, opts ...reactor.ListenOption) (reactor.ListeningPort, error) {
	cfg := reactor.NewListenConfig(opts...)
	r.TCPServers = append(r.TCPServers, TCPServer{port, factory, cfg.Backlog, cfg.Interface})
	ip := netip.IPv4Unspecified()
	if a, err := netip.ParseAddr(cfg.Interface); err == nil && a.Is6() {
		ip = a
	}
	return &FakePort{Host: net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port)))}, nil
}

// ConnectTCP records the call, calls factory.StartedConnecting and returns the
// FakeConnector, also appended to Connectors.
func (r *MemoryReactor) ConnectTCP(host string, port int, factory reactor.ClientFactory, opts ...reactor.ConnectOption) reactor.Connector {
	cfg := reactor.NewConnectConfig(opts...)
	r.TCPClients = append(r.TCPClients, TCPClient{host, port, factory, cfg.Timeout, cfg.BindAddress})
	var dest net.Addr = &HostAddr{Host: host, Port: port}
	if a, err := netip.ParseAddr(host); err == nil {
		dest = net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, uint16(port)))
	}
	c := &FakeConnector{Address: dest}
	factory.StartedConnecting(c)
	r.Connectors = append(r.Connectors, c)
	return c
}

// ListenUNIX records the call and returns a FakePort on path.
func (r *MemoryReactor) ListenUNIX(path string, factory reactor.ProtocolFactory, opts ...reactor.ListenOption) (reactor.ListeningPort, error) {
	cfg := reactor.NewListenConfig(opts...)
	r.UNIXServers = append(r.UNIXServers, UNIXServer{path, factory, cfg.Backlog, cfg.Mode, cfg.WantPID})
	return &FakePort{Host: &net.UnixAddr{Name: path, Net: "unix"}}, nil
}

// ConnectUNIX records the call, calls factory.StartedConnecting and returns the
// FakeConnector.
func (r *MemoryReactor) ConnectUNIX(path string, factory reactor.ClientFactory, opts ...reactor.ConnectOption) reactor.Connector {
	cfg := reactor.NewConnectConfig(opts...)
	r.UNIXClients = append(r.UNIXClients, UNIXClient{path, factory, cfg.Timeout, cfg.CheckPID})
	c := &FakeConnector{Address: &net.UnixAddr{Name: path, Net: "unix"}}
	factory.StartedConnecting(c)
	r.Connectors = append(r.Connectors, c)
	return c
}

// AddReader records r.
func (r *MemoryReactor) AddReader(rd reactor.ReadDescriptor) error {
	if !slices.Contains(r.readers, rd) {
		r.readers = append(r.readers, rd)
	}
	return nil
}

// AddWriter records w.
func (r *MemoryReactor) AddWriter(w reactor.WriteDescriptor) error {
	if !slices.Contains(r.writers, w) {
		r.writers = append(r.writers, w)
	}
	return nil
}

// RemoveReader forgets r.
func (r *MemoryReactor) RemoveReader(rd reactor.ReadDescriptor) {
	r.readers = slices.DeleteFunc(r.readers, func(x reactor.ReadDescriptor) bool { return x == rd })
}

// RemoveWriter forgets w.
func (r *MemoryReactor) RemoveWriter(w reactor.WriteDescriptor) {
	r.writers = slices.DeleteFunc(r.writers, func(x reactor.WriteDescriptor) bool { return x == w })
}

// GetReaders returns the recorded readers.
func (r *MemoryReactor) GetReaders() []reactor.ReadDescriptor { return slices.Clone(r.readers) }

// GetWriters returns the recorded writers.
func (r *MemoryReactor) GetWriters() []reactor.WriteDescriptor { return slices.Clone(r.writers) }

// RemoveAll forgets every reader and writer and returns them.
func (r *MemoryReactor) RemoveAll() []reactor.FileDescriptor {
	var all []reactor.FileDescriptor
	for _, rd := range r.readers {
		all = append(all, rd)
	}
	for _, w := range r.writers {
		if !slices.ContainsFunc(all, func(x reactor.FileDescriptor) bool { return x == reactor.FileDescriptor(w) }) {
			all = append(all, w)
		}
	}
	r.readers, r.writers = nil, nil
	return all
}

// MemoryReactorClock is a MemoryReactor with a task.Clock for its time methods
// (Seconds, CallLater, GetDelayedCalls, Advance): Twisted's MemoryReactorClock.
type MemoryReactorClock struct {
	MemoryReactor
	task.Clock
}

// NewMemoryReactorClock returns an empty MemoryReactorClock at time zero.
func NewMemoryReactorClock() *MemoryReactorClock { return &MemoryReactorClock{} }

var (
	_ reactor.ReactorTCP   = (*MemoryReactor)(nil)
	_ reactor.ReactorUNIX  = (*MemoryReactor)(nil)
	_ reactor.ReactorFDSet = (*MemoryReactor)(nil)
	_ reactor.ReactorTime  = (*MemoryReactorClock)(nil)
	_ reactor.ReactorTCP   = (*RaisingMemoryReactor)(nil)
	_ reactor.ReactorUNIX  = (*RaisingMemoryReactor)(nil)
)

// RaisingMemoryReactor fails every listen and connect call: ListenTCP and ListenUNIX return
// ListenError; ConnectTCP and ConnectUNIX panic with ConnectError, the way Twisted's
// raises synchronously (endpoints turn both into a failed Deferred).
type RaisingMemoryReactor struct {
	ListenError, ConnectError error
}

// ListenTCP returns r.ListenError.
func (r *RaisingMemoryReactor) ListenTCP(int, reactor.ProtocolFactory, ...reactor.ListenOption) (reactor.ListeningPort, error) {
	return nil, r.ListenError
}

// ListenUNIX returns r.ListenError.
func (r *RaisingMemoryReactor) ListenUNIX(string, reactor.ProtocolFactory, ...reactor.ListenOption) (reactor.ListeningPort, error) {
	return nil, r.ListenError
}

// ConnectTCP panics with r.ConnectError.
func (r *RaisingMemoryReactor) ConnectTCP(string, int, reactor.ClientFactory, ...reactor.ConnectOption) reactor.Connector {
	panic(r.ConnectError)
}

// ConnectUNIX panics with r.ConnectError.
func (r *RaisingMemoryReactor) ConnectUNIX(string, reactor.ClientFactory, ...reactor.ConnectOption) reactor.Connector {
	panic(r.ConnectError)
}

// FakePort is the ListeningPort a MemoryReactor returns (Twisted's _FakePort).
type FakePort struct {
	Host    net.Addr
	Stopped bool
}

// StopListening records the call and returns a fired Deferred.
func (p *FakePort) StopListening() *deferred.Deferred {
	p.Stopped = true
	return deferred.Succeed(nil)
}

// GetHost returns Host.
func (p *FakePort) GetHost() net.Addr { return p.Host }

// FakeConnector is the Connector a MemoryReactor returns (Twisted's _FakeConnector).
type FakeConnector struct {
	Address           net.Addr
	StoppedConnecting bool
	Disconnected      bool
	Connects          int
}

// Connect records a reconnection request.
func (c *FakeConnector) Connect() { c.Connects++ }

// StopConnecting records the call.
func (c *FakeConnector) StopConnecting() error {
	c.StoppedConnecting = true
	return nil
}

// Disconnect records the call.
func (c *FakeConnector) Disconnect() { c.Disconnected = true }

// GetDestination returns Address.
func (c *FakeConnector) GetDestination() net.Addr { return c.Address }

// HostAddr is a TCP destination given by host name, as Twisted's IPv4Address keeps names.
type HostAddr struct {
	Host string
	Port int
}

// Network returns "tcp".
func (a *HostAddr) Network() string { return "tcp" }

func (a *HostAddr) String() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }
