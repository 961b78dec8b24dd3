package task

import (
	"fmt"
	"log/slog"
	"os"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// SystemExit ends a React main with a given exit code when its Deferred fails with it
// (Twisted's react honours SystemExit the same way).
type SystemExit struct{ Code int }

func (e *SystemExit) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// React runs main on the default reactor and exits the process when the Deferred main
// returns has fired: Twisted's task.react. It is the whole body of a client's main:
//
//	func main() {
//		task.React(func(r *reactor.Reactor) *deferred.Deferred {
//			factory := NewEchoClientFactory()
//			r.ConnectTCP("localhost", 8000, factory)
//			return factory.done
//		})
//	}
//
// The exit code is 0 on success, 1 on failure (the failure is logged as "main function
// encountered error"), or the code of a *SystemExit failure.
func React(main func(r *reactor.Reactor) *deferred.Deferred) {
	r := reactor.Default()
	os.Exit(ReactWith(r, func() *deferred.Deferred { return main(r) }))
}

// ReactorCore is what ReactWith needs of a reactor.
type ReactorCore interface {
	Run() error
	Stop() error
	CallWhenRunning(f func()) *reactor.TriggerID
	AddSystemEventTrigger(phase, eventType string, f func() *deferred.Deferred) (*reactor.TriggerID, error)
}

// ReactWith is React on a given reactor that returns the exit code instead of exiting.
// The reactor is stopped exactly once: by ReactWith when main's Deferred fires, unless
// something else is already stopping it. A panic in main counts as its failure.
func ReactWith(r ReactorCore, main func() *deferred.Deferred) int {
	code := 0
	stopping := false
	_, _ = r.AddSystemEventTrigger("before", "shutdown", func() *deferred.Deferred {
		stopping = true
		return nil
	})
	finish := func(result any, stopReactor bool) {
		if stopReactor {
			// ReactorNotRunning just means someone else stopped it first.
			_ = r.Stop()
		}
		if f, ok := result.(*failure.Failure); ok {
			if se, ok := failure.As[*SystemExit](f); ok {
				code = se.Code
			} else {
				slog.Error("main function encountered error", "failure", f)
				code = 1
			}
		}
	}
	finished := deferred.MaybeDeferred(func() (any, error) {
		d := main()
		if d == nil {
			return nil, nil
		}
		return d, nil
	})
	finished.AddBoth(func(result any) (any, error) {
		if stopping {
			finish(result, false)
		} else {
			r.CallWhenRunning(func() { finish(result, true) })
		}
		return nil, nil
	})
	if err := r.Run(); err != nil {
		slog.Error("task.React: the reactor did not run", "error", err)
		return 1
	}
	return code
}
