package reactor

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotwisted/twisted/failure"

	"github.com/gotwisted/twisted/internal/pyrepr"
)

// ConnectOption configures ConnectTCP and ConnectUNIX.
type ConnectOption func(*ConnectConfig)

// ConnectConfig is what a list of ConnectOptions asks for: the keyword arguments of
// Twisted's connectTCP and connectUNIX. ConnectTCP and ConnectUNIX read their options with
// NewConnectConfig, and so do test doubles that record what they were asked for.
type ConnectConfig struct {
	Timeout     time.Duration // 30s unless set; 0 or less means no timeout
	BindAddress string        // "host:port" to bind the client socket to; "" binds nothing
	CheckPID    bool          // require a held path+".lock" (ConnectUNIX)
}

// NewConnectConfig applies opts, in order, to the defaults and returns the result.
func NewConnectConfig(opts ...ConnectOption) ConnectConfig {
	c := ConnectConfig{Timeout: 30 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Timeout sets how long an attempt may take before it fails with *TimeoutError
// (default 30s; 0 or less means no timeout).
func Timeout(d time.Duration) ConnectOption { return func(c *ConnectConfig) { c.Timeout = d } }

// BindAddress binds the client socket to host:port before connecting (failure:
// *ConnectBindError through ClientConnectionFailed).
func BindAddress(host string, port int) ConnectOption {
	return func(c *ConnectConfig) { c.BindAddress = net.JoinHostPort(host, strconv.Itoa(port)) }
}

// CheckPID makes ConnectUNIX fail with *BadFileError unless path+".lock" is held by a
// listener started with WantPID.
func CheckPID(on bool) ConnectOption { return func(c *ConnectConfig) { c.CheckPID = on } }

// connector is Twisted's tcp.Connector / unix.Connector: it makes attempts (each with a
// fresh socket) and relays their outcome to the factory.
type connector struct {
	r         *Reactor
	host      string
	port      int
	path      string
	factory   ClientFactory
	cfg       ConnectConfig
	state     string // "disconnected", "connecting", "connected"
	started   bool   // factory.DoStart called
	transport *conn
	timeoutID *DelayedCall
}

var _ Connector = (*connector)(nil)

// ConnectTCP connects to host:port and runs a protocol from factory over the connection.
// Nothing happens synchronously beyond creating the socket: the attempt starts on a later
// iteration, host names are resolved on the thread pool, and the outcome arrives as the
// protocol's ConnectionMade or the factory's ClientConnectionFailed.
func (r *Reactor) ConnectTCP(host string, port int, factory ClientFactory, opts ...ConnectOption) Connector {
	c := &connector{r: r, host: host, port: port, factory: factory, state: "disconnected",
		cfg: NewConnectConfig(opts...)}
	c.Connect()
	return c
}

// ConnectUNIX connects to the UNIX socket at path.
func (r *Reactor) ConnectUNIX(path string, factory ClientFactory, opts ...ConnectOption) Connector {
	c := &connector{r: r, path: path, factory: factory, state: "disconnected",
		cfg: NewConnectConfig(opts...)}
	c.Connect()
	return c
}

// LookupServicePort resolves a TCP service name ("http") to its port number, for ports of
// code that passes service names to connectTCP. It fails with *ServiceNameUnknownError.
func LookupServicePort(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, nil
	}
	n, err := net.LookupPort("tcp", name)
	if err != nil {
		// Twisted's text is Python's socket error and the name: "service/proto not found
		// ('nosuch')".
		return 0, &ServiceNameUnknownError{ConnectError{Msg: "service/proto not found (" + pyrepr.Str(name) + ")"}}
	}
	return n, nil
}

// GetDestination returns the address being connected to.
func (c *connector) GetDestination() net.Addr {
	if c.path != "" {
		return &net.UnixAddr{Name: c.path, Net: "unix"}
	}
	if a, err := netip.ParseAddr(c.host); err == nil {
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, uint16(c.port)))
	}
	return &hostAddr{host: c.host, port: c.port}
}

// hostAddr is a TCP destination given by host name (Twisted's IPv4Address keeps names too).
type hostAddr struct {
	host string
	port int
}

func (a *hostAddr) Network() string { return "tcp" }
func (a *hostAddr) String() string  { return net.JoinHostPort(a.host, strconv.Itoa(a.port)) }

func (c *connector) String() string {
	return fmt.Sprintf("<Connector %s %v>", c.state, c.GetDestination())
}

// Connect starts an attempt: DoStart on the factory for the first attempt, the timeout,
// StartedConnecting, then the socket work on later iterations.
func (c *connector) Connect() {
	if c.state != "disconnected" {
		slog.Error("can't connect in this state", "connector", c.String())
		return
	}
	c.state = "connecting"
	if !c.started {
		c.started = true
		c.r.callSafely("factory DoStart", c.factory.DoStart)
	}
	t := c.makeTransport()
	c.transport = t
	if c.cfg.Timeout > 0 {
		c.timeoutID = c.r.CallLater(c.cfg.Timeout, func() { t.failIfNotConnected(&TimeoutError{}) })
	}
	c.r.callSafely("StartedConnecting", func() { c.factory.StartedConnecting(c) })
}

// StopConnecting aborts the attempt in progress (ClientConnectionFailed with *UserError).
func (c *connector) StopConnecting() error {
	if c.state != "connecting" {
		return &NotConnectingError{}
	}
	c.state = "disconnected"
	t := c.transport
	c.transport = nil
	t.failIfNotConnected(&UserError{})
	return nil
}

// Disconnect stops connecting, or loses the connection.
func (c *connector) Disconnect() {
	switch c.state {
	case "connecting":
		c.StopConnecting()
	case "connected":
		c.transport.LoseConnection()
	}
}

func (c *connector) cancelTimeout() {
	if c.timeoutID != nil {
		c.timeoutID.Cancel()
		c.timeoutID = nil
	}
}

func (c *connector) buildProtocol(addr net.Addr) Protocol {
	c.state = "connected"
	c.cancelTimeout()
	return c.factory.BuildProtocol(addr)
}

func (c *connector) connectionFailed(reason *failure.Failure) {
	c.cancelTimeout()
	c.transport = nil
	c.state = "disconnected"
	c.r.callSafely("ClientConnectionFailed", func() { c.factory.ClientConnectionFailed(c, reason) })
	if c.state == "disconnected" {
		// The factory did not call Connect again.
		c.started = false
		c.r.callSafely("factory DoStop", c.factory.DoStop)
	}
}

func (c *connector) connectionLost(reason *failure.Failure) {
	c.state = "disconnected"
	c.r.callSafely("ClientConnectionLost", func() { c.factory.ClientConnectionLost(c, reason) })
	if c.state == "disconnected" {
		c.started = false
		c.r.callSafely("factory DoStop", c.factory.DoStop)
	}
}

// makeTransport creates the attempt's socket (and binds it) now, and schedules the connect,
// or the failure, for a later iteration (tcp.BaseClient._finishInit).
func (c *connector) makeTransport() *conn {
	t := &conn{r: c.r, fd: -1, connector: c, closed: true, logstr: "Uninitialized"}
	var family int
	var err error
	var dest unix.Sockaddr
	needsResolve := false
	switch {
	case c.path != "":
		family = unix.AF_UNIX
		dest = &unix.SockaddrUnix{Name: c.path}
		if c.cfg.CheckPID && !lockHeld(c.path) {
			err = &BadFileError{ConnectError{Msg: pyrepr.Bytes([]byte(c.path))}}
		}
	case isIPAddress(c.host):
		dest, family, err = ipSockaddr(c.host, c.port)
		if err != nil {
			err = &ConnectError{Msg: err.Error()}
		}
	default:
		family = unix.AF_INET
		needsResolve = true
	}
	if err == nil {
		var fd int
		fd, err = newSocket(family, unix.SOCK_STREAM)
		if err != nil {
			err = &ConnectBindError{ConnectError{OSError: err}}
		} else {
			t.fd, t.closed = fd, false
		}
	}
	if err == nil && c.cfg.BindAddress != "" {
		sa, berr := bindSockaddr(c.cfg.BindAddress)
		if berr == nil {
			berr = unix.Bind(t.fd, sa)
		}
		if berr != nil {
			err = &ConnectBindError{ConnectError{OSError: berr}}
		}
	}
	if err != nil {
		c.r.CallLater(0, func() { t.failIfNotConnected(err) })
		return t
	}
	t.connecting = true
	if !needsResolve {
		t.realAddress = dest
		c.r.CallLater(0, t.startConnect)
		return t
	}
	host, port := c.host, c.port
	DeferToThread(c.r, func() (any, error) {
		ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip4", host)
		if err != nil || len(ips) == 0 {
			return nil, &DNSLookupError{Host: host, Err: err}
		}
		return ips[0], nil
	}).AddCallbacks(func(v any) (any, error) {
		t.realAddress = &unix.SockaddrInet4{Port: port, Addr: v.(netip.Addr).Unmap().As4()}
		t.startConnect()
		return nil, nil
	}, func(f *failure.Failure) (any, error) {
		t.failIfNotConnected(f)
		return nil, nil
	})
	return t
}

// startConnect begins the non-blocking connect (tcp.BaseClient.doConnect's first pass).
func (t *conn) startConnect() {
	if t.connector == nil || t.closed || !t.connecting {
		return
	}
	err := unix.Connect(t.fd, t.realAddress)
	switch err {
	case nil, unix.EISCONN:
		t.connectDone()
	case unix.EINPROGRESS, unix.EALREADY, unix.EAGAIN, unix.EINTR:
		if err := t.r.setInterest(t, t, t, true, true, false); err != nil {
			t.failIfNotConnected(&ConnectError{OSError: err})
		}
	default:
		t.failIfNotConnected(connectError(err))
	}
}

// doConnect runs when the connecting socket becomes readable or writable: SO_ERROR tells
// whether the connect worked.
func (t *conn) doConnect() error {
	if t.connector == nil || t.closed {
		return nil
	}
	soerr, err := unix.GetsockoptInt(t.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	if err != nil {
		t.failIfNotConnected(connectError(err))
		return nil
	}
	t.r.removeDescriptor(t)
	t.connectDone()
	return nil
}

// connectDone builds the protocol through the connector and connects it. A nil protocol
// gets a do-nothing stand-in and the connection is closed at once, as in Twisted.
func (t *conn) connectDone() {
	t.connecting = false
	c := t.connector
	t.peer = peerAddr(t.fd)
	if t.peer == nil && c.path != "" {
		t.peer = &net.UnixAddr{Name: c.path, Net: "unix"}
	}
	var proto Protocol
	if f := protectCall(func() { proto = c.buildProtocol(t.peer) }); f != nil {
		logFailure("Unhandled error in BuildProtocol", f)
	}
	t.connected = true
	if proto == nil {
		t.protocol = &BaseProtocol{}
		t.logstr = "Protocol,client"
		t.LoseConnection()
		return
	}
	t.protocol = proto
	t.hc, _ = proto.(HalfCloseableProtocol)
	t.logstr = protocolName(proto) + ",client"
	t.makeConnection()
}

// failIfNotConnected ends an attempt that has not connected yet: the socket is closed and
// the factory hears ClientConnectionFailed(reason). It does nothing once connected.
func (t *conn) failIfNotConnected(err error) {
	if t.connected || t.disconnected || t.connector == nil {
		return
	}
	c := t.connector
	t.connector = nil
	t.connecting = false
	if !t.closed {
		t.r.removeDescriptor(t)
		unix.Close(t.fd)
		t.closed = true
	}
	f, ok := err.(*failure.Failure)
	if !ok {
		f = failure.New(err)
	}
	c.connectionFailed(f)
}
