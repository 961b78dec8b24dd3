package jelly

import "fmt"

// guard runs a user hook, turning a panic into an error wrapping ErrHookPanic.
func guard(what string, f func() (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, newError(ErrHookPanic, fmt.Sprintf("%s: %v", what, r))
		}
	}()
	return f()
}

func guardErr(what string, f func() error) error {
	_, err := guard(what, func() (any, error) { return nil, f() })
	return err
}
