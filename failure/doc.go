// Package failure provides Failure, Twisted's twisted.python.failure.Failure for Go: an
// error together with the stack where it entered the Deferred system.
//
// Deferred callbacks return errors; the deferred package turns every error it sees (a
// returned error, an Errback argument, a recovered panic) into a *Failure exactly once, so
// an errback always receives a *Failure and can ask it questions:
//
//	d.AddErrback(func(f *failure.Failure) (any, error) {
//		if err := f.Trap(deferred.ErrCancelled); err != nil {
//			return nil, err // not a cancellation: keep failing with the same Failure
//		}
//		log.Print("cancelled, carrying on")
//		return nil, nil // recovered: the next callbacks see success
//	})
//
// # Errors, not exceptions
//
// Failure implements error. Error returns the wrapped error's message (never a traceback)
// and Unwrap returns Value, so errors.Is and errors.As look through a Failure, and a
// Failure can be wrapped with fmt.Errorf("%w"). New never wraps a *Failure again.
//
// # Matching: Check and Trap
//
// Twisted matches failures by class, including base classes. Go has no classes, so a
// target passed to Check or Trap matches in one of two ways:
//
//   - a value (a sentinel such as io.EOF, or any error with an Is method) matches when
//     errors.Is(f.Value, target) holds;
//   - a type token from Type matches when errors.As finds an error of that type:
//     failure.Type[*net.OpError]().
//
// Twisted's class hierarchies become marker interfaces. A base class is an interface with
// an unexported method; the concrete error types, and every "subclass" that embeds one of
// them, implement it:
//
//	type ConnectionLost interface{ error; connectionLost() }
//
//	type ConnectionLostError struct{ Reason string }
//	func (*ConnectionLostError) connectionLost() {}
//
//	type ConnectionAbortedError struct{ ConnectionLostError } // "subclass": embeds the base
//
//	f.Check(failure.Type[ConnectionLost]()) // matches both, like check(ConnectionLost)
//
// Multiple inheritance is two markers on one type.
//
// # Panics
//
// A panic inside a callback is recovered into a Failure whose Value is a *PanicError, the
// analogue of an exception raised in a Python callback. PanicError unwraps to the panic
// value when that is an error, so Check and Trap still match it. MustTrap panics with the
// Failure itself when nothing matches; the Deferred machinery recovers that and the same
// Failure continues, which is Twisted's trap-and-re-raise.
//
// # Tracebacks
//
// Traceback renders Twisted's layout, which trial and log readers know:
//
//	Traceback (most recent call last):
//	--- <exception caught here> ---
//	  File "/src/app/main.go", line 12, in main.main
//	    d.Errback(errors.New("boom"))
//	*errors.errorString: boom
//
// Go errors carry no stack, so the frames are those where the error entered the Deferred
// system (a callback returned it, Errback was called, a panic was recovered). Capture is
// shallow (16 frames) by default because runtime.Callers is costly; SetDebugging(true)
// captures deep stacks. The %+v verb prints the traceback.
package failure
