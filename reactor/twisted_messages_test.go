package reactor_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
)

// recordAll is a slog handler that keeps every message, at every level.
type recordAll struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordAll) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordAll) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Message)
	h.mu.Unlock()
	return nil
}
func (h *recordAll) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordAll) WithGroup(string) slog.Handler      { return h }

// EchoFactory has the class name of the probe's factory, so the lines compare as they are.
type EchoFactory struct{ protocol.Factory }

// A listening port logs what Twisted's does, in Twisted's order: "EchoFactory starting on
// N" before the factory's "Starting factory", "(TCP Port N Closed)" and "(UNIX Port path
// Closed)" before "Stopping factory".
func TestPortLogLinesAsTwisted(t *testing.T) {
	_, want := reactor.TwistedMessages(t)
	h := &recordAll{}
	old := slog.Default()
	slog.SetDefault(slog.New(h))
	defer slog.SetDefault(old)

	r, err := reactor.New()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := &EchoFactory{}
	f.SetSelf(f)
	f.Protocol = func() protocol.IProtocol { return &protocol.Protocol{} }
	tcp, err := r.ListenTCP(0, f, reactor.Interface("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "log.sock")
	unx, err := r.ListenUNIX(path, f)
	if err != nil {
		t.Fatal(err)
	}
	done := tcp.StopListening().AddCallback(func(any) (any, error) { return unx.StopListening(), nil })
	if err := r.RunUntil(done); err != nil {
		t.Fatal(err)
	}
	var stopErr error
	done.AddErrback(func(f *failure.Failure) (any, error) { stopErr = f; return nil, nil })
	if stopErr != nil {
		t.Fatal(stopErr)
	}

	port := strconv.Itoa(tcp.GetHost().(*net.TCPAddr).Port)
	h.mu.Lock()
	defer h.mu.Unlock()
	got := make([]string, len(h.msgs))
	for i, m := range h.msgs {
		got[i] = normalizeFactoryRepr(strings.ReplaceAll(strings.ReplaceAll(m, path, "<path>"), port, "<port>"))
	}
	for i := range want {
		want[i] = normalizeFactoryRepr(want[i])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged\n\t%s\nTwisted logs\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// normalizeFactoryRepr drops the factory's repr from "Starting factory <repr>": Python's
// and Go's reprs differ by nature (module path, address).
func normalizeFactoryRepr(line string) string {
	for _, p := range []string{"Starting factory ", "Stopping factory "} {
		if strings.HasPrefix(line, p) {
			return p + "<factory>"
		}
	}
	return line
}
