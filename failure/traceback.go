package failure

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Detail selects how much a traceback shows, like Twisted's detail argument.
type Detail int

const (
	// Default is Twisted's default layout: "Traceback (most recent call last):", up to
	// four frames of caller context, "--- <exception caught here> ---", each frame as
	// `  File "f", line n, in func` plus its source line, then "Type: message".
	Default Detail = iota
	// Brief is "Traceback: Type: message" then one "file:line:func" line per frame.
	Brief
	// Verbose frames the text with "*--- Failure #N ---" and "*--- End of Failure #N ---".
	// Go cannot capture locals, so it always carries Twisted's notice that they were not
	// captured.
	Verbose
)

// ExceptionCaughtHere is the marker line between the caller context and the frames.
const ExceptionCaughtHere = "--- <exception caught here> ---"

// traceupLength is how many caller-context frames the default layout shows.
const traceupLength = 4

// UnknownDetailError is returned by FormatTraceback for a Detail it does not know
// (Twisted raises ValueError).
type UnknownDetailError struct{ Detail Detail }

func (e *UnknownDetailError) Error() string {
	return fmt.Sprintf("failure: detail must be Default, Brief or Verbose (not %d)", int(e.Detail))
}

// Traceback renders the Failure in Twisted's layout; with no argument it uses Default.
// An unknown detail renders Default (FormatTraceback reports it instead). It never
// panics, even if Value's Error method does.
func (f *Failure) Traceback(detail ...Detail) string {
	d := Default
	if len(detail) > 0 {
		d = detail[0]
	}
	s, err := f.FormatTraceback(d)
	if err != nil {
		s, _ = f.FormatTraceback(Default)
	}
	return s
}

// FormatTraceback is Traceback with an explicit detail level; an unknown level gives an
// *UnknownDetailError.
func (f *Failure) FormatTraceback(detail Detail) (string, error) {
	if detail != Default && detail != Brief && detail != Verbose {
		return "", &UnknownDetailError{detail}
	}
	var b strings.Builder
	frames := f.Frames()
	typ, msg := TypeName(f.Value), f.ErrorMessage()
	switch detail {
	case Verbose:
		pickled := " "
		if f.cleaned {
			pickled = " (pickled) "
		}
		fmt.Fprintf(&b, "*--- Failure #%d%s---\n", f.Count, pickled)
	case Brief:
		has := "Traceback"
		if len(frames) == 0 {
			has = "Traceback (failure with no frames)"
		}
		fmt.Fprintf(&b, "%s: %s: %s\n", has, typ, msg)
	default:
		b.WriteString("Traceback (most recent call last):\n")
	}
	if len(frames) > 0 {
		stack := f.Stack()
		if len(stack) > traceupLength {
			stack = stack[len(stack)-traceupLength:]
		}
		formatFrames(&b, stack, detail)
		b.WriteString(ExceptionCaughtHere + "\n")
		formatFrames(&b, frames, detail)
	} else if detail != Brief {
		b.WriteString("Failure: ")
	}
	if detail != Brief {
		fmt.Fprintf(&b, "%s: %s\n", typ, msg)
	}
	// A Failure wrapping a Failure prints both, like Twisted's chained Failure.
	if inner, ok := f.Value.(*Failure); ok && inner != nil && inner != f {
		b.WriteString(" (chained Failure)\n")
		s, _ := inner.FormatTraceback(detail)
		b.WriteString(s)
	}
	if detail == Verbose {
		fmt.Fprintf(&b, "*--- End of Failure #%d ---\n", f.Count)
	}
	return b.String(), nil
}

func formatFrames(b *strings.Builder, frames []Frame, detail Detail) {
	switch detail {
	case Brief:
		for _, fr := range frames {
			fmt.Fprintf(b, "%s:%d:%s\n", fr.File, fr.Line, fr.Function)
		}
	case Default:
		for _, fr := range frames {
			fmt.Fprintf(b, "  File \"%s\", line %d, in %s\n", fr.File, fr.Line, fr.Function)
			fmt.Fprintf(b, "    %s\n", sourceLine(fr.File, fr.Line))
		}
	case Verbose:
		for _, fr := range frames {
			fmt.Fprintf(b, "%s:%d: %s(...)\n", fr.File, fr.Line, fr.Function)
		}
		b.WriteString(" [Capture of Locals and Globals disabled (use captureVars=True)]\n")
	}
}

// maxCachedFiles bounds the source cache; tracebacks are rare, so a reset is cheap.
const maxCachedFiles = 64

// sourceLine returns the stripped source line, or "" when the file is not readable (as
// Python's linecache does).
func sourceLine(file string, line int) string {
	if file == "" || line <= 0 {
		return ""
	}
	sourceLines.Lock()
	defer sourceLines.Unlock()
	lines, ok := sourceLines.files[file]
	if !ok {
		lines = readLines(file)
		if sourceLines.files == nil || len(sourceLines.files) >= maxCachedFiles {
			sourceLines.files = make(map[string][]string)
		}
		sourceLines.files[file] = lines
	}
	if line > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[line-1])
}

func readLines(file string) []string {
	fh, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer fh.Close()
	var lines []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
