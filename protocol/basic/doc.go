// Package basic is Twisted's twisted.protocols.basic: receivers that turn a byte stream into
// messages. LineReceiver splits lines (and switches to raw data when asked),
// LineOnlyReceiver is its faster line-only cousin, NetstringReceiver reads netstrings and
// Int32StringReceiver, Int16StringReceiver and Int8StringReceiver read length-prefixed
// strings.
//
// # Using a receiver
//
// A receiver is a protocol you embed. Go's embedding has no late binding, so the receiver
// cannot find your LineReceived by itself: set its Handler to your protocol, usually in a
// constructor.
//
//	type Chat struct {
//		basic.LineReceiver
//		name string
//	}
//
//	func NewChat() *Chat {
//		c := &Chat{}
//		c.Handler = c
//		return c
//	}
//
//	func (c *Chat) ConnectionMade() { c.SendLine([]byte("What's your name?")) }
//
//	func (c *Chat) LineReceived(line []byte) {
//		if c.name == "" {
//			c.name = string(line)
//			c.SendLine([]byte("Welcome, " + c.name + "!"))
//			return
//		}
//		c.SendLine(append([]byte("<"+c.name+"> "), line...))
//	}
//
//	f := protocol.ForProtocol(func() protocol.IProtocol { return NewChat() })
//	reactor.ListenTCP(8123, f)
//
// Optional hooks are found by type assertion on the Handler: RawDataReceived for raw mode,
// LineLengthExceeded, LengthLimitExceeded. The slices handed to the handler are its own to
// keep: receivers never write over bytes they have handed out.
//
// # Limits and bad input
//
// Every receiver bounds what it buffers, as Twisted's do: a line longer than MaxLength
// (16384 by default) goes to LineLengthExceeded, which by default loses the connection; a
// netstring or length prefix above MaxLength (99999) is refused before its body is read;
// a malformed netstring loses the connection and leaves the reason in Err. None of this
// panics. A receiver whose Handler was never set panics with a *NoHandlerError on the
// first message, which the reactor turns into a lost connection: that is a bug to fix,
// not input to survive.
//
// # Testing
//
// Receivers are easiest to test without sockets: connect one to a
// reactortest.StringTransport with protocol.MakeConnection, feed it with DataReceived and
// look at what it wrote with the transport's Value.
package basic
