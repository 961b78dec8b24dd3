package deferred_test

import (
	"errors"
	"fmt"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

var ErrNotFound = errors.New("not found")

func ExampleDeferred() {
	d := deferred.New(nil)
	d.AddCallback(func(v any) (any, error) {
		return v.(int) * 2, nil
	}).AddCallback(func(v any) (any, error) {
		if v.(int) > 40 {
			return nil, ErrNotFound // switch to the errback side
		}
		return v, nil
	}).AddErrback(func(f *failure.Failure) (any, error) {
		if err := f.Trap(ErrNotFound); err != nil {
			return nil, err // not ours: keep failing
		}
		fmt.Println("recovered from:", f.Error())
		return 0, nil
	}).AddCallback(func(v any) (any, error) {
		fmt.Println("result:", v)
		return v, nil
	})
	fmt.Println("nothing has run yet")
	d.Callback(21) // the callbacks run now, before Callback returns
	// Output:
	// nothing has run yet
	// recovered from: not found
	// result: 0
}

func ExampleDeferred_AddCallback_chaining() {
	inner := deferred.New(nil)
	outer := deferred.Succeed("user-id")
	outer.AddCallback(func(id any) (any, error) {
		fmt.Println("looking up", id)
		return inner, nil // outer now waits for inner
	}).AddCallback(func(v any) (any, error) {
		fmt.Println("outer got", v)
		return v, nil
	})
	fmt.Println("outer is waiting:", outer.Paused())
	inner.Callback("alice")
	// Output:
	// looking up user-id
	// outer is waiting: true
	// outer got alice
}

func ExampleDeferred_Cancel() {
	d := deferred.New(func(d *deferred.Deferred) {
		fmt.Println("canceller: stopping the work")
	})
	d.AddErrback(func(f *failure.Failure) (any, error) {
		fmt.Println("cancelled:", f.Check(deferred.ErrCancelled) != nil)
		return nil, nil
	})
	d.Cancel()
	// Output:
	// canceller: stopping the work
	// cancelled: true
}

func ExampleInline() {
	pending := deferred.New(nil)
	d := deferred.Inline(func(c *deferred.Co) (any, error) {
		a, err := deferred.Await[int](c, deferred.Succeed(40)) // already fired: continues at once
		if err != nil {
			return nil, err
		}
		fmt.Println("got a, now waiting for b")
		b, err := deferred.Await[int](c, pending) // suspends until pending fires
		if err != nil {
			return nil, err
		}
		return a + b, nil
	})
	fmt.Println("Inline returned; fired:", d.Called())
	pending.Callback(2)
	d.AddCallback(func(v any) (any, error) {
		fmt.Println("sum:", v)
		return nil, nil
	})
	// Output:
	// got a, now waiting for b
	// Inline returned; fired: false
	// sum: 42
}

func ExampleInline_errors() {
	d := deferred.Inline(func(c *deferred.Co) (any, error) {
		_, err := c.Await(deferred.Fail(ErrNotFound))
		if errors.Is(err, ErrNotFound) {
			return "default", nil // handled inside the body
		}
		return nil, err
	})
	v, _ := deferred.Value[string](d)
	fmt.Println(v)
	// Output:
	// default
}

func ExampleGather() {
	a, b := deferred.New(nil), deferred.New(nil)
	deferred.Gather([]*deferred.Deferred{a, b}).AddCallback(func(v any) (any, error) {
		fmt.Println(v)
		return nil, nil
	})
	b.Callback("second")
	a.Callback("first")
	// Output:
	// [first second]
}

func ExampleNewDeferredList() {
	ok, bad := deferred.Succeed(1), deferred.Fail(ErrNotFound)
	dl := deferred.NewDeferredList([]*deferred.Deferred{ok, bad}, deferred.ConsumeErrors)
	dl.AddCallback(func(v any) (any, error) {
		for i, r := range v.([]deferred.Result) {
			if r.OK {
				fmt.Println(i, "ok:", r.Value)
			} else {
				fmt.Println(i, "failed:", r.Failure.Error())
			}
		}
		return nil, nil
	})
	// Output:
	// 0 ok: 1
	// 1 failed: not found
}

func ExampleMaybeDeferred() {
	d := deferred.MaybeDeferred(func() (any, error) {
		var m map[string]int
		m["boom"] = 1 // panics: becomes a failure
		return nil, nil
	})
	d.AddErrback(func(f *failure.Failure) (any, error) {
		fmt.Println(f.Check(failure.Type[*failure.PanicError]()) != nil, f.Error())
		return nil, nil
	})
	// Output:
	// true panic: assignment to entry in nil map
}

func ExampleLock() {
	lock := deferred.NewLock()
	release := deferred.New(nil)
	lock.Run(func() (any, error) {
		fmt.Println("first holder runs")
		return release, nil // the lock is held until release fires
	})
	lock.Run(func() (any, error) {
		fmt.Println("second holder runs")
		return nil, nil
	})
	fmt.Println("locked:", lock.Locked())
	release.Callback(nil)
	fmt.Println("locked:", lock.Locked())
	// Output:
	// first holder runs
	// locked: true
	// second holder runs
	// locked: false
}

// manualClock is a tiny Clock for the example; real code uses the reactor or task.Clock.
type manualClock struct{ calls []func() }

type manualCall struct{ active bool }

func (c *manualCall) Cancel()      { c.active = false }
func (c *manualCall) Active() bool { return c.active }

func (m *manualClock) CallLater(d time.Duration, f func()) deferred.DelayedCall {
	call := &manualCall{active: true}
	m.calls = append(m.calls, func() {
		if call.active {
			call.active = false
			f()
		}
	})
	return call
}

func ExampleDeferred_AddTimeout() {
	clock := &manualClock{}
	d := deferred.New(nil)
	d.AddTimeout(5*time.Second, clock, nil)
	d.AddErrback(func(f *failure.Failure) (any, error) {
		fmt.Println(f.Error())
		return nil, nil
	})
	clock.calls[0]() // five seconds pass
	// Output:
	// deferred: TimeoutError: Deferred timed out after 5s
}
