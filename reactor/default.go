package reactor

import (
	"sync"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
)

// The process default reactor, behind package-level functions so ports of Twisted programs
// read like the Python (from twisted.internet import reactor):
//
//	reactor.ListenTCP(8789, factory)
//	reactor.Run()
//
// It is created on first use, installs SIGINT and SIGTERM handlers that stop it cleanly
// when it runs, and is never closed. Tests should use New instead.

var (
	defaultOnce    sync.Once
	defaultReactor *Reactor
)

// Default returns the process default reactor, creating it on first use. It panics only if
// the operating system refuses an epoll/kqueue descriptor, which leaves nothing to run.
func Default() *Reactor {
	defaultOnce.Do(func() {
		r, err := New(WithSignalHandlers())
		if err != nil {
			panic("reactor: cannot create the default reactor: " + err.Error())
		}
		defaultReactor = r
	})
	return defaultReactor
}

// Run runs the default reactor (see Reactor.Run).
func Run() error { return Default().Run() }

// Stop stops the default reactor (see Reactor.Stop).
func Stop() error { return Default().Stop() }

// Crash leaves the default reactor's loop without shutdown events.
func Crash() { Default().Crash() }

// Running reports whether the default reactor is running.
func Running() bool { return Default().Running() }

// Iterate runs one iteration of the default reactor.
func Iterate(delay time.Duration) { Default().Iterate(delay) }

// Seconds returns the default reactor's clock in seconds.
func Seconds() float64 { return Default().Seconds() }

// CallLater schedules f on the default reactor.
func CallLater(delay time.Duration, f func()) *DelayedCall { return Default().CallLater(delay, f) }

// GetDelayedCalls lists the default reactor's pending calls.
func GetDelayedCalls() []*DelayedCall { return Default().GetDelayedCalls() }

// CallWhenRunning calls f once the default reactor runs.
func CallWhenRunning(f func()) *TriggerID { return Default().CallWhenRunning(f) }

// CallFromThread queues f for the default reactor's goroutine; safe from any goroutine.
func CallFromThread(f func()) { Default().CallFromThread(f) }

// CallInThread runs f on the default reactor's worker pool.
func CallInThread(f func()) { Default().CallInThread(f) }

// SuggestThreadPoolSize sets the default reactor's worker pool size.
func SuggestThreadPoolSize(n int) { Default().SuggestThreadPoolSize(n) }

// AddSystemEventTrigger adds a trigger to the default reactor.
func AddSystemEventTrigger(phase, eventType string, f func() *deferred.Deferred) (*TriggerID, error) {
	return Default().AddSystemEventTrigger(phase, eventType, f)
}

// RemoveSystemEventTrigger removes a trigger from the default reactor.
func RemoveSystemEventTrigger(id *TriggerID) error { return Default().RemoveSystemEventTrigger(id) }

// FireSystemEvent fires an event on the default reactor.
func FireSystemEvent(eventType string) { Default().FireSystemEvent(eventType) }

// ListenTCP listens on the default reactor.
func ListenTCP(port int, factory ProtocolFactory, opts ...ListenOption) (ListeningPort, error) {
	return Default().ListenTCP(port, factory, opts...)
}

// ConnectTCP connects with the default reactor.
func ConnectTCP(host string, port int, factory ClientFactory, opts ...ConnectOption) Connector {
	return Default().ConnectTCP(host, port, factory, opts...)
}

// ListenUNIX listens on a UNIX socket with the default reactor.
func ListenUNIX(path string, factory ProtocolFactory, opts ...ListenOption) (ListeningPort, error) {
	return Default().ListenUNIX(path, factory, opts...)
}

// ConnectUNIX connects to a UNIX socket with the default reactor.
func ConnectUNIX(path string, factory ClientFactory, opts ...ConnectOption) Connector {
	return Default().ConnectUNIX(path, factory, opts...)
}

// AddReader registers a reader with the default reactor.
func AddReader(r ReadDescriptor) error { return Default().AddReader(r) }

// AddWriter registers a writer with the default reactor.
func AddWriter(w WriteDescriptor) error { return Default().AddWriter(w) }

// RemoveReader unregisters a reader from the default reactor.
func RemoveReader(r ReadDescriptor) { Default().RemoveReader(r) }

// RemoveWriter unregisters a writer from the default reactor.
func RemoveWriter(w WriteDescriptor) { Default().RemoveWriter(w) }

// RemoveAll unregisters every descriptor of the default reactor.
func RemoveAll() []FileDescriptor { return Default().RemoveAll() }

// AsClock adapts a ReactorTime (a *Reactor, task.Clock) to deferred.Clock, whose CallLater
// returns deferred.DelayedCall rather than *DelayedCall (Go has no covariant results):
//
//	d.AddTimeout(5*time.Second, reactor.AsClock(r), nil)
func AsClock(t ReactorTime) deferred.Clock { return clockAdapter{t} }

type clockAdapter struct{ t ReactorTime }

func (c clockAdapter) CallLater(delay time.Duration, f func()) deferred.DelayedCall {
	return delayedCallAdapter{c.t.CallLater(delay, f)}
}

type delayedCallAdapter struct{ *DelayedCall }

func (a delayedCallAdapter) Cancel() { a.DelayedCall.Cancel() }

// Clock returns r as a deferred.Clock (see AsClock).
func (r *Reactor) Clock() deferred.Clock { return AsClock(r) }
