package pb

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/gotwisted/twisted/spread/jelly"
)

// Python class names that PB errors carry on the wire, and the base classes Twisted lists
// in a CopyableFailure's "parents" (the exception's MRO).
const (
	pyError              = "twisted.spread.pb.Error"
	pyNoSuchMethod       = "twisted.spread.flavors.NoSuchMethod"
	pyProtocolError      = "twisted.spread.pb.ProtocolError"
	pyDeadReferenceError = "twisted.spread.pb.DeadReferenceError"
	pyPBConnectionLost   = "twisted.spread.pb.PBConnectionLost"
	pyInsecureJelly      = "twisted.spread.jelly.InsecureJelly"
	pyCopyableFailure    = "twisted.spread.pb.CopyableFailure"
	pyException          = "builtins.Exception"
	pyAttributeError     = "builtins.AttributeError"
	pyTypeError          = "builtins.TypeError"
	pyKeyError           = "builtins.KeyError"
	pyValueError         = "builtins.ValueError"
)

// exceptionBases ends every parents list, as it ends every Python exception's MRO.
var exceptionBases = []string{pyException, "builtins.BaseException", "builtins.object"}

// Error is Twisted's pb.Error, the class of errors a remote method returns on purpose.
// The caller receives such an error as a failure whose type is "twisted.spread.pb.Error"
// (or the name of the "subclass"), and, unlike any other error, the server does not log
// it with "Peer will receive PB traceback".
//
// Return one with NewError, or "subclass" it by embedding ErrorBase; the new type keeps
// both properties and travels under its own name (see RemoteTyped):
//
//	type MyError struct{ pb.ErrorBase }
//
//	func (r *Root) RemoteDoIt() error { return MyError{pb.NewError("not today")} }
//
// A type token for Error traps every such error, local or from the peer:
//
//	f.Trap(failure.Type[pb.Error]())
type Error interface {
	error
	pbError()
}

// ErrorBase is the concrete pb.Error: what NewError returns, and what an error type embeds
// to be a pb.Error. (A Go struct cannot embed a type named Error and still have an Error
// method, hence the name.)
type ErrorBase struct {
	Message string
}

// NewError returns a pb.Error with the given message, like pb.Error(message).
func NewError(message string) ErrorBase { return ErrorBase{Message: message} }

func (e ErrorBase) Error() string { return e.Message }

func (ErrorBase) pbError() {}

// RemoteTyped is implemented by errors that name the Python class they travel as. Without
// it, an error travels under its Go type name (package name, ".", type name; a type in
// package main gets "__main__.", as a class defined in a Python script does).
type RemoteTyped interface {
	RemoteType() string
}

// RemoteParented is implemented by errors that list their Python base classes (most
// derived first, without builtins.Exception and what follows, which PB adds). Without it,
// a pb.Error lists twisted.spread.pb.Error and any other error lists nothing more.
type RemoteParented interface {
	RemoteParents() []string
}

// NoSuchMethod is Twisted's flavors.NoSuchMethod: the object has no method of the name the
// caller used. It is not a pb.Error, so the server logs it, as Twisted does.
type NoSuchMethod struct {
	Message string
}

func (e *NoSuchMethod) Error() string { return e.Message }

// ProtocolError is Twisted's pb.ProtocolError: the peer broke the protocol (a bad version,
// a malformed or unknown message). The connection is dropped.
type ProtocolError struct {
	Message string
}

func (e *ProtocolError) Error() string { return e.Message }

func (*ProtocolError) protocolError() {}

// DeadReferenceError is Twisted's pb.DeadReferenceError: a call through a RemoteReference
// whose connection is gone ("Calling Stale Broker"), or that was released. Twisted raises
// it from callRemote; in Go, CallRemote returns a Deferred that has already failed with it.
type DeadReferenceError struct {
	ProtocolError
}

// PBConnectionLost is Twisted's pb.PBConnectionLost: the connection was lost while the
// call waited for its answer. Reason is the connection-lost reason.
type PBConnectionLost struct {
	Reason error
}

func (e *PBConnectionLost) Error() string {
	if e.Reason == nil {
		return "connection lost"
	}
	return e.Reason.Error()
}

// Unwrap returns the reason, so a trap on the reactor's connection errors sees it too.
func (e *PBConnectionLost) Unwrap() error { return e.Reason }

// ArgumentError is returned to a caller whose arguments do not fit the remote method:
// wrong count, a type that does not convert, an unknown keyword. It travels as Python's
// TypeError, what a Python server raises in the same case.
type ArgumentError struct {
	Method  string // the Go method, e.g. "(*main.Root).RemoteAdd"
	Message string
}

func (e *ArgumentError) Error() string { return e.Method + ": " + e.Message }

// AttributeError is Python's AttributeError, which Twisted raises for a missing view_,
// observe_ or perspective_ method.
type AttributeError struct {
	Message string
}

func (e *AttributeError) Error() string { return e.Message }

// KeyError is Python's KeyError, which Twisted raises for an unknown cache id in a
// cachemessage; Key is the key's text.
type KeyError struct {
	Key string
}

func (e *KeyError) Error() string { return e.Key }

// builtinNames gives this package's errors their Twisted class names and bases. A map on
// exact types, not RemoteType methods: a method would be promoted into every type that
// embeds Error, and "subclasses" must travel under their own names.
var builtinNames = map[reflect.Type]struct {
	name    string
	parents []string
}{
	reflect.TypeFor[ErrorBase]():           {pyError, nil},
	reflect.TypeFor[*ErrorBase]():          {pyError, nil},
	reflect.TypeFor[*NoSuchMethod]():       {pyNoSuchMethod, []string{pyAttributeError}},
	reflect.TypeFor[*ProtocolError]():      {pyProtocolError, nil},
	reflect.TypeFor[*DeadReferenceError](): {pyDeadReferenceError, []string{pyProtocolError}},
	reflect.TypeFor[*PBConnectionLost]():   {pyPBConnectionLost, nil},
	reflect.TypeFor[*ArgumentError]():      {pyTypeError, nil},
	reflect.TypeFor[*KeyError]():           {pyKeyError, nil},
	reflect.TypeFor[*AttributeError]():     {pyAttributeError, nil},
}

// jellyNames gives jelly's errors the classes Twisted raises in the same cases.
var jellyNames = map[error]struct {
	name    string
	parents []string
}{
	jelly.InsecureJelly:         {pyInsecureJelly, nil},
	jelly.ErrInvalidUnicode:     {"builtins.UnicodeDecodeError", []string{"builtins.UnicodeError", pyValueError}},
	jelly.ErrUnhashable:         {pyTypeError, nil},
	jelly.ErrCannotConvert:      {pyTypeError, nil},
	jelly.ErrMalformed:          {pyValueError, nil},
	jelly.ErrUndefinedReference: {pyValueError, nil},
	jelly.ErrDuplicateReference: {"builtins.AssertionError", nil},
	jelly.ErrTooDeep:            {"builtins.RecursionError", []string{"builtins.RuntimeError"}},
	jelly.ErrUnsupportedType:    {pyTypeError, nil},
	jelly.ErrNotJellyable:       {pyTypeError, nil},
}

// remoteTypeOf returns the Python class name err travels under.
func remoteTypeOf(err error) string {
	if b, ok := builtinNames[reflect.TypeOf(err)]; ok {
		return b.name
	}
	if je, ok := err.(*jelly.Error); ok {
		if n, ok := jellyNames[je.Kind]; ok {
			return n.name
		}
	}
	if t, ok := err.(RemoteTyped); ok {
		return t.RemoteType()
	}
	return goTypeName(reflect.TypeOf(err))
}

// goTypeName gives a Go type's wire name: "pkg.Type" for a named type (pointers are looked
// through), "__main__.Type" in package main.
func goTypeName(t reflect.Type) string {
	if t == nil {
		return "builtins.NoneType"
	}
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	s := t.String()
	if strings.HasPrefix(s, "main.") {
		return "__main__." + s[len("main."):]
	}
	return s
}

// remoteParentsOf returns the parents list a CopyableFailure for err carries: its own
// name, its declared bases, pb.Error for a pb.Error, then Python's exception bases.
func remoteParentsOf(err error) []string {
	if c, ok := err.(*CopiedFailure); ok && len(c.Parents) > 0 {
		return c.Parents
	}
	out := []string{remoteTypeOf(err)}
	if b, ok := builtinNames[reflect.TypeOf(err)]; ok {
		out = append(out, b.parents...)
	} else if je, ok := err.(*jelly.Error); ok {
		out = append(out, jellyNames[je.Kind].parents...)
	} else if p, ok := err.(RemoteParented); ok {
		out = append(out, p.RemoteParents()...)
	}
	if _, ok := err.(Error); ok && !slices.Contains(out, pyError) {
		out = append(out, pyError)
	}
	for _, b := range exceptionBases {
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// CopiedFailure is an error that happened in the peer: Twisted's CopiedFailure, the
// receiving side of a CopyableFailure. A failed CallRemote's Deferred errbacks with a
// *failure.Failure whose Value is a *CopiedFailure (unless the peer sent an error that
// travels by copy, which then arrives as itself).
//
// Trap and Check match it by remote class name, including base classes, as Python's
// CopiedFailure.check does through its parents list:
//
//	f.Trap(pb.RemoteType("twisted.spread.pb.Error"))  // by name
//	f.Trap(failure.Type[pb.Error]())                 // any pb.Error subclass
//	f.Trap(failure.Type[*MyError]())                 // by the Go type's wire name
//
// In the last case errors.As fills in a *MyError whose embedded ErrorBase carries the
// message, so the errback can read it.
type CopiedFailure struct {
	// Type is the remote class name ("twisted.spread.pb.Error", "builtins.ValueError").
	// Python receives it as bytes.
	Type string
	// Value is str() of the remote exception.
	Value string
	// Traceback is the remote traceback: "Traceback unavailable\n" unless the peer's
	// factory has unsafe tracebacks on.
	Traceback string
	// Parents are the class names the remote exception is an instance of, most derived
	// first (its MRO).
	Parents []string
	// Pickled is set when the remote failure went through a Deferred before being sent
	// (Twisted's "pickled" key).
	Pickled bool
	// Count is the remote process's failure counter; it means nothing here.
	Count int64
}

// Error returns the remote exception's message, like Python's getErrorMessage.
func (c *CopiedFailure) Error() string { return c.Value }

// String gives Twisted's printTraceback line: "Traceback from remote host -- T: V".
func (c *CopiedFailure) String() string {
	return "Traceback from remote host -- " + c.Type + ": " + c.Value
}

// RemoteType implements RemoteTyped: forwarding a CopiedFailure keeps its type.
func (c *CopiedFailure) RemoteType() string { return c.Type }

// RemoteParents implements RemoteParented: forwarding a CopiedFailure keeps its parents.
func (c *CopiedFailure) RemoteParents() []string { return c.Parents }

// IsA reports whether the remote exception is an instance of the Python class name.
func (c *CopiedFailure) IsA(name string) bool {
	return c.Type == name || slices.Contains(c.Parents, name)
}

// Is matches a RemoteType name, or an error value of a Go type whose wire name the remote
// exception is an instance of (so errors.Is(f, pb.ErrorBase{}) asks "is it a pb.Error?").
func (c *CopiedFailure) Is(target error) bool {
	switch t := target.(type) {
	case RemoteType:
		return c.IsA(string(t))
	case *CopiedFailure:
		return c == t
	}
	if n, ok := jellyNames[target]; ok {
		// jelly's sentinels stand for Twisted's classes: errors.Is(f, jelly.InsecureJelly)
		// matches a remote twisted.spread.jelly.InsecureJelly.
		return c.IsA(n.name)
	}
	return c.IsA(remoteTypeOf(target))
}

// As fills in a target whose Go type's wire name the remote exception is an instance of:
// a pointer to a concrete error type gets a new value carrying the message (in an
// embedded ErrorBase's, NoSuchMethod's or ProtocolError's Message, or a Message string
// field); a pointer to Error gets an ErrorBase when the remote class is a pb.Error.
func (c *CopiedFailure) As(target any) bool {
	pv := reflect.ValueOf(target)
	if pv.Kind() != reflect.Pointer || pv.IsNil() {
		return false
	}
	want := pv.Elem().Type()
	if want.Kind() == reflect.Interface {
		if want == reflect.TypeFor[Error]() && c.IsA(pyError) {
			pv.Elem().Set(reflect.ValueOf(ErrorBase{Message: c.Value}))
			return true
		}
		return false
	}
	v := reflect.New(want).Elem()
	if want.Kind() == reflect.Pointer {
		if want.Elem().Kind() != reflect.Struct {
			return false
		}
		v = reflect.New(want.Elem())
	}
	err, ok := v.Interface().(error)
	if !ok || !c.IsA(remoteTypeOf(err)) {
		return false
	}
	setMessage(v, c.Value)
	pv.Elem().Set(v)
	return true
}

// setMessage stores msg in the first string field named Message found in v's struct,
// looking through embedded structs (ErrorBase, NoSuchMethod, ProtocolError).
func setMessage(v reflect.Value, msg string) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	if f := v.FieldByName("Message"); f.IsValid() && f.Kind() == reflect.String && f.CanSet() {
		f.SetString(msg)
	}
}

// RemoteType is a Check/Trap target that matches a remote failure by Python class name,
// its own or one of its bases:
//
//	if err := f.Trap(pb.RemoteType("builtins.ValueError")); err != nil { ... }
type RemoteType string

func (r RemoteType) Error() string { return "pb.RemoteType(" + string(r) + ")" }

// errorFor is fmt.Errorf for the broker's internal complaints about the peer.
func protocolErrorf(format string, args ...any) *ProtocolError {
	return &ProtocolError{Message: fmt.Sprintf(format, args...)}
}

// asError turns any value into an error, as Failure needs.
func asError(v any) error {
	if err, ok := v.(error); ok {
		return err
	}
	return errors.New(fmt.Sprint(v))
}
