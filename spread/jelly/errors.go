package jelly

import "errors"

// Sentinel errors; every error this package returns wraps one of them (test with
// errors.Is), and errors.As with *Error gives the message.
var (
	// InsecureJelly is Twisted's InsecureJelly: the s-expression names a type tag, module
	// or class the SecurityOptions do not allow, or a class nobody registered.
	InsecureJelly = errors.New("jelly: InsecureJelly")
	// ErrMalformed: a node that does not have the shape its tag requires (an empty list
	// used as a node, a tag that is not a byte string, a boolean other than true/false,
	// an unparsable datetime...). Twisted raises IndexError, AttributeError,
	// AssertionError or ValueError for these.
	ErrMalformed = errors.New("jelly: malformed s-expression")
	// ErrInvalidUnicode: a ['unicode', ...] payload that is not valid UTF-8 (Twisted:
	// UnicodeDecodeError).
	ErrInvalidUnicode = errors.New("jelly: invalid UTF-8 in unicode")
	// ErrUnhashable: a list, dict or set used as a dictionary key or set element
	// (Twisted: TypeError).
	ErrUnhashable = errors.New("jelly: unhashable type")
	// ErrUndefinedReference: a ['dereference', id] whose id no ['reference', id, ...]
	// ever defined. (Twisted leaves an opaque _Dereference object in the result; a Go
	// program is better served by an error.)
	ErrUndefinedReference = errors.New("jelly: dereference to an undefined id")
	// ErrDuplicateReference: two ['reference', id, ...] nodes with the same id (Twisted:
	// AssertionError "Multiple references with same ID!").
	ErrDuplicateReference = errors.New("jelly: multiple references with the same id")
	// ErrTooDeep: nesting beyond MaxDepth while jellying or unjellying.
	ErrTooDeep = errors.New("jelly: nested too deeply")
	// ErrUnsupportedType: a Go value jelly has no mapping for (give the type a
	// JellyClassName, or implement Jellyable).
	ErrUnsupportedType = errors.New("jelly: unsupported type")
	// ErrNotJellyable: a value Twisted cannot send either (a timezone-aware datetime,
	// a non-finite Decimal).
	ErrNotJellyable = errors.New("jelly: value cannot be jellied")
	// ErrCannotConvert: Convert could not fit an unjellied value into a Go type.
	ErrCannotConvert = errors.New("jelly: cannot convert")
	// ErrHookPanic: a Jellyable, StateGetter, registered UnjellyFunc, factory or state
	// setter panicked. The panic is recovered, so a hook that trusts its input too much
	// turns hostile bytes into an error for the connection, not a crashed process.
	ErrHookPanic = errors.New("jelly: hook panicked")
)

// Error is the concrete type of the errors this package returns: Kind is one of the
// sentinels above, Msg says what happened, in Twisted's words where Twisted has some.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string {
	if e.Kind == InsecureJelly {
		return "jelly: InsecureJelly: " + e.Msg
	}
	return e.Kind.Error() + ": " + e.Msg
}

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, msg string) error { return &Error{Kind: kind, Msg: msg} }
