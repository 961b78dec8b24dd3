package failure

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Failure is an error together with the stack where it entered the Deferred system.
//
// Value is never nil. Failure implements error: Error returns Value's message and Unwrap
// returns Value, so errors.Is, errors.As and fmt.Errorf("%w") see through a Failure the way
// Go programmers expect. A Failure is not safe for concurrent mutation; like the Deferred
// that carries it, it belongs to the reactor goroutine (formatting a Failure that nobody
// mutates is safe anywhere).
type Failure struct {
	// Value is the error this Failure explains: the error returned by a callback, passed
	// to Errback, or a *PanicError for a recovered panic.
	Value error
	// Count is a process-wide serial number, like Twisted's Failure.count.
	Count uint64

	// stackPCs are the frames above the catch point, oldest first; framePCs run from the
	// catch point down to where the error was raised, innermost last (Twisted's stack and
	// frames). They are resolved only when formatted.
	stackPCs, framePCs []uintptr
	cleaned            bool
}

// Frame is one resolved stack frame of a Failure.
type Frame struct {
	Function string // package path-qualified function name, as runtime.Frame.Function
	File     string
	Line     int
}

var (
	serial    atomic.Uint64
	debugging atomic.Bool
)

// Stack depths captured for a Failure: shallow by default because runtime.Callers costs
// several times the Deferred machinery itself (about 0.5 µs for 16 frames), deep when
// debugging is on.
const (
	shallowDepth = 16
	deepDepth    = 128
)

// SetDebugging switches deep stack capture on or off for Failures created from now on.
// deferred.SetDebugging calls it; Twisted's analogue is captureVars in Deferred debug mode.
func SetDebugging(on bool) { debugging.Store(on) }

// Debugging reports whether deep stack capture is on.
func Debugging() bool { return debugging.Load() }

func depth() int {
	if debugging.Load() {
		return deepDepth
	}
	return shallowDepth
}

// New returns a Failure for err, capturing the caller's stack.
//
// A *Failure is returned as is, never wrapped again (an error that merely contains a
// Failure deeper in its chain does get a new Failure, as in Twisted). A nil err (or a nil
// *Failure) gives a Failure whose Value is a *NoCurrentExceptionError, so the mistake is
// visible rather than a nil Value.
func New(err error) *Failure { return NewSkip(err, 1) }

// NewSkip is New with skip extra frames left out of the captured stack: 0 means the caller
// of NewSkip. Helpers that build Failures on behalf of their caller use it.
func NewSkip(err error, skip int) *Failure {
	if f, ok := err.(*Failure); ok && f != nil {
		return f
	}
	if err == nil || isNilFailure(err) {
		err = &NoCurrentExceptionError{}
	}
	f := &Failure{Value: err, Count: serial.Add(1)}
	pcs := make([]uintptr, depth())
	n := runtime.Callers(skip+2, pcs)
	// Oldest first, so the entry point is the innermost (last) frame.
	pcs = pcs[:n]
	for i, j := 0, len(pcs)-1; i < j; i, j = i+1, j-1 {
		pcs[i], pcs[j] = pcs[j], pcs[i]
	}
	f.framePCs = pcs
	return f
}

func isNilFailure(err error) bool {
	f, ok := err.(*Failure)
	return ok && f == nil
}

// NoCurrentExceptionError is the Value of a Failure built from a nil error. Twisted raises
// NoCurrentExceptionError when Failure() is built outside an except block; in Go the
// analogous mistake is passing nil to New or Deferred.Errback.
type NoCurrentExceptionError struct{}

func (*NoCurrentExceptionError) Error() string {
	return "failure: a Failure was built from a nil error (NoCurrentExceptionError)"
}

// PanicError is the Value of a Failure made from a recovered panic: the Go analogue of an
// exception raised inside a callback. Unwrap returns the panic value when it is an error,
// so Check, Trap, errors.Is and errors.As see a panicked *MyError (or runtime.Error).
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack holds the program counters from the panic site outward (innermost first, as
	// runtime.Callers returns them); runtime.CallersFrames resolves them.
	Stack []uintptr
}

func (e *PanicError) Error() string {
	if err, ok := e.Value.(error); ok {
		return "panic: " + safeError(err)
	}
	return "panic: " + safeSprint(e.Value)
}

// Unwrap returns the panic value if it is an error, else nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// FromPanic builds a Failure for a value recovered by recover(). It must be called from the
// deferred function that called recover (skip counts further frames between them, 0 when
// FromPanic is called directly by that function). The function that deferred it is the
// "catch point": the frames from there down to the panic site become the Failure's frames
// and the frames above it its stack, as in a Twisted traceback.
//
// A recovered *Failure is returned unchanged (see MustTrap); any other value becomes a
// *PanicError.
func FromPanic(r any, skip int) *Failure {
	if f, ok := r.(*Failure); ok && f != nil {
		return f
	}
	pcs := make([]uintptr, depth()+32)
	n := runtime.Callers(skip+2, pcs) // pcs[0] is the deferred function
	pcs = pcs[:n]
	pe := &PanicError{Value: r}
	f := &Failure{Value: pe, Count: serial.Add(1)}
	if n == 0 {
		return f
	}
	catchers := catchFunctions(funcName(pcs[0]))
	// The panic site is the first frame after the deferred function that is not inside
	// the runtime (runtime.gopanic, and helpers such as panicmem or sigpanic); the catch
	// point is the first frame, walking outward, of a function that may have deferred it
	// (the nearest enclosing function is met before the outer ones).
	panicAt, catchAt := -1, -1
	for k := 1; k < len(pcs); k++ {
		name := funcName(pcs[k])
		if panicAt < 0 {
			if strings.HasPrefix(name, "runtime.") {
				continue
			}
			panicAt = k
		}
		if slices.Contains(catchers, name) {
			catchAt = k
			break
		}
	}
	if panicAt < 0 {
		return f
	}
	var below, above []uintptr
	if catchAt >= 0 {
		below = append(below, pcs[panicAt:catchAt+1]...)
		above = append(above, pcs[catchAt+1:]...)
	} else {
		below = append(below, pcs[panicAt:]...)
	}
	pe.Stack = append([]uintptr(nil), pcs[panicAt:]...)
	reverse(below)
	reverse(above)
	f.framePCs, f.stackPCs = below, above
	return f
}

func reverse(p []uintptr) {
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
}

// catchFunctions returns the functions that may have deferred the closure fn, innermost
// first: "pkg.(*T).run.func1.2" -> "pkg.(*T).run.func1", "pkg.(*T).run". The closure's
// own enclosing function is the usual answer; the outer ones cover a closure that the
// compiler inlined into its caller, so that no frame bears the enclosing closure's name.
// It returns nil if fn is not a closure.
func catchFunctions(fn string) []string {
	var out []string
	for {
		i := strings.LastIndex(fn, ".")
		if i < 0 {
			return out
		}
		tail := fn[i+1:]
		if !(strings.HasPrefix(tail, "func") || strings.HasPrefix(tail, "deferwrap") || isDigits(tail)) {
			return out
		}
		fn = fn[:i]
		out = append(out, fn)
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Error returns Value's message: Error never includes the traceback (see Traceback).
func (f *Failure) Error() string { return f.ErrorMessage() }

// Unwrap returns Value, so errors.Is and errors.As look through a Failure.
func (f *Failure) Unwrap() error { return f.Value }

// ErrorMessage returns Value's message, like Twisted's getErrorMessage. It never panics: a
// broken Error method yields a placeholder naming the panic instead.
func (f *Failure) ErrorMessage() string {
	if f == nil || f.Value == nil {
		return "<nil Failure>"
	}
	return safeError(f.Value)
}

// String is Twisted's str(failure): "[Failure instance: <brief traceback>]".
func (f *Failure) String() string {
	return "[Failure instance: " + f.Traceback(Brief) + "]"
}

// GoString is Twisted's repr: <failure.Failure *pkg.Type: message>.
func (f *Failure) GoString() string {
	return fmt.Sprintf("<failure.Failure %s: %s>", TypeName(f.Value), f.ErrorMessage())
}

// Format implements fmt.Formatter: %s and %v print the message, %+v the full Twisted-style
// traceback, %#v the repr and %q the quoted message.
func (f *Failure) Format(s fmt.State, verb rune) {
	switch {
	case verb == 'v' && s.Flag('+'):
		fmt.Fprint(s, f.Traceback())
	case verb == 'v' && s.Flag('#'):
		fmt.Fprint(s, f.GoString())
	case verb == 'q':
		fmt.Fprintf(s, "%q", f.ErrorMessage())
	default:
		fmt.Fprint(s, f.ErrorMessage())
	}
}

// Check returns the first target that matches the Failure, or nil: Twisted's
// failure.check. A target matches if errors.Is(f.Value, target) holds, or, for a type
// token made by Type, if errors.As finds an error of that type (an interface type
// matches every error that implements it, which is how Twisted's base classes are
// expressed; see the package documentation).
func (f *Failure) Check(targets ...error) error {
	if f == nil {
		return nil
	}
	for _, t := range targets {
		if t == nil {
			continue
		}
		if tok, ok := t.(typeToken); ok {
			if tok.matches(f.Value) {
				return t
			}
			continue
		}
		if errors.Is(f.Value, t) {
			return t
		}
	}
	return nil
}

// Trap is Twisted's failure.trap for Go: it returns nil when one of targets matches (see
// Check), and the Failure itself otherwise, so an errback reads
//
//	if err := f.Trap(deferred.ErrCancelled); err != nil {
//		return nil, err // not ours: the same Failure continues down the chain
//	}
//
// Returning the same *Failure keeps its identity, as Twisted's re-raise keeps the value.
func (f *Failure) Trap(targets ...error) error {
	if f.Check(targets...) != nil {
		return nil
	}
	return f
}

// MustTrap is Trap that panics with the Failure itself when nothing matches. Inside a
// Deferred callback the panic is recovered and the very same *Failure continues down the
// chain, which is exactly Twisted's trap-and-re-raise. It returns the matching target.
func (f *Failure) MustTrap(targets ...error) error {
	if t := f.Check(targets...); t != nil {
		return t
	}
	panic(f)
}

// As finds the first error in f's chain of type E, like errors.As.
func As[E error](err error) (E, bool) {
	var e E
	if err == nil {
		return e, false
	}
	ok := errors.As(err, &e)
	return e, ok
}

type typeToken interface {
	error
	matches(error) bool
}

// token is the type token for E: a zero-size value, so tokens for the same type compare
// equal and Check can return them.
type token[E error] struct{}

func (token[E]) Error() string {
	return "failure.Type[" + reflect.TypeFor[E]().String() + "]"
}

func (token[E]) matches(err error) bool {
	var e E
	return errors.As(err, &e)
}

// Type returns a type token for E, for use with Check and Trap where Twisted lists classes:
//
//	f.Trap(failure.Type[*net.OpError](), deferred.ErrCancelled)
//
// E may be an interface (a "marker interface" standing for a Twisted base class); then every
// error implementing it matches. Tokens for the same E compare equal.
func Type[E error]() error { return token[E]{} }

// Clean marks the Failure as cleaned, like Twisted's cleanFailure, which the Deferred
// machinery applies to every Failure that remains a Deferred's result at the end of a
// chain pass. Twisted drops live frames there so that failures do not pin memory; a Go
// Failure holds only program counters, which pin nothing, so there is nothing to drop and
// Clean stays cheap: frames are resolved when a traceback is formatted. Cleaned Failures
// say "(pickled)" in the Verbose header, as Twisted's do.
func (f *Failure) Clean() {
	// Only the first Clean writes: a Failure reported on the runtime's cleanup goroutine
	// may meanwhile be cleaned again by another Deferred that carries it.
	if f != nil && !f.cleaned {
		f.cleaned = true
	}
}

// Cleaned reports whether Clean has run (Twisted's "pickled" flag).
func (f *Failure) Cleaned() bool { return f.cleaned }

// Frames returns the frames from the catch point down to where the error was raised,
// innermost last (Twisted's Failure.frames). For a returned or errbacked error this is the
// stack where the error entered the Deferred system; for a panic, the frames from the
// function that recovered it down to the panic site.
func (f *Failure) Frames() []Frame { return resolve(f.framePCs) }

// Stack returns the frames above the catch point, oldest first (Twisted's Failure.stack).
// It is empty except for recovered panics.
func (f *Failure) Stack() []Frame { return resolve(f.stackPCs) }

// resolve turns oldest-first program counters into oldest-first Frames, expanding the
// calls the compiler inlined at each PC.
func resolve(pcs []uintptr) []Frame {
	if len(pcs) == 0 {
		return nil
	}
	out := make([]Frame, 0, len(pcs))
	var group []Frame
	for _, pc := range pcs {
		// One PC at a time: the slices are no longer in runtime.Callers order.
		group = group[:0]
		fs := runtime.CallersFrames([]uintptr{pc})
		for {
			fm, more := fs.Next()
			if fm.Function != "" || fm.File != "" {
				group = append(group, Frame{Function: fm.Function, File: fm.File, Line: fm.Line})
			}
			if !more {
				break
			}
		}
		for k := len(group) - 1; k >= 0; k-- { // innermost first within a PC
			out = append(out, group[k])
		}
	}
	return out
}

// funcName is the name of the (innermost, if inlined) function at return address pc.
func funcName(pc uintptr) string {
	fn := runtime.FuncForPC(pc - 1)
	if fn == nil {
		return ""
	}
	return fn.Name()
}

// TypeName is the type name a traceback prints for err (Twisted's reflect.qual of the
// exception class): the %T of err, e.g. "*errors.errorString" or "*deferred.CancelledError".
func TypeName(err any) string {
	if err == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T", err)
}

func safeError(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<Error() of %T panicked: %s>", err, safeSprint(r))
		}
	}()
	return err.Error()
}

func safeSprint(v any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<%T: formatting panicked>", v)
		}
	}()
	return fmt.Sprint(v)
}

// sourceLines caches the lines of source files shown in tracebacks.
var sourceLines struct {
	sync.Mutex
	files map[string][]string
}
