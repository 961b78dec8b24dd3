package basic

import (
	"bytes"

	"github.com/gotwisted/twisted/protocol"
)

// Defaults shared with Twisted's protocols.basic.
const (
	// DefaultLineMaxLength is LineReceiver.MAX_LENGTH: the longest line accepted before
	// LineLengthExceeded is called.
	DefaultLineMaxLength = 16384
	// DefaultStringMaxLength is the MAX_LENGTH of NetstringReceiver and the
	// Int*StringReceivers: the longest string accepted.
	DefaultStringMaxLength = 99999
)

// DefaultDelimiter is LineReceiver.delimiter: lines end with CR LF unless a receiver sets
// its own Delimiter.
var DefaultDelimiter = []byte("\r\n")

// LineHandler is the user's side of a LineReceiver or LineOnlyReceiver: the protocol that
// embeds the receiver implements it and installs itself as the receiver's Handler.
//
// The line passed to LineReceived has its delimiter removed. It is the handler's to keep:
// the receiver never writes over bytes it has handed out.
type LineHandler interface {
	LineReceived(line []byte)
}

// RawDataHandler is implemented by a LineReceiver's handler that uses raw mode
// (SetRawMode). Without it, raw data is dropped and the connection is lost, the Go
// analogue of Twisted's NotImplementedError.
type RawDataHandler interface {
	RawDataReceived(data []byte)
}

// LineLengthExceededHandler overrides what a LineReceiver or LineOnlyReceiver does when a
// line is longer than MaxLength. The default, as in Twisted, is to lose the connection.
//
// For LineReceiver, data holds everything buffered from the start of the overlong line to
// the end of the buffer (it may hold further lines); the buffer is empty afterwards, so a
// handler that wants to carry on can feed part of data back with SetLineMode.
type LineLengthExceededHandler interface {
	LineLengthExceeded(data []byte)
}

// LineReceiver is Twisted's LineReceiver: it splits the byte stream into lines and
// delivers each to its Handler's LineReceived, or, in raw mode, delivers the bytes as they
// come to RawDataReceived.
//
// Embed it in a protocol and point Handler back at that protocol (Go has no late binding,
// so the receiver cannot find the outer type's methods by itself):
//
//	type Chat struct {
//		basic.LineReceiver
//	}
//
//	func NewChat() *Chat {
//		c := &Chat{}
//		c.Handler = c
//		return c
//	}
//
//	func (c *Chat) LineReceived(line []byte) { c.SendLine(line) }
//
// Lines longer than MaxLength (default 16384) are not delivered: LineLengthExceeded is
// called instead, which by default loses the connection. Delivery stops as soon as the
// transport is disconnecting, so a handler that calls LoseConnection sees no more lines.
//
// LineReceiver is also a push producer (PauseProducing, ResumeProducing, StopProducing):
// pausing stops delivery and pauses the transport; resuming delivers buffered lines at once.
type LineReceiver struct {
	protocol.Protocol

	// Handler receives the lines; see LineHandler, RawDataHandler and
	// LineLengthExceededHandler. It must be set before data arrives.
	Handler LineHandler
	// Delimiter ends each line; nil means DefaultDelimiter (CR LF).
	Delimiter []byte
	// MaxLength is the longest line accepted; 0 means DefaultLineMaxLength.
	MaxLength int

	buffer  []byte
	lastRaw []byte // the data last given to RawDataReceived
	rawMode bool
	busy    bool
	paused  bool
}

func (r *LineReceiver) delimiter() []byte {
	if len(r.Delimiter) == 0 {
		return DefaultDelimiter
	}
	return r.Delimiter
}

func (r *LineReceiver) maxLength() int {
	if r.MaxLength <= 0 {
		return DefaultLineMaxLength
	}
	return r.MaxLength
}

// Paused reports whether delivery is paused (see PauseProducing).
func (r *LineReceiver) Paused() bool { return r.paused }

// RawMode reports whether the receiver is in raw mode.
func (r *LineReceiver) RawMode() bool { return r.rawMode }

// ClearLineBuffer empties the buffer and returns what it held. It may be called from
// LineReceived to take the rest of the buffered data.
func (r *LineReceiver) ClearLineBuffer() []byte {
	b := r.buffer
	r.buffer = nil
	return b
}

// DataReceived buffers data and delivers every complete line (or, in raw mode, the
// buffered bytes) to the Handler. Calls made from inside a handler only add to the
// buffer; the outer call delivers them, so mode switches do not recurse.
func (r *LineReceiver) DataReceived(data []byte) {
	if len(r.buffer) == 0 && isSuffix(data, r.lastRaw) {
		// SetLineMode(rest) with the unconsumed tail of the raw data we handed out: take
		// it back without copying, so that flipping modes per line stays linear.
		r.buffer = data
	} else {
		// Appending never writes over bytes already handed to the handler: they lie
		// before len(r.buffer), and append only writes at or after it.
		r.buffer = append(r.buffer, data...)
	}
	if r.busy {
		return
	}
	r.busy = true
	defer func() { r.busy = false }()
	delim := r.delimiter()
	for len(r.buffer) > 0 && !r.paused {
		if r.rawMode {
			data := r.buffer[:len(r.buffer):len(r.buffer)]
			r.buffer = nil
			r.lastRaw = data
			r.rawDataReceived(data)
			r.lastRaw = nil
			continue
		}
		i := bytes.Index(r.buffer, delim)
		if i < 0 {
			// A partial line of MaxLength plus part of a delimiter is tolerated (the sum is not
			// formed: MaxLength may be math.MaxInt).
			if len(r.buffer)-len(delim) >= r.maxLength() {
				line := r.buffer[:len(r.buffer):len(r.buffer)]
				r.buffer = nil
				r.lineLengthExceeded(line)
			}
			return
		}
		if i > r.maxLength() {
			// Everything from the start of the long line to the end of the buffer.
			exceeded := r.buffer[:len(r.buffer):len(r.buffer)]
			r.buffer = nil
			r.lineLengthExceeded(exceeded)
			return
		}
		line := r.buffer[:i:i]
		r.buffer = r.buffer[i+len(delim):]
		r.lineReceived(line)
		if disconnecting(r.Transport) {
			return
		}
	}
}

// isSuffix reports whether a is a suffix of b in memory (the same bytes, not a copy).
func isSuffix(a, b []byte) bool {
	return len(a) > 0 && len(a) <= len(b) && &a[len(a)-1] == &b[len(b)-1]
}

func (r *LineReceiver) lineReceived(line []byte) {
	if r.Handler == nil {
		panic(errNoHandler("LineReceiver"))
	}
	r.Handler.LineReceived(line)
}

func (r *LineReceiver) rawDataReceived(data []byte) {
	if h, ok := r.Handler.(RawDataHandler); ok {
		h.RawDataReceived(data)
		return
	}
	// Twisted raises NotImplementedError from rawDataReceived, which loses the connection.
	logNotImplemented(r.Handler, "RawDataReceived")
	loseConnection(r.Transport)
}

func (r *LineReceiver) lineLengthExceeded(data []byte) {
	if h, ok := r.Handler.(LineLengthExceededHandler); ok {
		h.LineLengthExceeded(data)
		return
	}
	loseConnection(r.Transport)
}

// SetLineMode switches back to line mode. extra, if not empty, is parsed for lines as if
// it had just been received: a RawDataReceived that consumed only part of its data passes
// the rest here. Do not pass extra from inside LineReceived.
func (r *LineReceiver) SetLineMode(extra []byte) {
	r.rawMode = false
	if len(extra) > 0 {
		r.DataReceived(extra)
	}
}

// SetRawMode switches to raw mode: further data goes to the handler's RawDataReceived
// until SetLineMode is called. Switching inside LineReceived applies to the rest of the
// buffer.
func (r *LineReceiver) SetRawMode() { r.rawMode = true }

// SendLine writes line followed by the delimiter.
func (r *LineReceiver) SendLine(line []byte) {
	delim := r.delimiter()
	buf := make([]byte, 0, len(line)+len(delim))
	buf = append(append(buf, line...), delim...)
	r.Transport.Write(buf)
}

// PauseProducing stops delivering lines and pauses the transport (if it is a producer).
func (r *LineReceiver) PauseProducing() {
	r.paused = true
	pauseTransport(r.Transport)
}

// ResumeProducing resumes the transport and delivers any buffered lines at once.
func (r *LineReceiver) ResumeProducing() {
	r.paused = false
	resumeTransport(r.Transport)
	r.DataReceived(nil)
}

// StopProducing stops delivery for good and stops the transport.
func (r *LineReceiver) StopProducing() {
	r.paused = true
	stopTransport(r.Transport)
}

// LineOnlyReceiver is Twisted's LineOnlyReceiver: a simpler, faster LineReceiver without
// raw mode or pausing. Embed it and set Handler as for LineReceiver.
//
// A complete line longer than MaxLength, or an unterminated remainder longer than
// MaxLength, goes to LineLengthExceeded (by default the connection is lost) and parsing
// stops.
type LineOnlyReceiver struct {
	protocol.Protocol

	// Handler receives the lines.
	Handler LineHandler
	// Delimiter ends each line; nil means DefaultDelimiter (CR LF).
	Delimiter []byte
	// MaxLength is the longest line accepted; 0 means DefaultLineMaxLength.
	MaxLength int

	buffer []byte
}

// DataReceived splits the buffered bytes into lines and delivers them.
func (r *LineOnlyReceiver) DataReceived(data []byte) {
	delim := r.Delimiter
	if len(delim) == 0 {
		delim = DefaultDelimiter
	}
	maxLength := r.MaxLength
	if maxLength <= 0 {
		maxLength = DefaultLineMaxLength
	}
	r.buffer = append(r.buffer, data...)
	for {
		i := bytes.Index(r.buffer, delim)
		if i < 0 {
			break
		}
		line := r.buffer[:i:i]
		r.buffer = r.buffer[i+len(delim):]
		// Twisted splits the whole buffer first, so on either early return the complete
		// lines after this one are dropped; only the unfinished tail stays buffered.
		if disconnecting(r.Transport) {
			r.buffer = partialTail(r.buffer, delim)
			return
		}
		if len(line) > maxLength {
			r.buffer = partialTail(r.buffer, delim)
			r.lineLengthExceeded(line)
			return
		}
		if r.Handler == nil {
			panic(errNoHandler("LineOnlyReceiver"))
		}
		r.Handler.LineReceived(line)
	}
	if len(r.buffer) > maxLength {
		rest := r.buffer[:len(r.buffer):len(r.buffer)]
		r.lineLengthExceeded(rest)
	}
}

// partialTail returns what follows the last complete line of b (split left to right, as
// Python's bytes.split does, which matters for delimiters that overlap themselves).
func partialTail(b, delim []byte) []byte {
	for {
		i := bytes.Index(b, delim)
		if i < 0 {
			return b
		}
		b = b[i+len(delim):]
	}
}

func (r *LineOnlyReceiver) lineLengthExceeded(line []byte) {
	if h, ok := r.Handler.(LineLengthExceededHandler); ok {
		h.LineLengthExceeded(line)
		return
	}
	loseConnection(r.Transport)
}

// SendLine writes line followed by the delimiter with one WriteSequence.
func (r *LineOnlyReceiver) SendLine(line []byte) {
	delim := r.Delimiter
	if len(delim) == 0 {
		delim = DefaultDelimiter
	}
	r.Transport.WriteSequence([][]byte{line, delim})
}
