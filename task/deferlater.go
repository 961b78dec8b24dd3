package task

import (
	"fmt"
	"reflect"
	"runtime"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
)

// DeferLater returns a Deferred that fires, after delay on clock, with the result of f
// (Twisted's task.deferLater). f may be nil: the Deferred then fires with nil. An error or
// panic from f fails the Deferred; f returning a *deferred.Deferred chains it.
//
// Cancelling the Deferred before the delay has passed cancels the scheduled call, so f
// never runs, and fails the Deferred with *deferred.CancelledError.
func DeferLater(clock reactor.ReactorTime, delay time.Duration, f func() (any, error)) *deferred.Deferred {
	var call *reactor.DelayedCall
	d := deferred.New(func(*deferred.Deferred) {
		if call != nil && call.Active() {
			_ = call.Cancel()
		}
	})
	d.AddCallback(func(any) (any, error) {
		if f == nil {
			return nil, nil
		}
		return f()
	})
	call = clock.CallLater(delay, func() { d.Callback(nil) })
	return d
}

// funcName names a function value for reprs.
func funcName(f any) string {
	v := reflect.ValueOf(f)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() {
		return fmt.Sprintf("%v", f)
	}
	if fn := runtime.FuncForPC(v.Pointer()); fn != nil {
		return fn.Name()
	}
	return fmt.Sprintf("%T", f)
}
