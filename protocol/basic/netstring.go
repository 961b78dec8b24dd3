package basic

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gotwisted/twisted/protocol"
)

// StringHandler is the user's side of a NetstringReceiver or an Int*StringReceiver: it
// gets each complete string with its framing removed. The string is the handler's to keep.
type StringHandler interface {
	StringReceived(s []byte)
}

// NetstringParseError is why a NetstringReceiver gave up on its peer: the incoming bytes
// are not a valid netstring (Twisted's NetstringParseError, a ValueError). The receiver
// loses the connection and keeps the error in Err.
type NetstringParseError struct {
	Reason string
}

func (e *NetstringParseError) Error() string { return e.Reason }

// The reasons Twisted gives.
const (
	netstringMissingLength = "The received netstring does not start with a length specification."
	netstringTooLong       = "The received netstring is longer than the maximum %d specified by MaxLength"
	netstringMissingComma  = "The received netstring is not terminated by a comma."
)

// NetstringReceiver is Twisted's NetstringReceiver: it receives and sends netstrings
// (http://cr.yp.to/proto/netstrings.txt), "<decimal length>:<payload>,".
//
// Embed it in a protocol and set Handler to that protocol:
//
//	type Store struct {
//		basic.NetstringReceiver
//	}
//
//	func NewStore() *Store {
//		s := &Store{}
//		s.Handler = s
//		return s
//	}
//
//	func (s *Store) StringReceived(b []byte) { s.SendString(b) }
//
// Security, as in Twisted: a length above MaxLength (default 99999) is refused before the
// payload is read, a length prefix with more digits than MaxLength can have is refused
// before it is converted, and any malformed input loses the connection. After that,
// BrokenPeer is true and Err says what was wrong.
type NetstringReceiver struct {
	protocol.Protocol

	// Handler receives the strings.
	Handler StringHandler
	// MaxLength is the longest payload accepted; 0 means DefaultStringMaxLength.
	MaxLength int
	// BrokenPeer is set when the peer sent something that is not a netstring.
	BrokenPeer bool
	// Err is the parse error that set BrokenPeer.
	Err error

	remaining     []byte
	parsingLength bool // false: parsing the length (the zero value is the start state)
	payload       []byte
	expected      int // payload size plus one for the comma
}

func (r *NetstringReceiver) maxLength() int {
	if r.MaxLength <= 0 {
		return DefaultStringMaxLength
	}
	return min(r.MaxLength, math.MaxInt-1) // the payload and its comma must fit an int
}

// SendString writes s as a netstring.
func (r *NetstringReceiver) SendString(s []byte) {
	buf := make([]byte, 0, len(s)+12)
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	buf = append(buf, s...)
	buf = append(buf, ',')
	r.Transport.Write(buf)
}

// errIncomplete is returned internally when more bytes are needed.
var errIncomplete = fmt.Errorf("incomplete netstring")

// DataReceived parses netstrings out of the stream and delivers each complete one.
func (r *NetstringReceiver) DataReceived(data []byte) {
	if r.BrokenPeer {
		return
	}
	r.remaining = append(r.remaining, data...)
	for len(r.remaining) > 0 {
		err := r.consumeData()
		if err == errIncomplete {
			break
		}
		if err != nil {
			r.handleParseError(err)
			break
		}
	}
}

func (r *NetstringReceiver) consumeData() error {
	if !r.parsingLength {
		if err := r.consumeLength(); err != nil {
			return err
		}
		r.parsingLength = true // now parsing the payload
		r.payload = nil
	}
	return r.consumePayload()
}

// maxLengthSize is how many digits a valid length can have: ceil(log10(MaxLength)) + 1,
// computed exactly: the number of digits of MaxLength-1, plus one.
func (r *NetstringReceiver) maxLengthSize() int {
	n := r.maxLength() - 1
	digits := 0
	for ; n > 0; n /= 10 {
		digits++
	}
	return digits + 1
}

// consumeLength parses "<digits>:" at the start of remaining: the digits must match
// 0|[1-9][0-9]*. Without the colon yet, the digits so far are checked so that garbage
// and huge numbers are refused early.
func (r *NetstringReceiver) consumeLength() error {
	b := r.remaining
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
		if b[0] == '0' {
			break // "0" is the only length that may start with 0
		}
	}
	if n == 0 || (n < len(b) && b[n] != ':') {
		return &NetstringParseError{Reason: netstringMissingLength}
	}
	length, err := r.extractLength(b[:n])
	if err != nil {
		return err
	}
	if n == len(b) {
		return errIncomplete // digits so far are fine; wait for the colon
	}
	r.expected = length + 1
	r.remaining = b[n+1:]
	return nil
}

func (r *NetstringReceiver) extractLength(digits []byte) (int, error) {
	maxLength := r.maxLength()
	// More digits than MaxLength can have is refused before converting (Twisted guards
	// against huge integers the same way).
	if len(digits) > r.maxLengthSize() {
		return 0, r.tooLong()
	}
	// Checked digit by digit so that no length overflows int: with MaxLength near
	// math.MaxInt a 20-digit length would otherwise wrap (to a negative or a small size).
	length := 0
	for _, c := range digits {
		d := int(c - '0')
		if length > (maxLength-d)/10 {
			return 0, r.tooLong()
		}
		length = length*10 + d
	}
	return length, nil
}

func (r *NetstringReceiver) tooLong() error {
	return &NetstringParseError{Reason: fmt.Sprintf(netstringTooLong, r.maxLength())}
}

func (r *NetstringReceiver) consumePayload() error {
	need := r.expected - len(r.payload)
	if len(r.remaining) < need {
		// Keep our own copy: remaining's array is appended to by later reads.
		r.payload = append(r.payload, r.remaining...)
		r.remaining = nil
		return errIncomplete
	}
	var payload []byte
	if r.payload == nil {
		// The whole netstring is in remaining: hand out a slice of it. Later appends to
		// remaining write after its end, never over it.
		payload = r.remaining[:need:need]
	} else {
		payload = append(r.payload, r.remaining[:need]...)
	}
	r.remaining = r.remaining[need:]
	r.payload = nil
	if payload[len(payload)-1] != ',' {
		return &NetstringParseError{Reason: netstringMissingComma}
	}
	r.parsingLength = false
	s := payload[: len(payload)-1 : len(payload)-1]
	if r.Handler == nil {
		panic(errNoHandler("NetstringReceiver"))
	}
	r.Handler.StringReceived(s)
	return nil
}

func (r *NetstringReceiver) handleParseError(err error) {
	r.BrokenPeer = true
	r.Err = err
	r.remaining = nil
	loseConnection(r.Transport)
}
