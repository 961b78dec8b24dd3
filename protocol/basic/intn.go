package basic

import (
	"encoding/binary"
	"fmt"

	"github.com/gotwisted/twisted/protocol"
)

// LengthLimitExceededHandler overrides what an Int*StringReceiver does when a length prefix
// is larger than MaxLength. The default, as in Twisted, is to lose the connection. Either
// way the oversized string is never delivered, and parsing stops.
type LengthLimitExceededHandler interface {
	LengthLimitExceeded(length int)
}

// StringTooLongError is returned by SendString when a string cannot be described by the
// receiver's length prefix (2^(8·prefix) bytes or more). MaxLength does not limit sending.
type StringTooLongError struct {
	Length, Max int
}

func (e *StringTooLongError) Error() string {
	return fmt.Sprintf("Try to send %d bytes whereas maximum is %d", e.Length, e.Max)
}

// IntNStringReceiver is the machinery shared by Int32StringReceiver, Int16StringReceiver
// and Int8StringReceiver (Twisted's IntNStringReceiver). Use one of those; their Handler
// and MaxLength fields live here.
type IntNStringReceiver struct {
	protocol.Protocol

	// Handler receives the strings.
	Handler StringHandler
	// MaxLength is the longest string accepted; 0 means DefaultStringMaxLength.
	MaxLength int

	unprocessed []byte
	paused      bool
}

func (r *IntNStringReceiver) dataReceived(data []byte, prefixLength int) {
	r.unprocessed = append(r.unprocessed, data...)
	maxLength := r.MaxLength
	if maxLength <= 0 {
		maxLength = DefaultStringMaxLength
	}
	all := r.unprocessed
	offset := 0
	for len(all)-offset >= prefixLength && !r.paused {
		start := offset + prefixLength
		length := decodePrefix(all[offset:start])
		if length > uint64(maxLength) {
			r.unprocessed = all[offset:]
			if h, ok := r.Handler.(LengthLimitExceededHandler); ok {
				h.LengthLimitExceeded(int(length))
			} else {
				loseConnection(r.Transport)
			}
			return
		}
		end := start + int(length)
		if len(all) < end {
			break
		}
		packet := all[start:end:end]
		offset = end
		// Record progress before calling out: the handler may call DataReceived or
		// ResumeProducing re-entrantly.
		r.unprocessed = all[offset:]
		if r.Handler == nil {
			panic(errNoHandler("Int*StringReceiver"))
		}
		r.Handler.StringReceived(packet)
		all = r.unprocessed
		offset = 0
	}
	r.unprocessed = all[offset:]
}

func decodePrefix(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	default:
		return uint64(binary.BigEndian.Uint32(b))
	}
}

func (r *IntNStringReceiver) sendString(s []byte, prefixLength int) error {
	limit := 1 << (8 * prefixLength)
	if len(s) >= limit {
		return &StringTooLongError{Length: len(s), Max: limit}
	}
	buf := make([]byte, prefixLength, prefixLength+len(s))
	switch prefixLength {
	case 1:
		buf[0] = byte(len(s))
	case 2:
		binary.BigEndian.PutUint16(buf, uint16(len(s)))
	default:
		binary.BigEndian.PutUint32(buf, uint32(len(s)))
	}
	r.Transport.Write(append(buf, s...))
	return nil
}

// Paused reports whether delivery is paused.
func (r *IntNStringReceiver) Paused() bool { return r.paused }

// PauseProducing stops delivering strings and pauses the transport.
func (r *IntNStringReceiver) PauseProducing() {
	r.paused = true
	pauseTransport(r.Transport)
}

// StopProducing stops delivery for good and stops the transport.
func (r *IntNStringReceiver) StopProducing() {
	r.paused = true
	stopTransport(r.Transport)
}

// Int32StringReceiver is Twisted's Int32StringReceiver: each string is prefixed with its
// length as a 4-byte big-endian unsigned integer. Embed it and set Handler as for
// NetstringReceiver:
//
//	type Frames struct {
//		basic.Int32StringReceiver
//	}
//
//	func NewFrames() *Frames {
//		f := &Frames{}
//		f.Handler = f
//		return f
//	}
//
//	func (f *Frames) StringReceived(s []byte) { _ = f.SendString(s) }
//
// A prefix above MaxLength (default 99999) calls LengthLimitExceeded (by default the
// connection is lost) and the string is never delivered, even if it is complete.
type Int32StringReceiver struct{ IntNStringReceiver }

// DataReceived parses length-prefixed strings out of the stream.
func (r *Int32StringReceiver) DataReceived(data []byte) { r.dataReceived(data, 4) }

// SendString writes s with its 4-byte length prefix.
func (r *Int32StringReceiver) SendString(s []byte) error { return r.sendString(s, 4) }

// ResumeProducing resumes the transport and delivers any buffered strings at once.
func (r *Int32StringReceiver) ResumeProducing() {
	r.paused = false
	resumeTransport(r.Transport)
	r.DataReceived(nil)
}

// Int16StringReceiver is Twisted's Int16StringReceiver: a 2-byte big-endian length prefix.
// See Int32StringReceiver.
type Int16StringReceiver struct{ IntNStringReceiver }

// DataReceived parses length-prefixed strings out of the stream.
func (r *Int16StringReceiver) DataReceived(data []byte) { r.dataReceived(data, 2) }

// SendString writes s with its 2-byte length prefix; strings of 65536 bytes or more give a
// *StringTooLongError.
func (r *Int16StringReceiver) SendString(s []byte) error { return r.sendString(s, 2) }

// ResumeProducing resumes the transport and delivers any buffered strings at once.
func (r *Int16StringReceiver) ResumeProducing() {
	r.paused = false
	resumeTransport(r.Transport)
	r.DataReceived(nil)
}

// Int8StringReceiver is Twisted's Int8StringReceiver: a 1-byte length prefix. See
// Int32StringReceiver.
type Int8StringReceiver struct{ IntNStringReceiver }

// DataReceived parses length-prefixed strings out of the stream.
func (r *Int8StringReceiver) DataReceived(data []byte) { r.dataReceived(data, 1) }

// SendString writes s with its 1-byte length prefix; strings of 256 bytes or more give a
// *StringTooLongError.
func (r *Int8StringReceiver) SendString(s []byte) error { return r.sendString(s, 1) }

// ResumeProducing resumes the transport and delivers any buffered strings at once.
func (r *Int8StringReceiver) ResumeProducing() {
	r.paused = false
	resumeTransport(r.Transport)
	r.DataReceived(nil)
}
