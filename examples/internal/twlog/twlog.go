// Package twlog is the corner of twisted.python.log that the cred listings use:
// startLogging(stdout), log.msg (which print becomes once startLogging has redirected
// standard output) and log.err. It prints Twisted's legacy log format,
//
//	2006-01-02 15:04:05-0700 [-] message
//
// and routes the gotwisted reactor's own slog records (a port starting, a factory starting
// and stopping) through the same format, with Go's factory names rewritten to the Python
// classes they stand for, so a port prints what its Python original prints, timestamps
// aside.
package twlog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
)

// TimeFormat is Twisted's FileLogObserver time format, "%Y-%m-%d %H:%M:%S%z".
const TimeFormat = "2006-01-02 15:04:05-0700"

type observer struct {
	mu sync.Mutex
	w  io.Writer
}

var current *observer

// StartLogging is Twisted's startLogging(file): every later log line goes to w, starting
// with "Log opened.". It also becomes slog's default handler, at every level, as Twisted
// logs everything it is given.
func StartLogging(w io.Writer) {
	current = &observer{w: w}
	slog.SetDefault(slog.New(handler{current}))
	Msg("Log opened.")
}

// Msg is log.msg, and print under startLogging: the arguments joined by spaces, as print
// joins them (strings as they are, other values as Python's str).
func Msg(args ...any) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = py.Str(a)
	}
	emit(strings.Join(parts, " "))
}

// Err is log.err(failure, why): the explanation, then the failure's traceback.
func Err(f *failure.Failure, why string) {
	emit(why + "\n" + f.Traceback())
}

func emit(text string) {
	o := current
	if o == nil {
		fmt.Println(text) // startLogging not called: plain print
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	stamp := time.Now().Format(TimeFormat)
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(o.w, "%s [-] %s\n", stamp, line)
	}
}

// goFactoryRE matches how the reactor names a PB factory in "Starting factory" lines.
var goFactoryRE = regexp.MustCompile(`\*pb\.(PB\w*Factory)\((0x[0-9a-f]+)\)`)

// handler turns slog records into log lines.
type handler struct{ o *observer }

func (h handler) Enabled(context.Context, slog.Level) bool { return true }

func (h handler) Handle(_ context.Context, r slog.Record) error {
	msg := goFactoryRE.ReplaceAllString(r.Message, "<twisted.spread.pb.$1 object at $2>")
	var extra []string
	r.Attrs(func(a slog.Attr) bool {
		if f, ok := a.Value.Any().(*failure.Failure); ok {
			extra = append(extra, f.Traceback())
		} else {
			extra = append(extra, a.Key+"="+a.Value.String())
		}
		return true
	})
	if len(extra) > 0 {
		msg += " " + strings.Join(extra, " ")
	}
	emit(msg)
	return nil
}

func (h handler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h handler) WithGroup(string) slog.Handler      { return h }
