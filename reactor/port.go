package reactor

import (
	"fmt"
	"log/slog"
	"net"
	"os"

	"golang.org/x/sys/unix"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"

	"github.com/gotwisted/twisted/internal/pyrepr"
)

// ListenOption configures ListenTCP and ListenUNIX.
type ListenOption func(*ListenConfig)

// ListenConfig is what a list of ListenOptions asks for: the keyword arguments of Twisted's
// listenTCP and listenUNIX. ListenTCP and ListenUNIX read their options with
// NewListenConfig, and so do test doubles (reactortest.MemoryReactor) that record what
// they were asked for.
type ListenConfig struct {
	Backlog   int         // listen queue length; 50 unless set (0 or less also means 50)
	Interface string      // address to bind; "" means all IPv4 interfaces
	Mode      os.FileMode // permissions of a UNIX socket file; 0666 unless set
	WantPID   bool        // take path+".lock" (ListenUNIX)
}

// NewListenConfig applies opts, in order, to the defaults and returns the result.
func NewListenConfig(opts ...ListenOption) ListenConfig {
	c := ListenConfig{Backlog: 50, Mode: 0o666}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Backlog sets the listen queue length (default 50).
func Backlog(n int) ListenOption { return func(c *ListenConfig) { c.Backlog = n } }

// Interface sets the address to bind ("" — the default — means all IPv4 interfaces; use
// "127.0.0.1" in tests, "::" for all IPv6 ones).
func Interface(host string) ListenOption { return func(c *ListenConfig) { c.Interface = host } }

// Mode sets the permissions of a UNIX socket file (default 0666).
func Mode(m os.FileMode) ListenOption { return func(c *ListenConfig) { c.Mode = m } }

// WantPID makes ListenUNIX take a lock on path+".lock" (failing with CannotListenError if
// another process holds it) and remove a stale socket file first.
func WantPID(on bool) ListenOption { return func(c *ListenConfig) { c.WantPID = on } }

// Port is a listening TCP or UNIX socket (Twisted's tcp.Port / unix.Port): it accepts
// connections and gives each a protocol built by its factory.
type Port struct {
	r       *Reactor
	factory ProtocolFactory
	cfg     ListenConfig
	port    int    // requested TCP port
	path    string // UNIX path; "" for TCP
	family  int

	fd            int
	connected     bool
	disconnecting bool
	numberAccepts int
	sessionno     int
	host          net.Addr
	lockFile      *os.File
	listened      bool // this port created path (so it removes it)
}

var _ ListeningPort = (*Port)(nil)
var _ ReadDescriptor = (*Port)(nil)

// ListenTCP listens on port (0 picks a free one; GetHost tells which) and serves each
// accepted connection with a protocol from factory. Binding happens now: failure returns a
// *CannotListenError. SO_REUSEADDR is set. The port is a *Port (type-assert it to restart
// a stopped port with StartListening); the result type is the interface so that test
// doubles such as reactortest.MemoryReactor satisfy ReactorTCP too.
func (r *Reactor) ListenTCP(port int, factory ProtocolFactory, opts ...ListenOption) (ListeningPort, error) {
	p := &Port{r: r, factory: factory, port: port, fd: -1, cfg: NewListenConfig(opts...)}
	if err := p.StartListening(); err != nil {
		return nil, err
	}
	return p, nil
}

// ListenUNIX listens on a UNIX socket at path (see Mode and WantPID).
func (r *Reactor) ListenUNIX(path string, factory ProtocolFactory, opts ...ListenOption) (ListeningPort, error) {
	p := &Port{r: r, factory: factory, path: path, fd: -1, cfg: NewListenConfig(opts...)}
	if err := p.StartListening(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Port) cannotListen(err error) error {
	return &CannotListenError{Interface: p.cfg.Interface, Port: p.port, Path: p.path, Err: err}
}

// StartListening creates, binds and listens on the socket, starts the factory and starts
// accepting. ListenTCP calls it; call it again to restart a stopped port.
func (p *Port) StartListening() error {
	if p.connected {
		return p.cannotListen(fmt.Errorf("already listening"))
	}
	var sa unix.Sockaddr
	if p.path != "" {
		p.family = unix.AF_UNIX
		if p.cfg.WantPID {
			if err := p.lock(); err != nil {
				return p.cannotListen(err)
			}
		}
		sa = &unix.SockaddrUnix{Name: p.path}
	} else {
		var err error
		sa, p.family, err = ipSockaddr(p.cfg.Interface, p.port)
		if err != nil {
			return p.cannotListen(err)
		}
	}
	fd, err := newSocket(p.family, unix.SOCK_STREAM)
	if err != nil {
		p.unlock()
		return p.cannotListen(os.NewSyscallError("socket", err))
	}
	fail := func(op string, err error) error {
		unix.Close(fd)
		p.unlock()
		return p.cannotListen(os.NewSyscallError(op, err))
	}
	if p.family != unix.AF_UNIX {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt", err)
		}
		if p.family == unix.AF_INET6 {
			unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if p.family == unix.AF_UNIX {
		p.listened = true
		if err := os.Chmod(p.path, p.cfg.Mode); err != nil {
			os.Remove(p.path)
			return fail("chmod", err)
		}
	}
	backlog := p.cfg.Backlog
	if backlog <= 0 {
		backlog = 50
	}
	if err := unix.Listen(fd, backlog); err != nil {
		if p.family == unix.AF_UNIX {
			os.Remove(p.path)
		}
		return fail("listen", err)
	}
	p.fd = fd
	p.host = localAddr(fd)
	if p.family == unix.AF_UNIX {
		p.host = &net.UnixAddr{Name: p.path, Net: "unix"}
	}
	p.r.reserveFD()
	// Twisted logs "<Factory> starting on <port>" before the factory's doStart, so the line
	// comes before the factory's own "Starting factory"; a UNIX path is shown as its repr.
	where := p.hostString()
	if p.path != "" {
		where = pyrepr.Str(p.path)
	}
	slog.Info(fmt.Sprintf("%s starting on %s", protocolName(p.factory), where))
	if f := protectCall(p.factory.DoStart); f != nil {
		logFailure("Unhandled error in factory DoStart", f)
	}
	p.connected = true
	p.disconnecting = false
	p.numberAccepts = 100
	if err := p.r.AddReader(p); err != nil {
		p.connectionLostNow()
		return p.cannotListen(err)
	}
	return nil
}

// hostString is the port's number, or its path for a UNIX socket (Twisted's
// _realPortNumber, or port).
func (p *Port) hostString() string {
	if p.path != "" {
		return p.path
	}
	if a, ok := p.host.(*net.TCPAddr); ok {
		return fmt.Sprint(a.Port)
	}
	return fmt.Sprint(p.host)
}

// transportType is Twisted's Port._type, which the port-closed log line names.
func (p *Port) transportType() string {
	if p.family == unix.AF_UNIX {
		return "UNIX"
	}
	return "TCP"
}

// protectCall runs f and returns a Failure for a panic.
func protectCall(f func()) (pf *failure.Failure) {
	defer func() {
		if p := recover(); p != nil {
			pf = failure.FromPanic(p, 0)
		}
	}()
	f()
	return nil
}

// Fileno returns the listening socket, or -1.
func (p *Port) Fileno() int { return p.fd }

// LogPrefix names the factory, like Twisted's port log prefix.
func (p *Port) LogPrefix() string { return protocolName(p.factory) }

func (p *Port) String() string {
	if p.path != "" {
		return fmt.Sprintf("<%s on %s>", protocolName(p.factory), p.path)
	}
	return fmt.Sprintf("<%s on %s>", protocolName(p.factory), p.hostString())
}

// GetHost returns the bound address (*net.TCPAddr or *net.UnixAddr).
func (p *Port) GetHost() net.Addr { return p.host }

// DoRead accepts up to numberAccepts connections (adapting the number to the traffic as
// Twisted does) and connects each to a protocol from the factory. EMFILE is survived by
// releasing the reactor's reserved descriptor, accepting and closing the waiting clients, and
// reserving again; other resource errors are logged and end this round.
func (p *Port) DoRead() error {
	if !p.connected || p.fd < 0 {
		return nil
	}
	// Each attempt counts, as in Twisted's `for i in range(numberAccepts)`: a stream of
	// EPERM rejections or refused protocols cannot keep the loop here.
	tries := 0
	for ; tries < p.numberAccepts; tries++ {
		if p.disconnecting {
			// StopListening from a protocol made in this loop: accept no more.
			break
		}
		nfd, sa, err := accept(p.fd)
		if err != nil {
			switch err {
			case unix.EAGAIN, unix.EINTR:
			case unix.EPERM: // netfilter rejected it; keep going
				continue
			case unix.EMFILE:
				if p.r.reserved >= 0 {
					p.recoverEMFILE(p.numberAccepts - tries)
				} else {
					slog.Info("Could not accept new connection (EMFILE)")
				}
			case unix.ENOBUFS, unix.ENFILE, unix.ENOMEM, unix.ECONNABORTED:
				slog.Info("Could not accept new connection (" + unix.ErrnoName(err.(unix.Errno)) + ")")
			default:
				logFailure("Unhandled error accepting a connection", failure.New(os.NewSyscallError("accept", err)))
			}
			break
		}
		addr := sockaddrToAddr(sa)
		if p.family == unix.AF_UNIX {
			addr = &net.UnixAddr{Name: sa.(*unix.SockaddrUnix).Name, Net: "unix"}
		}
		var proto Protocol
		if f := protectCall(func() { proto = p.factory.BuildProtocol(addr) }); f != nil {
			unix.Close(nfd)
			logFailure("Unhandled error in BuildProtocol", f)
			break
		}
		if proto == nil {
			unix.Close(nfd)
			continue
		}
		s := p.sessionno
		p.sessionno++
		c := &conn{r: p.r, fd: nfd, protocol: proto, peer: addr, connected: true}
		if p.family == unix.AF_UNIX {
			c.host = p.host
		}
		c.hc, _ = proto.(HalfCloseableProtocol)
		c.logstr = fmt.Sprintf("%s,%d,%s", protocolName(proto), s, hostOf(addr))
		c.makeConnection()
	}
	if tries == p.numberAccepts {
		p.numberAccepts += 20
	} else {
		p.numberAccepts = max(1, tries)
	}
	return nil
}

func hostOf(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case *net.UnixAddr:
		return a.Name
	}
	return fmt.Sprint(a)
}

// recoverEMFILE frees the reserved descriptor so accept can succeed, closes every waiting
// client (the process has no descriptors to serve them), and reserves again.
func (p *Port) recoverEMFILE(limit int) {
	slog.Info("EMFILE encountered; releasing reserved file descriptor.")
	p.r.releaseReserved()
	for i := 0; i < limit; i++ {
		nfd, sa, err := accept(p.fd)
		if err != nil {
			break
		}
		unix.Close(nfd)
		slog.Info(fmt.Sprintf("EMFILE recovery: Closed socket from %v", sockaddrToAddr(sa)))
	}
	slog.Info("Re-reserving EMFILE recovery file descriptor.")
	p.r.reserveFD()
}

// reserveFD keeps one descriptor (/dev/null) in reserve for EMFILE recovery.
func (r *Reactor) reserveFD() {
	if r.reserved >= 0 {
		return
	}
	fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		slog.Info("Could not reserve EMFILE recovery file descriptor.")
		return
	}
	r.reserved = fd
}

func (r *Reactor) releaseReserved() {
	if r.reserved >= 0 {
		unix.Close(r.reserved)
		r.reserved = -1
	}
}

// StopListening stops accepting at once and closes the socket on the next timer pass; the
// returned Deferred fires after the factory's DoStop, and fails if DoStop panics (the port
// can still be restarted). On a port that is not listening it returns an already-fired
// Deferred (Twisted returns None).
func (p *Port) StopListening() *deferred.Deferred {
	p.disconnecting = true
	p.r.RemoveReader(p)
	if !p.connected {
		return deferred.Succeed(nil)
	}
	d := deferred.New(nil)
	p.r.CallLater(0, func() {
		if f := protectCall(p.connectionLostNow); f != nil {
			d.Errback(f)
		} else {
			d.Callback(nil)
		}
	})
	return d
}

// LoseConnection is StopListening.
func (p *Port) LoseConnection() *deferred.Deferred { return p.StopListening() }

// ConnectionLost closes the port at once; the reactor calls it at shutdown. A panic in the
// factory's DoStop passes through to the caller (the reactor logs it).
func (p *Port) ConnectionLost(reason *failure.Failure) { p.connectionLostNow() }

func (p *Port) connectionLostNow() {
	if !p.connected {
		return
	}
	slog.Info(fmt.Sprintf("(%s Port %s Closed)", p.transportType(), p.hostString()))
	p.r.removeDescriptor(p)
	p.connected = false
	unix.Close(p.fd)
	p.fd = -1
	if p.family == unix.AF_UNIX && p.listened {
		os.Remove(p.path)
		p.listened = false
	}
	p.unlock()
	defer func() { p.disconnecting = false }()
	p.factory.DoStop()
}

// lock takes path+".lock" (WantPID): a held lock means another live process serves the
// socket; otherwise a leftover socket file is stale and removed.
func (p *Port) lock() error {
	f, err := os.OpenFile(p.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("Cannot acquire lock")
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d", os.Getpid())
	p.lockFile = f
	if _, err := os.Lstat(p.path); err == nil {
		os.Remove(p.path)
	}
	return nil
}

func (p *Port) unlock() {
	if p.lockFile != nil {
		os.Remove(p.lockFile.Name())
		p.lockFile.Close()
		p.lockFile = nil
	}
}

// lockHeld reports whether path+".lock" is held by a listening process (CheckPID).
func lockHeld(path string) bool {
	f, err := os.Open(path + ".lock")
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return true
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
