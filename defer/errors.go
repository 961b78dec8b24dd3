package deferred

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/twisted/failure"
)

// AlreadyCalledError is the panic value of a second Callback or Errback on a Deferred
// (TryCallback and TryErrback return it instead). In debug mode Info holds the stacks of
// the Deferred's creation (lines prefixed " C:") and of its first invoker (" I:").
type AlreadyCalledError struct {
	Info string
}

func (e *AlreadyCalledError) Error() string {
	if e.Info == "" {
		return "deferred: AlreadyCalledError: the Deferred was already called"
	}
	return "deferred: AlreadyCalledError: the Deferred was already called\n" + e.Info
}

func (d *Deferred) alreadyCalled() *AlreadyCalledError {
	if !debugging.Load() {
		return &AlreadyCalledError{}
	}
	return &AlreadyCalledError{Info: d.debugHolder().debugTracebacks()}
}

// CancelledError is the failure of a Deferred cancelled by Cancel. Every *CancelledError
// matches every other in errors.Is, so ErrCancelled works as a Check/Trap target.
type CancelledError struct {
	// Message is optional detail; Cancel leaves it empty.
	Message string
}

func (e *CancelledError) Error() string {
	if e.Message == "" {
		return "deferred: CancelledError"
	}
	return "deferred: CancelledError: " + e.Message
}

// Is makes any *CancelledError match any other.
func (e *CancelledError) Is(target error) bool {
	_, ok := target.(*CancelledError)
	return ok
}

// ErrCancelled is a Check/Trap target matching every *CancelledError:
// f.Trap(deferred.ErrCancelled) is Twisted's f.trap(CancelledError).
var ErrCancelled error = &CancelledError{}

// TimeoutError is the failure of a Deferred that timed out (Twisted's defer.TimeoutError).
// AddTimeout sets Timeout; trial uses Message ("... still running at N secs"). Every
// *TimeoutError matches every other in errors.Is, so ErrTimeout works as a target.
type TimeoutError struct {
	Timeout time.Duration
	Message string
}

func (e *TimeoutError) Error() string {
	if e.Message != "" {
		return "deferred: TimeoutError: " + e.Message
	}
	return fmt.Sprintf("deferred: TimeoutError: Deferred timed out after %v", e.Timeout)
}

// Is makes any *TimeoutError match any other.
func (e *TimeoutError) Is(target error) bool {
	_, ok := target.(*TimeoutError)
	return ok
}

// ErrTimeout is a Check/Trap target matching every *TimeoutError.
var ErrTimeout error = &TimeoutError{}

// DeferredArgumentError is the panic value of Callback called with a *Deferred: a Deferred
// is never a result (Twisted asserts); return it from a callback to chain instead.
type DeferredArgumentError struct {
	Deferred *Deferred
}

func (e *DeferredArgumentError) Error() string {
	return "deferred: Callback called with a *Deferred; return it from a callback to chain, or use ChainDeferred"
}

// CircularChainError is the failure of a Deferred one of whose callbacks returned that
// same Deferred. Twisted warns and the chain stalls for ever; the port fails clearly.
type CircularChainError struct{}

func (*CircularChainError) Error() string {
	return "deferred: a callback returned the Deferred it was attached to; this breaks the callback chain"
}

// TypeError is the failure produced when a value does not have the type a typed helper
// (Then, Await) expects, or when a required function is missing.
type TypeError struct {
	Msg string
}

func (e *TypeError) Error() string { return "deferred: TypeError: " + e.Msg }

// FirstError is the failure of a DeferredList with FireOnOneErrback, and of Gather: the
// first failure among the inputs and its index.
//
// FirstError deliberately has no Unwrap method: as in Twisted, a gathered failure does not
// match the sub-failure's type (f.Check(ErrX) is nil); trap FirstError and look at
// SubFailure.
type FirstError struct {
	SubFailure *failure.Failure
	Index      int
}

// Error is Twisted's str: FirstError[#i, <str of failure>], with the Failure's message.
func (e *FirstError) Error() string {
	return fmt.Sprintf("FirstError[#%d, %s]", e.Index, e.SubFailure.ErrorMessage())
}

// GoString is Twisted's repr: FirstError[#i, <repr of value>].
func (e *FirstError) GoString() string {
	var v string
	if e.SubFailure != nil {
		v = fmt.Sprintf("%T(%q)", e.SubFailure.Value, e.SubFailure.ErrorMessage())
	}
	return fmt.Sprintf("FirstError[#%d, %s]", e.Index, v)
}

// Is reports equality as Twisted's FirstError.__eq__ does: same index and same
// sub-failure. (It is not unwrapping: errors.Is(fe, io.EOF) stays false.)
func (e *FirstError) Is(target error) bool {
	t, ok := target.(*FirstError)
	return ok && t.Index == e.Index && t.SubFailure == e.SubFailure
}

// Equal reports whether two FirstErrors have the same index and sub-failure.
func (e *FirstError) Equal(other *FirstError) bool {
	return other != nil && e.Index == other.Index && e.SubFailure == other.SubFailure
}

// QueueOverflow is returned by Queue.Put when the queue is full.
type QueueOverflow struct{}

func (*QueueOverflow) Error() string { return "deferred: QueueOverflow" }

// QueueUnderflow is returned by Queue.Get when the backlog of waiting getters is full.
type QueueUnderflow struct{}

func (*QueueUnderflow) Error() string { return "deferred: QueueUnderflow" }

// debugTracebacks renders creator/invoker stacks like Twisted's DebugInfo.
func (h *holder) debugTracebacks() string {
	var b strings.Builder
	if h.creator != nil {
		b.WriteString(" C: Deferred was created:\n C:")
		b.WriteString(strings.ReplaceAll(strings.TrimRight(formatStack(h.creator), "\n"), "\n", "\n C:"))
		b.WriteString("\n")
	}
	if h.invoker != nil {
		b.WriteString(" I: First Invoker was:\n I:")
		b.WriteString(strings.ReplaceAll(strings.TrimRight(formatStack(h.invoker), "\n"), "\n", "\n I:"))
		b.WriteString("\n")
	}
	return b.String()
}

// formatStack renders program counters (innermost first, as runtime.Callers returns them)
// oldest first, like Python's traceback.format_stack.
func formatStack(pcs []uintptr) string {
	var b strings.Builder
	var frames []runtime.Frame
	fs := runtime.CallersFrames(pcs)
	for {
		f, more := fs.Next()
		frames = append(frames, f)
		if !more {
			break
		}
	}
	for i := len(frames) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "  File \"%s\", line %d, in %s\n", frames[i].File, frames[i].Line, frames[i].Function)
	}
	return b.String()
}

// RemoteType, RemoteValue: the Twisted class each error stands for and the exception's
// value as Python prints it, so Perspective Broker sends these errors the way Twisted does
// and a Python peer can trap them by class.

// RemoteType is "twisted.internet.defer.CancelledError".
func (e *CancelledError) RemoteType() string { return "twisted.internet.defer.CancelledError" }

// RemoteValue is the message (empty for a plain cancellation, as str(CancelledError())).
func (e *CancelledError) RemoteValue() string { return e.Message }

// RemoteType is "twisted.internet.defer.TimeoutError".
func (e *TimeoutError) RemoteType() string { return "twisted.internet.defer.TimeoutError" }

// RemoteValue is the message, or Python's str(TimeoutError(timeout, "Deferred")).
func (e *TimeoutError) RemoteValue() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("(%s, 'Deferred')", pySeconds(e.Timeout))
}

// pySeconds prints a duration in seconds as Python's repr of an int or float would.
func pySeconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprint(int64(d / time.Second))
	}
	return strconv.FormatFloat(d.Seconds(), 'g', -1, 64)
}

// RemoteType is "twisted.internet.defer.AlreadyCalledError".
func (e *AlreadyCalledError) RemoteType() string { return "twisted.internet.defer.AlreadyCalledError" }

// RemoteValue is the debug information, empty without debug mode (as in Twisted).
func (e *AlreadyCalledError) RemoteValue() string { return e.Info }

// RemoteType is "twisted.internet.defer.FirstError".
func (e *FirstError) RemoteType() string { return "twisted.internet.defer.FirstError" }

// RemoteValue is Error.
func (e *FirstError) RemoteValue() string { return e.Error() }

// RemoteType is "twisted.internet.defer.QueueOverflow".
func (*QueueOverflow) RemoteType() string { return "twisted.internet.defer.QueueOverflow" }

// RemoteValue is empty, as str(QueueOverflow()).
func (*QueueOverflow) RemoteValue() string { return "" }

// RemoteType is "twisted.internet.defer.QueueUnderflow".
func (*QueueUnderflow) RemoteType() string { return "twisted.internet.defer.QueueUnderflow" }

// RemoteValue is empty, as str(QueueUnderflow()).
func (*QueueUnderflow) RemoteValue() string { return "" }
