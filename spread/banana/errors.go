package banana

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error this package returns wraps exactly one of them, so callers
// test with errors.Is; errors.As with *Error gives Twisted's own message text.
var (
	// ErrPrefixTooLong: a token carried more than the prefix limit (64 bytes by default) of
	// base-128 prefix. Decoding only.
	ErrPrefixTooLong = errors.New("banana: prefix too long")
	// ErrListTooLong: a list longer than the size limit (655360 elements by default), on
	// receipt (checked as soon as the LIST type byte arrives) or on sending.
	ErrListTooLong = errors.New("banana: list too long")
	// ErrStringTooLong: a byte string longer than the size limit (655360 bytes by default),
	// on receipt (checked before any payload is buffered) or on sending.
	ErrStringTooLong = errors.New("banana: string too long")
	// ErrIntTooLarge: an integer outside ±(2**448-1), which the 64-byte prefix cannot carry.
	ErrIntTooLarge = errors.New("banana: int too large")
	// ErrUnsupportedType: the encoder was handed something banana cannot send (a Go string,
	// a map, a struct...). Banana has lists, integers, floats and byte strings only.
	ErrUnsupportedType = errors.New("banana: unsupported type")
	// ErrInvalidTypeByte: a type byte 0x88..0xff (Twisted raises NotImplementedError).
	ErrInvalidTypeByte = errors.New("banana: invalid type byte")
	// ErrUnknownVocab: a VOCAB token whose index is not in the vocabulary (Twisted raises
	// KeyError).
	ErrUnknownVocab = errors.New("banana: unknown vocabulary index")
	// ErrVocabNotAllowed: a VOCAB token received while the dialect is not "pb" (before
	// negotiation finished, or in dialect "none").
	ErrVocabNotAllowed = errors.New("banana: vocabulary token outside the pb dialect")
	// ErrTooDeep: the encoder met lists nested deeper than MaxEncodeDepth.
	ErrTooDeep = errors.New("banana: expression nested too deeply")
	// ErrIncomplete: Decode was given bytes that hold no complete expression.
	ErrIncomplete = errors.New("banana: incomplete expression")
	// ErrNoDialect: dialect negotiation failed (the client knows none of the offered
	// dialects, or the server received a choice it did not offer). Twisted closes the
	// connection gracefully in this case (loseConnection: pending output is flushed),
	// where every other decoding error aborts it.
	ErrNoDialect = errors.New("banana: no common dialect")
	// ErrBadDialectOffer: the client's first expression was neither a list nor a byte
	// string, which makes Twisted raise inside dataReceived and abort the connection.
	ErrBadDialectOffer = errors.New("banana: malformed dialect offer")
)

// Error is the concrete type of every error this package returns. Kind is one of the
// sentinel errors above and Msg is the text Twisted uses for the same condition.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return "banana: " + e.Msg }

// Unwrap returns Kind, so errors.Is(err, banana.ErrStringTooLong) works.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// Preallocated decoding errors: hostile input must not cost an allocation per attempt.
var (
	errListTooLong     = newError(ErrListTooLong, "Security precaution: List too long.")
	errStringTooLong   = newError(ErrStringTooLong, "Security precaution: String too long.")
	errVocabNotAllowed = newError(ErrVocabNotAllowed, "Invalid item for pb protocol")
)

func errPrefixComplete(limit int) error {
	return newError(ErrPrefixTooLong, "Security precaution: longer than "+strconv.Itoa(limit)+" bytes worth of prefix")
}

func errPrefixPending(limit int) error {
	return newError(ErrPrefixTooLong, "Security precaution: more than "+strconv.Itoa(limit)+" bytes of prefix")
}

// IsGracefulClose reports whether Twisted would close the connection gracefully
// (transport.loseConnection) on err rather than abort it: true only for a failed dialect
// negotiation. Every other error returned by Conn.Feed means "abort the connection now,
// discarding buffered output", as Twisted's reactor does when dataReceived raises.
func IsGracefulClose(err error) bool { return errors.Is(err, ErrNoDialect) }
