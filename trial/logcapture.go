package trial

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// Logged errors (Twisted's _LogObserver). While a trial test runs, the default slog logger
// is replaced by a handler that records every error-level record carrying an error (the
// *failure.Failure that package deferred and the reactor log under "failure", or any error
// attribute, which becomes a Failure) and forwards every record at Info and above to the
// test's log (t.Logf, shown on failure or with -v, like trial's test.log). Errors left
// unflushed when the test ends fail it.
//
// The slog default is process-global, and unhandled-Deferred reports come from runtime
// goroutines, so the capture cannot tell which test a record belongs to: every running
// trial test receives it. Do not combine trial tests with t.Parallel.

// logObserver collects the errors logged during one test.
type logObserver struct {
	mu     sync.Mutex
	tb     testing.TB
	errors []*failure.Failure
	active bool
}

func (o *logObserver) gotRecord(r slog.Record, f *failure.Failure, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.active {
		return
	}
	if f != nil {
		o.errors = append(o.errors, f)
	}
	if r.Level >= slog.LevelInfo {
		o.tb.Logf("%s", text)
	}
}

// flush removes and returns the recorded failures matching types (all of them if none).
func (o *logObserver) flush(types ...error) []*failure.Failure {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(types) == 0 {
		out := o.errors
		o.errors = nil
		return out
	}
	var out, rest []*failure.Failure
	for _, f := range o.errors {
		if f.Check(types...) != nil {
			out = append(out, f)
		} else {
			rest = append(rest, f)
		}
	}
	o.errors = rest
	return out
}

var capture struct {
	mu        sync.Mutex
	observers []*logObserver
	saved     *slog.Logger
	logWriter io.Writer
	logFlags  int
}

// startObserving installs the capturing handler (first observer only) and registers a new
// observer for tb.
func startObserving(tb testing.TB) *logObserver {
	o := &logObserver{tb: tb, active: true}
	capture.mu.Lock()
	defer capture.mu.Unlock()
	if len(capture.observers) == 0 {
		// slog.SetDefault also redirects package log's output and flags; remember them so
		// that stopping restores package log exactly.
		capture.saved = slog.Default()
		capture.logWriter = log.Writer()
		capture.logFlags = log.Flags()
		slog.SetDefault(slog.New(captureHandler{}))
	}
	capture.observers = append(capture.observers, o)
	return o
}

// stop unregisters o; the last observer restores the previous default logger.
func (o *logObserver) stop() {
	o.mu.Lock()
	o.active = false
	o.mu.Unlock()
	capture.mu.Lock()
	defer capture.mu.Unlock()
	for i, x := range capture.observers {
		if x == o {
			capture.observers = append(capture.observers[:i], capture.observers[i+1:]...)
			break
		}
	}
	if len(capture.observers) == 0 && capture.saved != nil {
		slog.SetDefault(capture.saved)
		log.SetOutput(capture.logWriter)
		log.SetFlags(capture.logFlags)
	}
}

// captureHandler is the slog.Handler installed during trial tests.
type captureHandler struct {
	attrs []slog.Attr // from WithAttrs, already qualified by their groups
	group string      // prefix from WithGroup
}

func (h captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h captureHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := captureHandler{group: h.group, attrs: append([]slog.Attr(nil), h.attrs...)}
	for _, a := range as {
		if h.group != "" {
			a.Key = h.group + "." + a.Key
		}
		n.attrs = append(n.attrs, a)
	}
	return n
}

func (h captureHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := h
	if h.group != "" {
		n.group = h.group + "." + name
	} else {
		n.group = name
	}
	return n
}

func (h captureHandler) Handle(_ context.Context, r slog.Record) error {
	var f *failure.Failure
	var b strings.Builder
	fmt.Fprintf(&b, "log: %s %s", r.Level, r.Message)
	var traceback string
	visit := func(key string, v slog.Value) {
		v = v.Resolve()
		if v.Kind() == slog.KindAny {
			if err, ok := v.Any().(error); ok && err != nil {
				if f == nil && r.Level >= slog.LevelError {
					f = failure.New(err) // a *failure.Failure is kept as is
				}
				if ff, ok := err.(*failure.Failure); ok {
					if traceback == "" {
						traceback = ff.Traceback()
					}
					fmt.Fprintf(&b, " %s=%q", key, ff.ErrorMessage())
					return
				}
			}
		}
		if key == "traceback" || strings.HasSuffix(key, ".traceback") {
			traceback = v.String()
			return
		}
		fmt.Fprintf(&b, " %s=%s", key, v)
	}
	var walk func(prefix string, a slog.Attr)
	walk = func(prefix string, a slog.Attr) {
		key := a.Key
		if prefix != "" {
			key = prefix + "." + key
		}
		if a.Value.Kind() == slog.KindGroup {
			for _, ga := range a.Value.Group() {
				walk(key, ga)
			}
			return
		}
		visit(key, a.Value)
	}
	for _, a := range h.attrs {
		walk("", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		walk(h.group, a)
		return true
	})
	// A recorded error is reported with its traceback by trial (or was expected, if
	// flushed): the log gets the one-line summary only.
	if traceback != "" && f == nil {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(traceback, "\n"))
	}
	text := b.String()

	capture.mu.Lock()
	obs := append([]*logObserver(nil), capture.observers...)
	saved := capture.saved
	capture.mu.Unlock()
	if len(obs) == 0 {
		// A record that raced with the end of the last test: give it to the logger that
		// was the default before (and is again).
		if saved != nil {
			if _, ours := saved.Handler().(captureHandler); !ours {
				return saved.Handler().Handle(context.Background(), r)
			}
		}
		return nil
	}
	for _, o := range obs {
		o.gotRecord(r, f, text)
	}
	return nil
}
