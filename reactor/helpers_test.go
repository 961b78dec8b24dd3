package reactor

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	deferred "github.com/gotwisted/twisted/defer"

	"github.com/gotwisted/twisted/failure"
)

// Test doubles for the reactor's own tests. Package protocol has the real Factory types;
// the reactor cannot import it, so these are minimal versions.

// testFactory is a ProtocolFactory and ClientFactory that records what happens to it.
type testFactory struct {
	build      func(addr net.Addr) Protocol
	starts     int
	stops      int
	started    []Connector
	failed     []*failure.Failure
	lost       []*failure.Failure
	onFailed   func(c Connector, reason *failure.Failure)
	onLost     func(c Connector, reason *failure.Failure)
	events     *[]string
	doStopHook func()
}

func (f *testFactory) DoStart() { f.starts++ }
func (f *testFactory) DoStop() {
	f.stops++
	if f.doStopHook != nil {
		f.doStopHook()
	}
}
func (f *testFactory) BuildProtocol(addr net.Addr) Protocol {
	if f.build == nil {
		return nil
	}
	p := f.build(addr)
	if p != nil {
		Base(p).Factory = f
	}
	return p
}
func (f *testFactory) StartedConnecting(c Connector) { f.started = append(f.started, c) }
func (f *testFactory) ClientConnectionFailed(c Connector, reason *failure.Failure) {
	f.failed = append(f.failed, reason)
	if f.onFailed != nil {
		f.onFailed(c, reason)
	}
}
func (f *testFactory) ClientConnectionLost(c Connector, reason *failure.Failure) {
	f.lost = append(f.lost, reason)
	if f.events != nil {
		*f.events = append(*f.events, "clientConnectionLost")
	}
	if f.onLost != nil {
		f.onLost(c, reason)
	}
}

// recorder is a protocol that records its lifecycle and the bytes it receives, and runs
// optional hooks.
type recorder struct {
	BaseProtocol
	made   bool
	data   []byte
	reason *failure.Failure
	lostN  int
	onMade func(p *recorder)
	onData func(p *recorder, data []byte)
	onLost func(p *recorder, reason *failure.Failure)
	events *[]string
}

func (p *recorder) ConnectionMade() {
	p.made = true
	if p.onMade != nil {
		p.onMade(p)
	}
}
func (p *recorder) DataReceived(data []byte) {
	p.data = append(p.data, data...)
	if p.onData != nil {
		p.onData(p, data)
	}
}
func (p *recorder) ConnectionLost(reason *failure.Failure) {
	p.reason = reason
	p.lostN++
	if p.events != nil {
		*p.events = append(*p.events, "connectionLost")
	}
	if p.onLost != nil {
		p.onLost(p, reason)
	}
}

// halfCloser adds the half-close hooks to recorder.
type halfCloser struct {
	recorder
	readLost, writeLost int
	onReadLost          func(p *halfCloser)
	onWriteLost         func(p *halfCloser)
}

func (p *halfCloser) ReadConnectionLost() {
	p.readLost++
	if p.onReadLost != nil {
		p.onReadLost(p)
	}
}
func (p *halfCloser) WriteConnectionLost() {
	p.writeLost++
	if p.onWriteLost != nil {
		p.onWriteLost(p)
	}
}

// echo writes back whatever it receives.
type echo struct{ BaseProtocol }

func (e *echo) DataReceived(data []byte) { e.Transport.Write(data) }

func newReactor(t testing.TB) *Reactor {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range r.RemoveAll() {
			d.ConnectionLost(failure.New(&ConnectionLost{Msg: "test cleanup"}))
		}
		r.Close()
	})
	return r
}

// spin runs r (RunUntil, so the reactor counts as running and its thread pool works) until
// cond holds, checking it every millisecond, and fails the test after a generous safety
// limit (a hang guard, not a timing assertion).
func spin(t testing.TB, r *Reactor, cond func() bool) {
	t.Helper()
	if cond() {
		return
	}
	d := deferred.New(nil)
	var check func()
	var next *DelayedCall
	check = func() {
		if cond() {
			d.Callback(nil)
		} else {
			next = r.CallLater(time.Millisecond, check)
		}
	}
	next = r.CallLater(0, check)
	safety := r.CallLater(20*time.Second, func() { d.Errback(errors.New("safety limit")) })
	if err := r.RunUntil(d); err != nil {
		t.Fatal(err)
	}
	if safety.Active() {
		safety.Cancel()
	}
	if next.Active() {
		next.Cancel()
	}
	var failed error
	d.AddErrback(func(f *failure.Failure) (any, error) { failed = f; return nil, nil })
	if failed != nil {
		t.Fatal("condition not reached before the safety limit")
	}
}

func listenLocal(t testing.TB, r *Reactor, f ProtocolFactory) (*Port, int) {
	t.Helper()
	lp, err := r.ListenTCP(0, f, Interface("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	p := lp.(*Port)
	t.Cleanup(func() { p.connectionLostNow() })
	return p, p.GetHost().(*net.TCPAddr).Port
}

// countFDs counts this process's open descriptors.
func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd: ", err)
	}
	return len(ents)
}

// logCapture collects slog records at error level while a test runs (trial's
// flushLoggedErrors stands in the trial package; the reactor tests only count).
type logCapture struct {
	mu      sync.Mutex
	records []slog.Record
}

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	c.records = append(c.records, r)
	c.mu.Unlock()
	return nil
}
func (c *logCapture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *logCapture) WithGroup(string) slog.Handler      { return c }

// errors returns the logged Failures.
func (c *logCapture) failures() []*failure.Failure {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*failure.Failure
	for _, r := range c.records {
		if r.Level < slog.LevelError {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if f, ok := a.Value.Any().(*failure.Failure); ok && a.Key == "failure" {
				out = append(out, f)
			}
			return true
		})
	}
	return out
}

func (c *logCapture) messages(level slog.Level) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.records {
		if r.Level >= level {
			out = append(out, r.Message)
		}
	}
	return out
}

// captureLogs routes slog to a capture for the rest of the test.
func captureLogs(t testing.TB) *logCapture {
	c := &logCapture{}
	t.Cleanup(installLog(c))
	return c
}

// installLog routes slog to h and returns the function that restores the old default.
func installLog(h slog.Handler) (restore func()) {
	old := slog.Default()
	slog.SetDefault(slog.New(h))
	return func() { slog.SetDefault(old) }
}

type failureT = failure.Failure

// pipeDescriptor is a minimal FileDescriptor over one end of a pipe.
type pipeDescriptor struct {
	fd      int
	lost    *failure.Failure
	onLost  func(*failure.Failure)
	onRead  func() error
	onWrite func() error
}

func (p *pipeDescriptor) Fileno() int       { return p.fd }
func (p *pipeDescriptor) LogPrefix() string { return "pipeDescriptor" }
func (p *pipeDescriptor) ConnectionLost(reason *failure.Failure) {
	p.lost = reason
	if p.onLost != nil {
		p.onLost(reason)
	}
}
func (p *pipeDescriptor) DoRead() error {
	if p.onRead != nil {
		return p.onRead()
	}
	return nil
}
func (p *pipeDescriptor) DoWrite() error {
	if p.onWrite != nil {
		return p.onWrite()
	}
	return nil
}

// newPipe returns both ends of a non-blocking pipe, closed at the end of the test.
func newPipe(t testing.TB) (rd, wr int) {
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(fds[0], true)
	unix.SetNonblock(fds[1], true)
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}
