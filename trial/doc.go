// Package trial runs Twisted-style tests on go test: Twisted's trial for gotwisted.
//
// A trial test returns a Deferred, and trial runs a reactor until it fires. Each test gets
// a fresh reactor, running on the test's own goroutine; when the test is over, trial checks
// that it left nothing behind (timers, sockets, suspended coroutines, thread work), that no
// error was logged without being expected, and that no Deferred was dropped holding an
// unhandled failure. The assertions work anywhere, including inside callbacks.
//
// # A first test
//
// An echo server and a client that checks what comes back (echo_test.go in this
// package has the client, a few lines of protocol code):
//
//	func TestEcho(t *testing.T) {
//		trial.Run(t, func(tc *trial.T) *deferred.Deferred {
//			r := tc.Reactor()
//			port := trial.Must(r.ListenTCP(0, echoFactory(), reactor.Interface("127.0.0.1")))
//			tc.AddCleanup(port.StopListening)
//
//			creator := protocol.NewClientCreator(r, func() protocol.IProtocol { return newClient() })
//			return creator.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, 0).
//				AddCallback(func(p any) (any, error) {
//					c := p.(*client)
//					tc.AddCleanup(c.disconnect) // returns a Deferred that fires once closed
//					return c.send("hello"), nil
//				}).
//				AddCallback(func(answer any) (any, error) {
//					tc.Equal(answer, "hello")
//					return nil, nil
//				})
//		})
//	}
//
// The golden rule of Twisted's trial howto holds: if a test calls something that returns a
// Deferred, it returns a Deferred. A test that forgets passes without checking anything.
//
// # Order of execution
//
// Run mirrors Twisted's TestCase: the SetUp option, the test, the cleanups (last added
// first, each waited for if it returns a Deferred, before tearDown: setUp, test, cleanup2,
// cleanup1, tearDown) and the TearDown option run as one Deferred chain. If setUp fails or
// skips, the test and tearDown do not run but the cleanups do. Each step has its own
// timeout, 120 seconds unless the Timeout option says otherwise, capped so that it ends
// before go test's -timeout deadline; a step still running then fails with Twisted's
// "<test> (<step>) still running at <n> secs" TimeoutError, and the test's own errbacks see
// it first.
//
// Sync is the SynchronousTestCase form: no reactor, T.Clock for time, and returned
// Deferreds are not waited for. Most protocol tests are best written this way, over a
// reactortest.StringTransport or an IOPump, and read their results with SuccessResultOf
// and FailureResultOf.
//
// Suite and SyncSuite run a struct's TestXxx methods as subtests with SetUp and TearDown
// methods as fixtures, so a Twisted TestCase class ports method by method.
//
// # Assertions
//
// T's assertions (Equal, NoError, True, Fail, FailureResultOf, ...) fail the test by
// panicking with a *FailTest. Called from a callback, an Inline body or the test itself,
// the panic is recovered by the Deferred machinery into a Failure, exactly as Twisted's
// FailTest exception is, and the test is reported as failed ([FAIL]); other errors and
// panics are reported as errors ([ERROR], with a Twisted-style traceback). The reactor
// keeps running and is cleaned up afterwards.
//
// Never call t.FailNow, t.Fatal or t.SkipNow (or testify's require with the *testing.T)
// inside a callback: they unwind the reactor loop with runtime.Goexit. trial notices,
// reports "t.FailNow ... was called inside the reactor loop", and still cleans the
// reactor, but the rest of the test is lost. *T itself is a testify TestingT whose FailNow
// panics with a *FailTest, so require.Equal(tc, ...) is safe.
//
// Skip (a *SkipTest panic, or the Skip option) and Todo (expected failure, with optional
// error types) report as trial does: skipped tests through t.Skip, expected failures as
// [TODO] and unexpected successes as [SUCCESS!?!] in the log, neither failing the test.
//
// # What fails a test besides assertions
//
//   - A dirty reactor: after the test, trial spins the reactor twice (so CallLater(0) and
//     pending I/O get their chance), then reports a DirtyReactorAggregateError naming every
//     pending delayed call, registered descriptor (listening ports, connections), suspended
//     Inline coroutine and unfinished CallInThread function, and cancels, closes or stops
//     them so the next test starts clean. Coroutines are tracked process-wide, not per
//     reactor (Go has no goroutine-local state to say which reactor drives one): trial
//     reports those suspended during the test.
//   - Logged errors: while a test runs, trial captures log/slog. Every record at level
//     Error that carries an error (what deferred.LogError and the reactor log, and
//     slog.Error("...", "err", err)) fails the test unless T.FlushLoggedErrors removed it.
//     All records at Info and above go to the test's log, like trial's test.log.
//   - Unhandled failures: a Deferred garbage-collected while holding a failure nobody
//     handled. trial forces collection after each test (like trial --force-gc), so the
//     report lands in the test that leaked it.
//
// The slog capture is process-wide, so trial tests must not use t.Parallel; running
// packages in parallel (go test ./...) is fine.
//
// # Test doubles
//
// IOPump connects two protocols over FakeTransports and moves bytes only when pumped,
// deterministically: ConnectServerAndClient is test_pb.py's helper of the same name, for
// PB brokers. reactortest.StringTransport (package reactor/reactortest) records what a
// protocol writes.
//
// docs/trial.md ports Twisted's trial howto (the calculus example) to Go; its code is in
// trial/internal/calculus and runs with go test.
package trial
