package failure

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// Python-only rows of test_failure.py (Debian's ignore_test_failure.py), and what replaces
// them:
//   - test_printDetailedTracebackCapturedVars(+Cleaned), test_printBriefTracebackCapturedVars,
//     test_printTracebackCapturedVars: Go cannot capture locals; Verbose always carries
//     the "disabled" notice (TestPrintDetailedTraceback).
//   - test_stringExceptionConstruction: New takes an error; strings do not compile.
//   - test_ConstructionFails: no current exception in Go; New(nil) gives a
//     NoCurrentExceptionError Value (TestConstructionFromNil).
//   - test_getTracebackObject*, test_tracebackFromExceptionInPython3, test_distb,
//     FormattableTracebackTests, FakeAttributesTests: Python traceback objects; Frames and
//     Stack give resolved frames instead (TestFramesAndStack).
//   - test_RaiseExceptionWithTB, FindFailureTests: Go re-raises by returning (or panicking
//     with) the same *Failure, which keeps its frames (TestFailureValueFromFoundFailure).
//   - DebugModeTests: pdb post-mortem; SetDebugging only deepens stack capture.
//   - ExtendedGeneratorTests: generators; the Inline equivalents are in package deferred
//     (TestErrorToErrorTranslation, TestInlineHandledTerminalFailure).

// A small Twisted-like hierarchy with marker interfaces:
// RuntimeError <- NotImplementedError, and an unrelated SystemExit.
type RuntimeError interface {
	error
	runtimeError()
}

type runtimeErr struct{ msg string }

func (e *runtimeErr) Error() string { return e.msg }
func (*runtimeErr) runtimeError()   {}

type NotImplementedError struct{ runtimeErr } // "subclass" of RuntimeError by embedding

type SystemExit struct{}

func (*SystemExit) Error() string { return "exit" }

type ValueError struct{ msg string }

func (e *ValueError) Error() string { return e.msg }

// getDivisionFailure is test_failure.py's getDivisionFailure: a Failure from a recovered
// division by zero.
func getDivisionFailure() (f *Failure) {
	defer func() {
		f = FromPanic(recover(), 0)
	}()
	zero := 0
	_ = 1 / zero
	return nil
}

// Ports test_failure.py FailureTests.test_failAndTrap.
func TestFailAndTrap(t *testing.T) {
	f := New(&NotImplementedError{runtimeErr{"test"}})
	runtimeErrorToken := Type[RuntimeError]()
	if got := f.Check(Type[*SystemExit](), runtimeErrorToken); got != runtimeErrorToken {
		t.Fatalf("Check returned %v, want the RuntimeError token", got)
	}
	if err := f.Trap(Type[*SystemExit](), runtimeErrorToken); err != nil {
		t.Fatalf("Trap did not match: %v", err)
	}
	if _, ok := f.Value.(*NotImplementedError); !ok {
		t.Fatalf("the failure's type changed: %T", f.Value)
	}
}

// Ports test_failure.py FailureTests.test_trapRaisesWrappedException: an unmatched Trap
// hands back the Failure (whose Value is the original instance); MustTrap panics with it.
func TestTrapRaisesWrappedException(t *testing.T) {
	exception := &ValueError{}
	f := New(exception)
	err := f.Trap(Type[*SystemExit]())
	if err != error(f) || f.Value != error(exception) {
		t.Fatalf("Trap returned %v", err)
	}
	func() {
		defer func() {
			if r := recover(); r != f {
				t.Fatalf("MustTrap panicked with %v", r)
			}
		}()
		f.MustTrap(Type[*SystemExit]())
	}()
	if got := f.MustTrap(Type[*ValueError]()); got != Type[*ValueError]() {
		t.Fatal(got)
	}
}

// Ports test_failure.py FailureTests.test_ExplictPass.
func TestExplictPass(t *testing.T) {
	e := &runtimeErr{"test"}
	f := New(e)
	if err := f.Trap(Type[RuntimeError]()); err != nil {
		t.Fatal(err)
	}
	if f.Value != error(e) {
		t.Fatal("value changed")
	}
}

// Ports test_failure.py FailureTests.test_failureValueFromFailure: New never wraps a
// Failure again.
func TestFailureValueFromFailure(t *testing.T) {
	exception := &ValueError{}
	f1 := New(exception)
	f2 := New(f1)
	if f2 != f1 || f2.Value != error(exception) {
		t.Fatal("New wrapped a Failure")
	}
	// An error that merely contains a Failure gets a new Failure that still unwraps.
	f3 := New(fmt.Errorf("context: %w", f1))
	if f3 == f1 || !errors.Is(f3, exception) {
		t.Fatal("wrapping an error containing a Failure")
	}
}

// Ports test_failure.py FailureTests.test_failureValueFromFoundFailure: the "re-raise"
// of an unmatched trap, recovered by FromPanic, is the original Failure.
func TestFailureValueFromFoundFailure(t *testing.T) {
	exception := &ValueError{}
	f1 := New(exception)
	var f2 *Failure
	func() {
		defer func() { f2 = FromPanic(recover(), 0) }()
		f1.MustTrap(Type[*SystemExit]())
	}()
	if f2 != f1 || f2.Value != error(exception) {
		t.Fatal("the re-raised Failure was not found")
	}
}

// Ports test_failure.py FailureTests.test_printDetailedTraceback.
func TestPrintDetailedTraceback(t *testing.T) {
	for _, clean := range []bool{false, true} {
		f := getDivisionFailure()
		if clean {
			f.Clean()
		}
		tb := f.Traceback(Verbose)
		pickled := " "
		if clean {
			pickled = " (pickled) "
		}
		start := fmt.Sprintf("*--- Failure #%d%s---\n", f.Count, pickled)
		end := fmt.Sprintf("%s: %s\n*--- End of Failure #%d ---\n", TypeName(f.Value), f.ErrorMessage(), f.Count)
		if !strings.HasPrefix(tb, start) || !strings.HasSuffix(tb, end) {
			t.Fatalf("verbose traceback:\n%s", tb)
		}
		if !strings.Contains(tb, " [Capture of Locals and Globals disabled (use captureVars=True)]\n") {
			t.Fatal("no captureVars notice")
		}
		if !strings.Contains(tb, ": github.com/gotwisted/twisted/failure.getDivisionFailure(...)\n") {
			t.Fatalf("no raising frame:\n%s", tb)
		}
	}
}

// Ports test_failure.py FailureTests.test_printBriefTraceback.
func TestPrintBriefTraceback(t *testing.T) {
	f := getDivisionFailure()
	tb := f.Traceback(Brief)
	var stack strings.Builder
	for _, fr := range f.Frames() {
		fmt.Fprintf(&stack, "%s:%d:%s\n", fr.File, fr.Line, fr.Function)
	}
	prefix := "Traceback: *failure.PanicError: "
	suffix := ExceptionCaughtHere + "\n" + stack.String()
	if !strings.HasPrefix(tb, prefix) || !strings.HasSuffix(tb, suffix) {
		t.Fatalf("brief traceback:\n%s\nwant prefix %q, suffix %q", tb, prefix, suffix)
	}
	if want := "Traceback (failure with no frames): *failure.ValueError: x\n"; (&Failure{Value: &ValueError{"x"}}).Traceback(Brief) != want {
		t.Fatal("no-frames brief header")
	}
}

// Ports test_failure.py FailureTests.test_printTraceback.
func TestPrintTraceback(t *testing.T) {
	f := getDivisionFailure()
	tb := f.Traceback()
	var stack strings.Builder
	for _, fr := range f.Frames() {
		fmt.Fprintf(&stack, "  File \"%s\", line %d, in %s\n", fr.File, fr.Line, fr.Function)
		fmt.Fprintf(&stack, "    %s\n", sourceLine(fr.File, fr.Line))
	}
	suffix := fmt.Sprintf("%s\n%s%s: %s\n", ExceptionCaughtHere, stack.String(), TypeName(f.Value), f.ErrorMessage())
	if !strings.HasPrefix(tb, "Traceback (most recent call last):") || !strings.HasSuffix(tb, suffix) {
		t.Fatalf("default traceback:\n%s\nwant suffix\n%s", tb, suffix)
	}
	// The raising line is shown with its source, like linecache.
	if !strings.Contains(tb, "_ = 1 / zero\n") {
		t.Fatalf("source line missing:\n%s", tb)
	}
	// At most four frames of caller context above the marker.
	above := strings.Count(tb[:strings.Index(tb, ExceptionCaughtHere)], "  File ")
	if above > traceupLength {
		t.Fatalf("%d context frames", above)
	}
	if want := "Traceback (most recent call last):\nFailure: *failure.ValueError: x\n"; (&Failure{Value: &ValueError{"x"}}).Traceback() != want {
		t.Fatal("no-frames default layout")
	}
}

// Ports test_failure.py FailureTests.test_invalidFormatFramesDetail.
func TestInvalidFormatFramesDetail(t *testing.T) {
	f := New(&ValueError{"x"})
	if _, err := f.FormatTraceback(Detail(42)); err == nil {
		t.Fatal("unknown detail accepted")
	} else if _, ok := err.(*UnknownDetailError); !ok {
		t.Fatal(err)
	}
	if f.Traceback(Detail(42)) != f.Traceback() {
		t.Fatal("Traceback with an unknown detail should render the default layout")
	}
}

// Ports test_failure.py FailureTests.test_cleanFailureRemovesTracebackInPython3: Clean
// marks the Failure (Verbose says "(pickled)") and keeps its frames and text.
func TestCleanFailure(t *testing.T) {
	f := getDivisionFailure()
	before, frames := f.Traceback(), f.Frames()
	f.Clean()
	if !f.Cleaned() {
		t.Fatal("not marked")
	}
	if f.Traceback() != before || fmt.Sprint(f.Frames()) != fmt.Sprint(frames) {
		t.Fatal("Clean changed the traceback")
	}
	if !strings.Contains(f.Traceback(Verbose), " (pickled) ") {
		t.Fatal("verbose header lacks (pickled)")
	}
	f.Clean() // idempotent
}

// Ports test_failure.py FailureTests.test_repr.
func TestRepr(t *testing.T) {
	f := New(&ValueError{"division by zero"})
	if got := fmt.Sprintf("%#v", f); got != "<failure.Failure *failure.ValueError: division by zero>" {
		t.Fatal(got)
	}
}

// BrokenError's Error method panics, like test_failure.py's BrokenStr.
type BrokenError struct{}

func (*BrokenError) Error() string { panic("broken Error()") }

// Ports test_failure.py GetTracebackTests (broken __str__ on the value): no detail level
// panics. (A Go type name cannot be broken, so the broken-type variants collapse into
// these, plus a nil-pointer receiver.)
func TestBrokenValue(t *testing.T) {
	var nilPtr *ValueError
	for _, v := range []error{&BrokenError{}, nilPtr} {
		f := New(v)
		for _, d := range []Detail{Brief, Default, Verbose} {
			tb := f.Traceback(d)
			if !strings.Contains(tb, "panicked") {
				t.Fatalf("detail %d:\n%s", d, tb)
			}
		}
		if !strings.Contains(f.Error(), "panicked") || !strings.Contains(fmt.Sprintf("%#v", f), "panicked") {
			t.Fatal(f.Error())
		}
	}
	pe := &PanicError{Value: &BrokenError{}}
	if !strings.Contains(pe.Error(), "panicked") {
		t.Fatal(pe.Error())
	}
}

// Core-semantics 7.3: Error is the message only; Unwrap exposes Value to errors.Is/As.
func TestErrorAndUnwrap(t *testing.T) {
	f := New(fmt.Errorf("reading: %w", io.EOF))
	if f.Error() != "reading: EOF" || !errors.Is(f, io.EOF) {
		t.Fatal(f.Error())
	}
	if f.Check(io.ErrUnexpectedEOF, io.EOF) != io.EOF {
		t.Fatal("Check by errors.Is")
	}
	var target *ValueError
	if errors.As(f, &target) {
		t.Fatal("errors.As matched the wrong type")
	}
	if v, ok := As[*ValueError](New(&ValueError{"v"})); !ok || v.msg != "v" {
		t.Fatal(v, ok)
	}
	if _, ok := As[*ValueError](nil); ok {
		t.Fatal("As(nil)")
	}
	wrapped := fmt.Errorf("outer: %w", f)
	if !errors.Is(wrapped, io.EOF) {
		t.Fatal("a Failure wrapped with %w no longer unwraps")
	}
}

// Type tokens compare equal for the same type and name the type.
func TestTypeTokens(t *testing.T) {
	if Type[*ValueError]() != Type[*ValueError]() || Type[*ValueError]() == Type[*SystemExit]() {
		t.Fatal("token equality")
	}
	if got := Type[RuntimeError]().Error(); got != "failure.Type[failure.RuntimeError]" {
		t.Fatal(got)
	}
	var nilF *Failure
	if nilF.Check(io.EOF) != nil {
		t.Fatal("nil Failure matched")
	}
	if New(io.EOF).Check(nil) != nil {
		t.Fatal("nil target matched")
	}
}

// Replaces test_failure.py FailureTests.test_ConstructionFails.
func TestConstructionFromNil(t *testing.T) {
	var nilF *Failure
	for _, err := range []error{nil, nilF} {
		f := New(err)
		if f.Check(Type[*NoCurrentExceptionError]()) == nil {
			t.Fatalf("Value %T", f.Value)
		}
	}
}

// Count is a process-wide increasing serial.
func TestCount(t *testing.T) {
	a, b := New(io.EOF), New(io.EOF)
	if b.Count <= a.Count {
		t.Fatal(a.Count, b.Count)
	}
}

// FromPanic puts the frames from the recovering function down to the panic site below
// the marker and the callers above it; PanicError unwraps to an error panic value.
func TestFramesAndStack(t *testing.T) {
	f := getDivisionFailure()
	frames, stack := f.Frames(), f.Stack()
	if len(frames) == 0 || frames[len(frames)-1].Function != "github.com/gotwisted/twisted/failure.getDivisionFailure" {
		t.Fatalf("innermost frame is not the panic site: %v", frames)
	}
	if len(stack) == 0 || stack[len(stack)-1].Function != "github.com/gotwisted/twisted/failure.TestFramesAndStack" {
		t.Fatalf("stack does not end at the caller: %v", stack)
	}
	pe := f.Value.(*PanicError)
	var re runtime.Error
	if !errors.As(pe, &re) || len(pe.Stack) == 0 {
		t.Fatal("PanicError")
	}
	if pe := (&PanicError{Value: 42}); pe.Unwrap() != nil || pe.Error() != "panic: 42" {
		t.Fatal(pe.Error())
	}
	// A returned error's frames end where it entered.
	g := New(io.EOF)
	if fr := g.Frames(); fr[len(fr)-1].Function != "github.com/gotwisted/twisted/failure.TestFramesAndStack" {
		t.Fatal(fr)
	}
	if NewSkip(io.EOF, 0).Frames()[0].Function == "" {
		t.Fatal("NewSkip")
	}
	if FromPanic(f, 0) != f {
		t.Fatal("FromPanic wrapped a Failure")
	}
}

// Debug mode captures deep stacks.
func TestDebuggingDepth(t *testing.T) {
	defer SetDebugging(Debugging())
	var deep func(n int, debug bool) *Failure
	deep = func(n int, debug bool) *Failure {
		if n == 0 {
			SetDebugging(debug)
			return New(io.EOF)
		}
		return deep(n-1, debug)
	}
	if n := len(deep(50, false).Frames()); n > shallowDepth+4 {
		t.Fatalf("%d frames without debugging", n)
	}
	if n := len(deep(50, true).Frames()); n <= 50 {
		t.Fatalf("%d frames with debugging", n)
	}
}

// The fmt verbs: %v/%s message, %+v traceback, %#v repr, %q quoted; String is Twisted's str.
func TestFormatVerbs(t *testing.T) {
	f := New(&ValueError{"msg"})
	if fmt.Sprintf("%v|%s|%q", f, f, f) != `msg|msg|"msg"` {
		t.Fatal(fmt.Sprintf("%v|%s|%q", f, f, f))
	}
	if fmt.Sprintf("%+v", f) != f.Traceback() {
		t.Fatal("plus-v verb does not print the traceback")
	}
	if !strings.HasPrefix(f.String(), "[Failure instance: Traceback: *failure.ValueError: msg\n") {
		t.Fatal(f.String())
	}
	var nilF *Failure
	if nilF.ErrorMessage() != "<nil Failure>" {
		t.Fatal("nil ErrorMessage")
	}
}

// A Failure whose Value is a Failure built by hand prints both, like Twisted's chained
// Failure.
func TestChainedFailureTraceback(t *testing.T) {
	inner := New(&ValueError{"inner"})
	outer := &Failure{Value: inner}
	if !strings.Contains(outer.Traceback(), " (chained Failure)\n") {
		t.Fatal(outer.Traceback())
	}
}

// A closure that recovers inside another closure catches at that inner closure, not at
// the named function around both: the frames below the marker are the inner closure's
// alone, and the named function is the last frame of the stack above it.
func TestFramesAndStackNestedClosure(t *testing.T) {
	catch := func() (f *Failure) {
		defer func() { f = FromPanic(recover(), 0) }()
		panic(&ValueError{"boom"})
	}
	f := catch()
	frames, stack := f.Frames(), f.Stack()
	const outer = "github.com/gotwisted/twisted/failure.TestFramesAndStackNestedClosure"
	if len(frames) != 1 || frames[0].Function != outer+".func1" {
		t.Errorf("frames below the catch point = %v, want the catching closure alone", frames)
	}
	if len(stack) == 0 || stack[len(stack)-1].Function != outer {
		t.Errorf("stack does not end at the closure's caller: %v", stack)
	}
}
