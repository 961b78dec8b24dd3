// Package deferred is Twisted's twisted.internet.defer for Go: Deferred, DeferredList,
// Gather, MaybeDeferred, Succeed and Fail, Inline and Await (inlineCallbacks), Lock,
// Semaphore, Queue, timeouts and cancellation. The folder is defer/; the package is named
// deferred because defer is a Go keyword.
//
// # A promise with a chain
//
// A Deferred stands for a result that is not there yet. Code that will produce the result
// returns a Deferred at once and fires it later with Callback (success) or Errback
// (failure). Code that wants the result adds callbacks and errbacks to it:
//
//	func getUser(name string) *deferred.Deferred {
//		d := deferred.New(nil)
//		reactor.CallLater(time.Second, func() { d.Callback(User{Name: name}) })
//		return d
//	}
//
//	getUser("alice").AddCallback(func(v any) (any, error) {
//		u := v.(User)
//		return u.Name, nil // the next callback receives u.Name
//	}).AddErrback(func(f *failure.Failure) (any, error) {
//		log.Print(f.Traceback())
//		return nil, nil // handled: the chain continues on the callback side
//	})
//
// As in Twisted, everything is synchronous and single-threaded: Callback runs every
// callback that can run before it returns, and a callback added to a Deferred that
// already has a result runs before AddCallback returns. Nothing is ever scheduled "later"
// by the package itself. A Deferred belongs to the goroutine that runs the reactor; hand
// results over from other goroutines with the reactor's CallFromThread.
//
// # The chain
//
// A Deferred carries one result that each callback replaces. Callbacks have the types
// Callback, func(any) (any, error), and Errback, func(*failure.Failure) (any, error):
//
//   - returning (v, nil) makes v the result and stays on (or returns to) the callback side;
//   - returning a non-nil error moves to the errback side; the error is wrapped in a
//     *failure.Failure once, with the stack where it entered (a *failure.Failure is used
//     as is, so "return nil, f" in an errback passes the very same Failure on);
//   - returning a *failure.Failure as the value is a failure too, as in Twisted;
//   - a panic is recovered into a Failure whose Value is a *failure.PanicError (the
//     analogue of an exception raised in a Python callback); SetRepanic turns this off
//     for debugging;
//   - returning a *Deferred chains: this Deferred pauses until that one has a result, then
//     takes it over (the inner Deferred's result becomes nil). Chains of any length run in
//     a loop, not by recursion, so they never grow the stack.
//
// An errback usually traps the errors it knows and passes the others on:
//
//	d.AddErrback(func(f *failure.Failure) (any, error) {
//		if err := f.Trap(deferred.ErrCancelled, failure.Type[*net.OpError]()); err != nil {
//			return nil, err // not ours
//		}
//		return fallback, nil
//	})
//
// Extra callback arguments become closures. AddBoth adds one function for both sides;
// AddCallbacks adds a pair where a nil function passes the result through. Then and Catch
// add typed callbacks; Value reads a result in tests.
//
// # Firing, cancelling, timing out
//
// A Deferred fires once: a second Callback or Errback panics with *AlreadyCalledError
// (inside a callback the panic becomes that callback's failure, like Python's raise);
// TryCallback and TryErrback return it instead. Callback with a *Deferred panics with
// *DeferredArgumentError.
//
// Cancel asks the producer to stop: the canceller given to New runs and, unless it fired
// the Deferred, the Deferred fails with *CancelledError (trap it with ErrCancelled). A
// Deferred without a canceller silently ignores the one result its producer delivers
// later. Cancelling a Deferred that waits on another cancels that one instead.
//
// AddTimeout cancels a Deferred that has no result after a delay on a Clock (the reactor
// and task.Clock provide one) and turns the cancellation into a *TimeoutError.
//
// # Many Deferreds
//
// NewDeferredList waits for several Deferreds and fires with a []Result in input order;
// the options FireOnOneCallback, FireOnOneErrback and ConsumeErrors behave as Twisted's
// flags. Gather fires with the values ([]any) or fails with a *FirstError, which on
// purpose does not unwrap to the input's failure (trap FirstError, then look at
// SubFailure). Lock, Semaphore and Queue are DeferredLock, DeferredSemaphore and
// DeferredQueue.
//
// # Inline callbacks
//
// Inline runs a function as a coroutine (on iter.Pull) so asynchronous code reads top to
// bottom, like @inlineCallbacks; Await waits for a Deferred without blocking the reactor:
//
//	d := deferred.Inline(func(c *deferred.Co) (any, error) {
//		root, err := deferred.Await[*pb.RemoteReference](c, factory.GetRootObject())
//		if err != nil {
//			return nil, err
//		}
//		echo, err := deferred.Await[string](c, root.CallRemote("echo", "hello"))
//		if err != nil {
//			return nil, err
//		}
//		return strings.ToUpper(echo), nil
//	})
//
// The body starts at once and runs until it waits on a Deferred without a result;
// awaiting a Deferred consumes its result; a failure comes back as Await's error (the
// *failure.Failure itself); cancelling the returned Deferred cancels what the body awaits.
// Never call t.FailNow, t.Fatal or runtime.Goexit in a body, and never use its *Co from
// another goroutine or after the body returned (Await panics with *AwaitError).
//
// # Unhandled errors
//
// A Deferred that is garbage-collected while its result is a failure nobody handled is
// reported: a log/slog record at level Error, message "Unhandled error in Deferred:",
// with the *failure.Failure under the key "failure" and Twisted's text under "traceback",
// and an *UnhandledError to every AddUnhandledObserver observer. Reports come from a
// runtime cleanup at an unpredictable time; FlushUnhandled collects garbage and reports
// deterministically (trial calls it after every test). Consuming a failure (an errback
// that recovers, Await, ConsumeErrors, chaining it into another Deferred) prevents the
// report.
//
// # Debugging
//
// SetDebugging(true) records where each Deferred was created and first fired (shown by
// AlreadyCalledError and in unhandled-error reports, like Twisted's " C:" and " I:"
// lines) and makes Failures capture deep stacks. SetRepanic(true) lets panics in
// callbacks propagate, so the runtime prints the panicking goroutine's full stack.
package deferred
