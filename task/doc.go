// Package task is Twisted's twisted.internet.task: scheduling helpers built on the reactor's
// CallLater, and Clock, deterministic time for tests.
//
//   - LoopingCall calls a function every interval, skipping (not replaying) intervals it
//     falls behind on; WithCount tells the function how many elapsed.
//   - DeferLater returns a Deferred that fires with a function's result after a delay.
//   - Cooperator (Cooperate, Coiterate) runs long iterators in short time slices so they
//     share the reactor with everything else.
//   - React runs a client's main function on the default reactor and exits when its
//     Deferred fires.
//   - Clock stands in for the reactor's time in tests: nothing happens until the test calls
//     Advance.
//
// # Deterministic tests with Clock
//
// Code that schedules through a reactor.ReactorTime can be given a *Clock in tests. This
// is how Twisted tests timeouts and retries without waiting:
//
//	clock := task.NewClock()
//	lc := task.NewLoopingCall(func() (any, error) {
//		fmt.Println("tick at", clock.Seconds())
//		return nil, nil
//	})
//	lc.Clock = clock
//	lc.Start(time.Second, true) // tick at 0
//	clock.Advance(time.Second)  // tick at 1
//	clock.Advance(3 * time.Second)
//	// tick at 4: the intervals at 2 and 3 were missed and are skipped
//
// A Clock also works with Deferred.AddTimeout through reactor.AsClock, and as a
// protocol.ReconnectingClientFactory's Clock.
//
// Everything here belongs to the reactor goroutine (or, with a Clock, to the test's).
package task
