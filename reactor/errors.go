package reactor

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/gotwisted/twisted/internal/pyrepr"
)

// This file ports twisted.internet.error: the reasons a connection ends and the errors the
// reactor reports. Python code traps these by class, and a class also matches its
// subclasses (Failure.trap(ConnectionLost) catches ConnectionAborted). Go has no
// inheritance, so every Twisted class that has subclasses gets a marker interface named
// Any<Class>; the concrete struct of the class and of each subclass implement it. Trap with
// a type token for the marker to match the whole family, or the concrete pointer type to
// match one class:
//
//	reason.Check(failure.Type[reactor.AnyConnectionLost]())   // ConnectionLost, ConnectionAborted, ...
//	reason.Check(failure.Type[*reactor.ConnectionDone]())     // exactly ConnectionDone
//
// errors.As works the same way (the *failure.Failure unwraps to the error it carries).
//
// Error() reads exactly as str() of the Twisted exception the Python reactor produces in the
// same situation, so printed reasons and getErrorMessage() match a Python program's
// ("Connection was refused by other side: 111: Connection refused."); testdata/errors.json,
// captured from Twisted 22.4 by testdata/errors_probe.py, holds the reference texts. Where
// Twisted's text leaves the operating-system error out (a reset is just "Connection to the
// other side was lost in a non-clean fashion."), the Go value still carries it for
// errors.Is.

// AnyConnectionClosed is implemented by every reason a connection can end with
// (Twisted's ConnectionClosed class and its subclasses).
type AnyConnectionClosed interface {
	error
	connectionClosed()
}

// AnyConnectionLost is implemented by ConnectionLost and its subclasses
// (ConnectionAborted, ConnectionFdescWentAway).
type AnyConnectionLost interface {
	AnyConnectionClosed
	connectionLost()
}

// AnyConnectionDone is implemented by ConnectionDone (Twisted's ProcessDone would be its
// subclass).
type AnyConnectionDone interface {
	AnyConnectionClosed
	connectionDone()
}

// AnyConnectError is implemented by ConnectError and every subclass (ConnectionRefusedError,
// TimeoutError, ConnectBindError, ...): the reasons ClientConnectionFailed receives.
type AnyConnectError interface {
	error
	connectError()
}

// AnyUserError is implemented by UserError and TimeoutError.
type AnyUserError interface {
	AnyConnectError
	userError()
}

// AnyBindError is implemented by BindError and CannotListenError.
type AnyBindError interface {
	error
	bindError()
}

// withArgs renders Twisted's "MESSAGE: args." layout.
func withArgs(msg string, args ...string) string {
	var b strings.Builder
	b.WriteString(msg)
	for _, a := range args {
		if a != "" {
			b.WriteString(": ")
			b.WriteString(a)
		}
	}
	b.WriteString(".")
	return b.String()
}

// ConnectionDone is the reason for a connection that was closed cleanly: the peer closed its
// side (read returned EOF) or the local side called LoseConnection and the buffer drained.
type ConnectionDone struct{ Msg string }

func (e *ConnectionDone) Error() string   { return withArgs("Connection was closed cleanly", e.Msg) }
func (*ConnectionDone) connectionClosed() {}
func (*ConnectionDone) connectionDone()   {}

// ConnectionLost is the reason for a connection that ended in a non-clean fashion: a reset,
// a failed read or write, or reactor shutdown (Msg "Connection lost", Twisted's
// main.CONNECTION_LOST). Err holds the operating-system error, if any; like Twisted's
// reactor, which replaces such reasons with a bare ConnectionLost(), Error() does not show it.
type ConnectionLost struct {
	Msg string
	Err error
}

func (e *ConnectionLost) Error() string {
	return withArgs("Connection to the other side was lost in a non-clean fashion", e.Msg)
}
func (e *ConnectionLost) Unwrap() error   { return e.Err }
func (*ConnectionLost) connectionClosed() {}
func (*ConnectionLost) connectionLost()   {}

// ConnectionAborted is the reason delivered after a local AbortConnection. It is a
// ConnectionLost (AnyConnectionLost matches it).
type ConnectionAborted struct{ ConnectionLost }

func (e *ConnectionAborted) Error() string {
	return withArgs("Connection was aborted locally using ITCPTransport.abortConnection", e.Msg)
}

// ConnectionFdescWentAway is the reason used when a descriptor's Fileno() is -1 while it is
// still registered with the reactor (Msg "File descriptor lost"). It is a ConnectionLost.
// Its text begins "Uh", as Twisted's does: the class's message there is a placeholder.
type ConnectionFdescWentAway struct{ ConnectionLost }

func (e *ConnectionFdescWentAway) Error() string { return withArgs("Uh", e.Msg) }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ConnectError is the base of the errors a client connection attempt fails with. OSError is
// the operating-system error (errors.Is(err, syscall.ECONNREFUSED) works through Unwrap).
// An errno is shown as Twisted shows the (errno, strerror) pair it builds these errors
// from: "Connection was refused by other side: 111: Connection refused.".
type ConnectError struct {
	OSError error
	Msg     string
}

func (e *ConnectError) Error() string { return e.format("An error occurred while connecting") }
func (e *ConnectError) Unwrap() error { return e.OSError }
func (e *ConnectError) format(msg string) string {
	return withArgs(msg, errnoArgs(e.OSError), e.Msg)
}
func (*ConnectError) connectError() {}

// ConnectBindError: binding the client socket to its BindAddress failed.
type ConnectBindError struct{ ConnectError }

func (e *ConnectBindError) Error() string { return e.format("Couldn't bind") }

// UnknownHostError: the host name could not be looked up.
type UnknownHostError struct{ ConnectError }

func (e *UnknownHostError) Error() string { return e.format("Hostname couldn't be looked up") }

// NoRouteError: no route to host (ENETUNREACH; EHOSTUNREACH is a plain ConnectError, as in
// Twisted).
type NoRouteError struct{ ConnectError }

func (e *NoRouteError) Error() string { return e.format("No route to host") }

// ConnectionRefusedError: the peer refused the connection (ECONNREFUSED).
type ConnectionRefusedError struct{ ConnectError }

func (e *ConnectionRefusedError) Error() string {
	return e.format("Connection was refused by other side")
}

// TCPTimedOutError: the operating system timed the connection attempt out (ETIMEDOUT).
type TCPTimedOutError struct{ ConnectError }

func (e *TCPTimedOutError) Error() string { return e.format("TCP connection timed out") }

// BadFileError: the file used for a UNIX socket is no good (with CheckPID, its lock file is
// not held). Msg is the path as Twisted shows it, a Python bytes repr (b'/path').
type BadFileError struct{ ConnectError }

func (e *BadFileError) Error() string { return e.format("File used for UNIX socket is no good") }

// ServiceNameUnknownError: a service name given as a port is unknown. Msg reads as
// Twisted's: "service/proto not found ('nosuch')".
type ServiceNameUnknownError struct{ ConnectError }

func (e *ServiceNameUnknownError) Error() string {
	return e.format("Service name given as port is unknown")
}

// UserError: the attempt was stopped by the user (Connector.StopConnecting).
type UserError struct{ ConnectError }

func (e *UserError) Error() string { return e.format("User aborted connection") }
func (*UserError) userError()      {}

// TimeoutError: the connect timeout given to ConnectTCP/ConnectUNIX expired. It is a
// UserError, as in Twisted (error.TimeoutError, not the Deferred one).
type TimeoutError struct{ UserError }

func (e *TimeoutError) Error() string { return e.format("User timeout caused connection failure") }

// BindError is the base of errors binding to an interface.
type BindError struct{ Msg string }

func (e *BindError) Error() string {
	return withArgs("An error occurred binding to an interface", e.Msg)
}
func (*BindError) bindError() {}

// CannotListenError is returned synchronously by ListenTCP/ListenUNIX (and by
// Port.StartListening) when the socket cannot be created, bound or put into listening mode.
type CannotListenError struct {
	Interface string // "" means any
	Port      int    // TCP port; 0 for UNIX sockets
	Path      string // UNIX socket path, if any
	Err       error  // the socket error
}

// Error reads as Twisted's: "Couldn't listen on 127.0.0.1:8800: [Errno 98] Address already
// in use."; "any" stands for every interface, and a UNIX socket shows as
// "any:b'/path'" (Twisted passes no interface and keeps the path as bytes).
func (e *CannotListenError) Error() string {
	iface := e.Interface
	if iface == "" {
		iface = "any"
	}
	where := strconv.Itoa(e.Port)
	if e.Path != "" {
		where = pyrepr.Bytes([]byte(e.Path))
	}
	return fmt.Sprintf("Couldn't listen on %s:%s: %s.", iface, where, pyOSError(e.Err))
}
func (e *CannotListenError) Unwrap() error { return e.Err }
func (*CannotListenError) bindError()      {}

// DNSLookupError: a host name could not be resolved. Err is the resolver's error; Error()
// names only the host, as Twisted's resolver does ("DNS lookup failed: example.invalid.").
type DNSLookupError struct {
	Host string
	Err  error
}

func (e *DNSLookupError) Error() string { return withArgs("DNS lookup failed", e.Host) }
func (e *DNSLookupError) Unwrap() error { return e.Err }

// AlreadyCalled is returned by DelayedCall.Cancel, Reset and Delay once the call has run
// (including from inside the call itself).
type AlreadyCalled struct{}

func (*AlreadyCalled) Error() string { return "Tried to cancel an already-called event." }

// AlreadyCancelled is returned by DelayedCall.Cancel, Reset and Delay after a Cancel.
type AlreadyCancelled struct{}

func (*AlreadyCancelled) Error() string { return "Tried to cancel an already-cancelled event." }

// NotConnectingError is returned by Connector.StopConnecting when no attempt is in progress.
type NotConnectingError struct{}

func (*NotConnectingError) Error() string {
	return "The Connector was not connecting when it was asked to stop connecting."
}

// NotListeningError: the Port was not listening when it was asked to stop listening.
type NotListeningError struct{}

func (*NotListeningError) Error() string {
	return "The Port was not listening when it was asked to stop listening."
}

// ReactorNotRunning is returned by Stop when the reactor is not running or is already
// stopping.
type ReactorNotRunning struct{}

func (*ReactorNotRunning) Error() string { return "Can't stop reactor that isn't running." }

// ReactorNotRestartable is returned by Run after the reactor was stopped with Stop.
type ReactorNotRestartable struct{}

func (*ReactorNotRestartable) Error() string { return "reactor is not restartable" }

// ReactorAlreadyRunning is returned by Run while the reactor runs.
type ReactorAlreadyRunning struct{}

func (*ReactorAlreadyRunning) Error() string { return "reactor is already running" }

// ConnectingCancelledError is the reason an endpoint's connection attempt fails with when
// its Deferred is cancelled before the connection is made.
type ConnectingCancelledError struct{ Address net.Addr }

func (e *ConnectingCancelledError) Error() string {
	return fmt.Sprintf("connecting to %v was cancelled", e.Address)
}

// NoProtocol: a factory's BuildProtocol returned nil for an endpoint connection.
type NoProtocol struct{}

func (*NoProtocol) Error() string { return "factory did not build a protocol" }

// Compile-time checks of the class hierarchy.
var (
	_ AnyConnectionDone = (*ConnectionDone)(nil)
	_ AnyConnectionLost = (*ConnectionLost)(nil)
	_ AnyConnectionLost = (*ConnectionAborted)(nil)
	_ AnyConnectionLost = (*ConnectionFdescWentAway)(nil)
	_ AnyConnectError   = (*ConnectionRefusedError)(nil)
	_ AnyUserError      = (*TimeoutError)(nil)
	_ AnyBindError      = (*CannotListenError)(nil)
)
