package reactor

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"github.com/gotwisted/twisted/failure"
)

// conn is the transport of one TCP or UNIX stream connection: Twisted's tcp.Connection with
// its Server and Client flavours and abstract.FileDescriptor's buffering. It is driven by the
// reactor (DoRead, DoWrite, ConnectionLost) and by its protocol (Write, LoseConnection...).
type conn struct {
	r        *Reactor
	fd       int
	protocol Protocol
	hc       HalfCloseableProtocol // protocol's half-close hooks, if any
	host     net.Addr
	peer     net.Addr
	logstr   string

	// Client side: the connector and the attempt in progress.
	connector   *connector
	connecting  bool          // non-blocking connect in progress
	realAddress unix.Sockaddr // resolved destination

	connected          bool
	disconnecting      bool
	disconnected       bool
	aborting           bool
	writeDisconnecting bool
	writeDisconnected  bool
	closed             bool // socket closed and ConnectionLost delivered (or failed to connect)

	wbuf           writeBuffer
	producer       PullProducer
	pushProducer   PushProducer
	streaming      bool
	producerPaused bool
	highWater      int // producer high-water mark; 0 means bufferSize (tests lower it)
}

var (
	_ TCPTransport            = (*conn)(nil)
	_ ReadDescriptor          = (*conn)(nil)
	_ WriteDescriptor         = (*conn)(nil)
	_ HalfCloseableDescriptor = (*conn)(nil)
)

// Fileno returns the socket, or -1 once it is closed.
func (c *conn) Fileno() int {
	if c.closed {
		return -1
	}
	return c.fd
}

// LogPrefix is "Proto,sessionno,peerhost" for servers and "Proto,client" for clients.
func (c *conn) LogPrefix() string { return c.logstr }

func (c *conn) String() string {
	return fmt.Sprintf("<%s fd=%d %v -> %v>", c.logstr, c.fd, c.host, c.peer)
}

// GetHost returns the local address.
func (c *conn) GetHost() net.Addr {
	if c.host == nil && !c.closed {
		c.host = localAddr(c.fd)
	}
	return c.host
}

// GetPeer returns the remote address.
func (c *conn) GetPeer() net.Addr {
	if c.peer == nil && !c.closed {
		c.peer = peerAddr(c.fd)
	}
	return c.peer
}

// Disconnecting reports whether LoseConnection was called.
func (c *conn) Disconnecting() bool { return c.disconnecting }

func (c *conn) startReading() {
	if e := c.r.entry(c.fd); e != nil && e.reader != nil {
		return
	}
	if err := c.r.AddReader(c); err != nil {
		logFailure("Error registering "+c.logstr+" for reading", failure.New(err))
	}
}

func (c *conn) stopReading() {
	if e := c.r.entry(c.fd); e != nil && e.reader != nil {
		c.r.RemoveReader(c)
	}
}

func (c *conn) startWriting() {
	if e := c.r.entry(c.fd); e != nil && e.writer != nil {
		return
	}
	if c.closed {
		return
	}
	if err := c.r.setInterest(c, nil, c, false, true, !c.connecting); err != nil {
		logFailure("Error registering "+c.logstr+" for writing", failure.New(err))
	}
}

func (c *conn) stopWriting() {
	if e := c.r.entry(c.fd); e != nil && e.writer != nil {
		c.r.RemoveWriter(c)
	}
}

// DoRead reads once (at most 64 KiB) and hands the bytes to the protocol. EOF is a clean
// close (ConnectionDone); a read error is ConnectionLost.
func (c *conn) DoRead() error {
	if c.connecting {
		return c.doConnect()
	}
	if c.aborting || c.closed {
		return nil
	}
	buf := c.r.readBuf
	n, err := unix.Read(c.fd, buf)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return nil
		}
		return &ConnectionLost{Err: err}
	}
	if n <= 0 {
		return &ConnectionDone{}
	}
	c.protocol.DataReceived(buf[:n:n])
	return nil
}

// DoWrite sends up to 128 KiB of buffered data with one write or writev. When the buffer
// drains it stops watching for writability and then, in this order: resumes a pull producer
// or a paused push producer; or finishes a LoseConnection (ConnectionDone); or finishes a
// LoseWriteConnection (shutdown(SHUT_WR) and the protocol's WriteConnectionLost).
func (c *conn) DoWrite() error {
	if c.connecting {
		return c.doConnect()
	}
	if c.aborting || c.closed {
		return nil
	}
	if c.wbuf.size > 0 {
		bufs := c.wbuf.pending(c.r.iov[:0])
		var n int
		var err error
		if len(bufs) == 1 {
			n, err = unix.Write(c.fd, bufs[0])
		} else {
			n, err = writev(c.fd, bufs)
		}
		clear(bufs)
		if err != nil {
			if err != unix.EAGAIN && err != unix.ENOBUFS && err != unix.EINTR {
				return &ConnectionLost{Err: err}
			}
			n = 0
		}
		if n > 0 {
			c.wbuf.consume(&c.r.blocks, n)
		}
	}
	if c.wbuf.size == 0 {
		c.stopWriting()
		switch {
		case c.producer != nil && (!c.streaming || c.producerPaused):
			c.producerPaused = false
			c.producer.ResumeProducing()
		case c.disconnecting:
			return &ConnectionDone{}
		case c.writeDisconnecting:
			c.writeDisconnected = true
			c.closeWriteConnection()
		}
	}
	return nil
}

func (c *conn) closeWriteConnection() {
	unix.Shutdown(c.fd, unix.SHUT_WR)
	if c.hc == nil {
		return
	}
	if f := c.protect(c.hc.WriteConnectionLost); f != nil {
		c.ConnectionLost(f)
	}
}

// protect calls a protocol hook; a panic is logged and returned as a Failure.
func (c *conn) protect(f func()) (pf *failure.Failure) {
	defer func() {
		if p := recover(); p != nil {
			pf = failure.FromPanic(p, 0)
			logFailure("Unhandled Error", pf)
		}
	}()
	f()
	return nil
}

// ReadConnectionLost is called by the reactor when the peer shut its write side down
// cleanly: a HalfCloseableProtocol hears ReadConnectionLost and the connection stays open
// for writing; any other protocol loses the connection with ConnectionDone.
func (c *conn) ReadConnectionLost(reason *failure.Failure) {
	if c.hc == nil {
		c.ConnectionLost(reason)
		return
	}
	if f := c.protect(c.hc.ReadConnectionLost); f != nil {
		c.ConnectionLost(f)
	}
}

// WriteConnectionLost loses the connection (abstract.FileDescriptor.writeConnectionLost).
func (c *conn) WriteConnectionLost(reason *failure.Failure) { c.ConnectionLost(reason) }

// Write buffers data; the reactor sends it on a later iteration. It is ignored when the
// connection is not connected or its write side was shut down.
func (c *conn) Write(data []byte) {
	if !c.connected || c.writeDisconnected || len(data) == 0 {
		return
	}
	c.wbuf.write(&c.r.blocks, data)
	c.maybePauseProducer()
	c.startWriting()
}

// WriteSequence buffers each element of data in order.
func (c *conn) WriteSequence(data [][]byte) {
	if !c.connected || c.writeDisconnected || len(data) == 0 {
		return
	}
	for _, d := range data {
		c.wbuf.write(&c.r.blocks, d)
	}
	c.maybePauseProducer()
	c.startWriting()
}

func (c *conn) maybePauseProducer() {
	if c.producer != nil && c.streaming && c.wbuf.size > c.bufferLimit() {
		c.producerPaused = true
		c.pushProducer.PauseProducing()
	}
}

func (c *conn) bufferLimit() int {
	if c.highWater > 0 {
		return c.highWater
	}
	return bufferSize
}

// LoseConnection closes the connection after the buffered data has been sent. Writes made
// after it but before the close are still sent. With a pull producer, or a paused push
// producer, registered, the connection stays open until the producer is unregistered.
func (c *conn) LoseConnection() {
	if !c.connected || c.disconnecting {
		return
	}
	if c.writeDisconnected {
		c.stopReading()
		c.stopWriting()
		c.ConnectionLost(failure.New(&ConnectionDone{}))
		return
	}
	c.stopReading()
	c.startWriting()
	c.disconnecting = true
}

// LoseWriteConnection shuts the write side down once the buffer has drained.
func (c *conn) LoseWriteConnection() {
	if c.closed || c.writeDisconnected {
		return
	}
	c.writeDisconnecting = true
	c.startWriting()
}

// AbortConnection closes the connection at once with a reset, dropping buffered data. The
// protocol's ConnectionLost follows on the next timer pass with *ConnectionAborted.
func (c *conn) AbortConnection() {
	if c.disconnected || c.aborting || c.closed {
		return
	}
	c.aborting = true
	c.stopReading()
	c.stopWriting()
	c.r.CallLater(0, func() { c.ConnectionLost(failure.New(&ConnectionAborted{})) })
}

// ConnectionLost tears the connection down once: it stops the producer, unregisters the
// socket, closes it (with a reset after AbortConnection), then tells the protocol and, for
// clients, the connector (Protocol.ConnectionLost before ClientConnectionLost).
func (c *conn) ConnectionLost(reason *failure.Failure) {
	if c.closed {
		return
	}
	if c.connecting || (c.connector != nil && !c.connected && !c.disconnected) {
		// A hang-up while connecting: the socket's pending error says why (kqueue reports
		// a refused connect as EOF on the write filter).
		var err error = &ConnectError{Msg: reason.Error()}
		if soerr, e := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR); e == nil && soerr != 0 {
			err = connectError(unix.Errno(soerr))
		}
		c.failIfNotConnected(err)
		return
	}
	c.disconnected = true
	c.connected = false
	if p := c.producer; p != nil {
		c.producer, c.pushProducer = nil, nil
		c.protect(p.StopProducing)
	}
	c.r.removeDescriptor(c)
	var aborted *ConnectionAborted
	c.closeSocket(!errors.As(reason, &aborted))
	c.wbuf.reset(&c.r.blocks)
	proto := c.protocol
	c.protect(func() { proto.ConnectionLost(reason) })
	if c.connector != nil {
		c.connector.connectionLost(reason)
	}
}

// closeSocket closes the socket: shutdown(SHUT_RDWR) then close for an orderly close, or
// SO_LINGER {1, 0} then close to send a reset.
func (c *conn) closeSocket(orderly bool) {
	if c.closed {
		return
	}
	if c.host == nil {
		c.host = localAddr(c.fd)
	}
	if c.peer == nil {
		c.peer = peerAddr(c.fd)
	}
	if orderly {
		unix.Shutdown(c.fd, unix.SHUT_RDWR)
	} else {
		unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	}
	unix.Close(c.fd)
	c.closed = true
}

// GetTCPNoDelay reports TCP_NODELAY (off by default, as in Twisted).
func (c *conn) GetTCPNoDelay() bool {
	v, err := unix.GetsockoptInt(c.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY)
	return err == nil && v != 0
}

// SetTCPNoDelay sets TCP_NODELAY.
func (c *conn) SetTCPNoDelay(enabled bool) error {
	return unix.SetsockoptInt(c.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, b2i(enabled))
}

// GetTCPKeepAlive reports SO_KEEPALIVE.
func (c *conn) GetTCPKeepAlive() bool {
	v, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	return err == nil && v != 0
}

// SetTCPKeepAlive sets SO_KEEPALIVE.
func (c *conn) SetTCPKeepAlive(enabled bool) error {
	return unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, b2i(enabled))
}

// RegisterProducer attaches a producer (see Consumer).
func (c *conn) RegisterProducer(p PullProducer, streaming bool) error {
	if c.producer != nil {
		return fmt.Errorf("Cannot register producer %v, because producer %v was never unregistered.", p, c.producer)
	}
	var push PushProducer
	if streaming {
		var ok bool
		if push, ok = p.(PushProducer); !ok {
			return fmt.Errorf("streaming producer %T has no PauseProducing method", p)
		}
	}
	if c.disconnected || c.closed {
		p.StopProducing()
		return nil
	}
	c.producer, c.pushProducer, c.streaming = p, push, streaming
	if !streaming {
		p.ResumeProducing()
	}
	return nil
}

// UnregisterProducer detaches the producer; a pending LoseConnection then proceeds.
func (c *conn) UnregisterProducer() {
	c.producer, c.pushProducer = nil, nil
	if c.connected && c.disconnecting {
		c.startWriting()
	}
}

// PauseProducing stops reading from the socket (the transport as a push producer, used by
// proxies for back-pressure).
func (c *conn) PauseProducing() { c.stopReading() }

// ResumeProducing starts reading again, unless the connection is closing.
func (c *conn) ResumeProducing() {
	if c.connected && !c.disconnecting {
		c.startReading()
	}
}

// StopProducing loses the connection.
func (c *conn) StopProducing() { c.LoseConnection() }

// makeConnection starts reading and connects the protocol; a panic in ConnectionMade is
// logged and loses this connection only.
func (c *conn) makeConnection() {
	c.startReading()
	if f := c.protect(func() { MakeConnection(c.protocol, c) }); f != nil {
		c.ConnectionLost(f)
	}
}

func protocolName(p any) string {
	s := fmt.Sprintf("%T", p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' || s[i] == '*' {
			return s[i+1:]
		}
	}
	return s
}
