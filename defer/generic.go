package deferred

import (
	"fmt"
	"reflect"

	"github.com/gotwisted/twisted/failure"
)

// Then adds a typed callback to d and returns d: f receives the result as a T. If the
// result is not a T, f is not called and d fails with *TypeError instead. f's U may be a
// *Deferred, which chains as usual.
func Then[T, U any](d *Deferred, f func(T) (U, error)) *Deferred {
	return d.AddCallback(func(v any) (any, error) {
		t, err := as[T](v)
		if err != nil {
			return nil, err
		}
		return f(t)
	})
}

// Catch adds a typed errback to d and returns d: f is called when the failure matches E
// (errors.As through the Failure), with the matching error; other failures pass by.
func Catch[E error](d *Deferred, f func(E) (any, error)) *Deferred {
	return d.AddErrback(func(fl *failure.Failure) (any, error) {
		e, ok := failure.As[E](fl)
		if !ok {
			return nil, fl
		}
		return f(e)
	})
}

// Value returns d's current result as a T, without consuming it: ok is false if d has no
// result now (see HasResult), failed, or holds something else. Meant for tests.
func Value[T any](d *Deferred) (T, bool) {
	var zero T
	if !d.HasResult() {
		return zero, false
	}
	if _, failed := d.result.(*failure.Failure); failed {
		return zero, false
	}
	t, err := as[T](d.result)
	if err != nil {
		return zero, false
	}
	return t, true
}

// as converts a result to T; nil converts to T's zero value when T can be nil.
func as[T any](v any) (T, error) {
	if t, ok := v.(T); ok {
		return t, nil
	}
	var zero T
	if v == nil {
		switch reflect.TypeFor[T]().Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
			return zero, nil
		}
	}
	return zero, &TypeError{Msg: fmt.Sprintf("result is %T, not %v", v, reflect.TypeFor[T]())}
}
