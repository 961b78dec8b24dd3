// Package reactor is gotwisted's event loop: Twisted's reactor in Go. One goroutine runs
// the loop and every callback — protocol events, timers, Deferred callbacks — runs on it,
// one at a time, so protocol code needs no locks. Sockets are raw non-blocking descriptors
// watched with level-triggered epoll on Linux and kqueue on macOS and FreeBSD; there is no
// net.Conn, no time.Timer and no goroutine per connection.
//
// # A server and a client
//
// A protocol embeds BaseProtocol (usually through package protocol, which re-exports it as
// protocol.Protocol along with ready-made factories) and overrides the events it cares
// about. The reactor calls them; the protocol answers through its Transport:
//
//	type Echo struct{ protocol.Protocol }
//
//	func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }
//
//	func main() {
//		f := &protocol.Factory{Protocol: func() protocol.IProtocol { return &Echo{} }}
//		reactor.ListenTCP(8000, f)
//		reactor.Run()
//	}
//
// A client connects with ConnectTCP and a ClientFactory, whose ClientConnectionFailed and
// ClientConnectionLost hear how the attempt and the connection ended:
//
//	type Greeter struct{ protocol.Protocol }
//
//	func (g *Greeter) ConnectionMade()          { g.Transport.Write([]byte("hello")) }
//	func (g *Greeter) DataReceived(data []byte) { fmt.Printf("%s\n", data); g.Transport.LoseConnection() }
//	func (g *Greeter) ConnectionLost(reason *failure.Failure) { reactor.Stop() }
//
//	reactor.ConnectTCP("localhost", 8000, factory)
//	reactor.Run()
//
// The package-level functions (ListenTCP, ConnectTCP, CallLater, Run, Stop, ...) use a
// process default reactor, so ports of Twisted programs read like the Python; SIGINT and
// SIGTERM stop it cleanly. New gives an isolated reactor: tests create one each and Close
// it. Everything that can take a reactor takes one of the small interfaces (ReactorTime,
// ReactorTCP, ...), so task.Clock can stand in for ReactorTime.
//
// # Rules of the loop
//
// The ordering Twisted programs rely on holds here too:
//
//   - Write never sends synchronously. It copies the bytes into the transport's buffer and
//     the reactor sends them on a later iteration (with writev, at most 128 KiB at a time).
//     LoseConnection flushes first: "write a; LoseConnection; write b" delivers "ab".
//     AbortConnection drops the buffer, resets the connection, and reports
//     *ConnectionAborted on the next timer pass.
//   - One iteration runs, in order: the calls queued by CallFromThread before it began;
//     the timers that are due (a CallLater(0) made by a timer waits for the next
//     iteration); the shutdown event if Stop was called; one poll, with a timeout set by
//     the next timer; then read and write events, each connection reading at most once.
//   - DataReceived gets a slice of the reactor's read buffer, valid only until it returns:
//     copy what you keep (append(buf, data...) does). Reads therefore do not allocate.
//   - CallFromThread is the only method safe from other goroutines. Blocking work goes to
//     CallInThread or DeferToThread, which run it on a bounded pool (10 workers by
//     default) and hand the result back on the loop. A worker that needs the loop's
//     answer calls BlockingCallFromThread; once the reactor has shut down or been closed
//     that returns *ReactorStopped rather than waiting for ever (Twisted's would hang).
//   - A panic in a protocol callback is logged (log/slog, with the *failure.Failure under
//     "failure") and loses that connection only; a panic in a timer or thread call is
//     logged and the loop carries on.
//
// # How connections end
//
// ConnectionLost receives a *failure.Failure explaining why, as Twisted reports it:
// *ConnectionDone for a clean close by either side, *ConnectionLost for a reset, an I/O
// error or reactor shutdown, *ConnectionAborted after AbortConnection. A failed client
// attempt never reaches a protocol: the factory's ClientConnectionFailed gets
// *ConnectionRefusedError, *TimeoutError, *ConnectBindError, *DNSLookupError or
// *UserError (StopConnecting). These error types keep Twisted's class hierarchy through
// marker interfaces, so a trap by base class matches subclasses:
//
//	if reason.Check(failure.Type[reactor.AnyConnectionLost]()) != nil { // Lost or Aborted
//
// Their messages are Twisted's word for word, so a printed reason or ErrorMessage reads as
// in the Python program: "Connection was refused by other side: 111: Connection refused.",
// "Connection was closed cleanly.". Where Twisted's message leaves out the operating-system
// error (a reset is just "Connection to the other side was lost in a non-clean fashion."),
// the Go error still carries it, for errors.Is(reason, syscall.ECONNRESET). A listening
// port logs (log/slog, level Info) "<Factory> starting on 8000" and "(TCP Port 8000
// Closed)", as Twisted's does.
//
// # Deviations from Twisted
//
// The reactor's clock (Seconds, DelayedCall.GetTime) is monotonic and counts from the
// reactor's creation rather than the Unix epoch, so wall-clock jumps neither fire nor
// starve timers; calls due at the same time run in the order they were scheduled. A
// negative CallLater delay runs the call as soon as possible instead of failing an
// assertion. AddReader reports an error for regular files (epoll refuses them) instead of
// polling them continuously. StopListening on a port that is not listening returns an
// already-fired Deferred where Twisted returns None.
package reactor
