package pb

import (
	"errors"
	"strings"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/trial"
)

// Ports of twisted/spread/test/test_pbfailure.py (pb-wire.md 6.4). The error types
// declare Twisted's class names, so the failures on the wire are those of the Python
// test module.

const testPBFailure = "twisted.spread.test.test_pbfailure."

type asynchronousException struct{ msg string }

func (e *asynchronousException) Error() string    { return e.msg }
func (*asynchronousException) RemoteType() string { return testPBFailure + "AsynchronousException" }

type synchronousException struct{ msg string }

func (e *synchronousException) Error() string    { return e.msg }
func (*synchronousException) RemoteType() string { return testPBFailure + "SynchronousException" }

type asynchronousError struct{ ErrorBase }

func (asynchronousError) RemoteType() string { return testPBFailure + "AsynchronousError" }

type synchronousError struct{ ErrorBase }

func (synchronousError) RemoteType() string { return testPBFailure + "SynchronousError" }

// unknownError has no RemoteType: it travels under its Go name.
type unknownError struct{ ErrorBase }

// jellyError is test_pbfailure's JellyError(Jellyable, pb.Error, RemoteCopy): it travels
// as itself and is registered on the receiving side.
type jellyError struct {
	Copyable
	RemoteCopy
	Msg string `jelly:"msg"`
}

func (e *jellyError) Error() string        { return e.Msg }
func (*jellyError) pbError()               {}
func (*jellyError) JellyClassName() string { return testPBFailure + "JellyError" }

// securityError is SecurityError(pb.Error, RemoteCopy), allowed through the security
// options; in Go a registered class name is what lets it travel as itself.
type securityError struct {
	RemoteCopy
	Msg string `jelly:"msg"`
}

func (e *securityError) Error() string        { return e.Msg }
func (*securityError) pbError()               {}
func (*securityError) JellyClassName() string { return testPBFailure + "SecurityError" }

func init() {
	SetUnjellyableForClass(testPBFailure+"JellyError", &jellyError{})
	SetUnjellyableForClass(testPBFailure+"SecurityError", &securityError{})
}

type failureRoot struct{ Root }

func (*failureRoot) RemoteAsynchronousException() *deferred.Deferred {
	return deferred.Fail(&asynchronousException{"remote asynchronous exception"})
}
func (*failureRoot) RemoteSynchronousException() error {
	return &synchronousException{"remote synchronous exception"}
}
func (*failureRoot) RemoteAsynchronousError() *deferred.Deferred {
	return deferred.Fail(asynchronousError{NewError("remote asynchronous error")})
}
func (*failureRoot) RemoteSynchronousError() error {
	return synchronousError{NewError("remote synchronous error")}
}
func (*failureRoot) RemoteUnknownError() error {
	return unknownError{NewError("I'm not known to client!")}
}
func (*failureRoot) RemoteJelly() error { return &jellyError{Msg: "I'm jellyable!"} }
func (*failureRoot) RemoteSecurity() error {
	return &securityError{Msg: "I'm secure!"}
}
func (*failureRoot) RemoteDeferredJelly() *deferred.Deferred {
	d := deferred.New(nil)
	d.AddCallback(func(any) (any, error) { return nil, &jellyError{Msg: "I'm jellyable!"} })
	d.Callback(nil)
	return d
}
func (*failureRoot) RemoteDeferredSecurity() *deferred.Deferred {
	d := deferred.New(nil)
	d.AddCallback(func(any) (any, error) { return nil, &securityError{Msg: "I'm secure!"} })
	d.Callback(nil)
	return d
}

// pbFailureTests runs test_pbfailure.py's PBFailureTests, or with unsafe tracebacks
// PBFailureUnsafeTests (the traceback then is the server's, not "Traceback unavailable").
func pbFailureTests(t *testing.T, unsafe bool) {
	connect := func(tc *trial.T) (*RemoteReference, *trial.IOPump) {
		cf := NewPBClientFactory()
		sf := NewPBServerFactory(&failureRoot{})
		sf.UnsafeTracebacks = unsafe
		_, _, pump := trial.ConnectServerAndClient(tc, cf, sf)
		pump.ByteAtATime = false
		return tc.SuccessResultOf(cf.GetRootObject()).(*RemoteReference), pump
	}
	checkTraceback := func(tc *trial.T, f *failure.Failure) {
		tb := f.Value.(*CopiedFailure).Traceback
		if unsafe {
			tc.NotEqual(tb, tracebackUnavailable)
			tc.In("Traceback", tb)
		} else {
			tc.Equal(tb, tracebackUnavailable)
		}
	}
	exceptionTest := func(method string, token error, flush bool) func(*testing.T) {
		return func(t *testing.T) {
			trial.Sync(t, func(tc *trial.T) {
				root, pump := connect(tc)
				d := root.CallRemote(method)
				pump.Flush()
				f := tc.FailureResultOf(d)
				tc.NoError(f.Trap(token))
				checkTraceback(tc, f)
				if flush {
					tc.Equal(len(tc.FlushLoggedErrors(token)), 1)
				}
			})
		}
	}
	// Ports test_pbfailure.py test_asynchronousException, test_synchronousException,
	// test_asynchronousError and test_synchronousError: a pb.Error is not logged.
	t.Run("asynchronousException", exceptionTest("asynchronousException", failure.Type[*asynchronousException](), true))
	t.Run("synchronousException", exceptionTest("synchronousException", failure.Type[*synchronousException](), true))
	t.Run("asynchronousError", exceptionTest("asynchronousError", failure.Type[asynchronousError](), false))
	t.Run("synchronousError", exceptionTest("synchronousError", failure.Type[synchronousError](), false))

	copied := func(method string, check func(tc *trial.T, f *failure.Failure)) func(*testing.T) {
		return func(t *testing.T) {
			trial.Sync(t, func(tc *trial.T) {
				root, pump := connect(tc)
				d := root.CallRemote(method)
				pump.Flush()
				check(tc, tc.FailureResultOf(d))
			})
		}
	}
	// Ports test_jellyFailure and test_deferredJellyFailure: an error that travels by
	// copy arrives as an instance of its registered type.
	for _, m := range []string{"jelly", "deferredJelly"} {
		t.Run(m+"Failure", copied(m, func(tc *trial.T, f *failure.Failure) {
			tc.NoError(f.Trap(failure.Type[*jellyError]()))
			tc.NoError(f.Trap(failure.Type[Error]()))
			_, ok := f.Value.(*jellyError)
			tc.True(ok, "the value is the registered type: %T", f.Value)
			tc.Equal(f.ErrorMessage(), "I'm jellyable!")
		}))
	}
	// Ports test_securityFailure and test_deferredSecurity (which fail upstream on Python
	// 3.11; this is their intent).
	for _, m := range []string{"security", "deferredSecurity"} {
		t.Run(m, copied(m, func(tc *trial.T, f *failure.Failure) {
			tc.NoError(f.Trap(failure.Type[*securityError]()))
			tc.Equal(f.ErrorMessage(), "I'm secure!")
		}))
	}
	// Ports test_unjellyableFailure: an unregistered pb.Error subclass arrives as a
	// CopiedFailure whose type is the class name.
	t.Run("unjellyableFailure", copied("synchronousError", func(tc *trial.T, f *failure.Failure) {
		tc.Equal(f.Value.(*CopiedFailure).Type, testPBFailure+"SynchronousError")
	}))
	// Ports test_unknownFailure: a type without a declared name travels under its Go name
	// (package and type name: like Python's __name__, no enclosing scopes).
	t.Run("unknownFailure", copied("unknownError", func(tc *trial.T, f *failure.Failure) {
		tc.Equal(f.Value.(*CopiedFailure).Type, "pb.unknownError")
		tc.NoError(f.Trap(failure.Type[Error]()))
	}))
	// Ports test_noSuchMethodFailure: NoSuchMethod is trappable, and logged by the server.
	t.Run("noSuchMethodFailure", copied("nosuch", func(tc *trial.T, f *failure.Failure) {
		tc.NoError(f.Trap(failure.Type[*NoSuchMethod]()))
		checkTraceback(tc, f)
		tc.Equal(len(tc.FlushLoggedErrors(failure.Type[*NoSuchMethod]())), 1)
	}))
	// Ports test_copiedFailureLogging: a CopiedFailure can be logged; both the server's
	// and the client's logged errors match the remote class.
	t.Run("copiedFailureLogging", copied("synchronousException", func(tc *trial.T, f *failure.Failure) {
		deferred.LogError(f)
		tc.Equal(len(tc.FlushLoggedErrors(failure.Type[*synchronousException]())), 2)
	}))
}

func TestPBFailure(t *testing.T)       { pbFailureTests(t, false) }
func TestPBFailureUnsafe(t *testing.T) { pbFailureTests(t, true) }

// roundTripFailure sends err the way a broker sends a failure and unjellies it.
func roundTripFailure(t testing.TB, err error) *CopiedFailure {
	v, uerr := jelly.Unjelly(copyableFailureSexp(failure.New(err), false))
	if uerr != nil {
		t.Fatal(uerr)
	}
	return v.(*CopiedFailure)
}

type zeroDivisionError struct{}

func (zeroDivisionError) Error() string           { return "division by zero" }
func (zeroDivisionError) RemoteType() string      { return "builtins.ZeroDivisionError" }
func (zeroDivisionError) RemoteParents() []string { return []string{"builtins.ArithmeticError"} }

// Ports test_pbfailure.py test_throwExceptionIntoGenerator: awaiting a remote failure in
// an Inline body returns it, carrying the remote type, message and traceback.
func TestThrowExceptionIntoGenerator(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := roundTripFailure(tc.TB(), &AttributeError{Message: "foo"})
		var got error
		deferred.Inline(func(c *deferred.Co) (any, error) {
			_, got = c.Await(deferred.Fail(cf))
			return nil, nil
		})
		var rc *CopiedFailure
		tc.True(errors.As(got, &rc), "got %v", got)
		tc.Equal(rc.Type, "builtins.AttributeError")
		tc.Equal(rc.Value, "foo")
		tc.Equal(rc.Traceback, tracebackUnavailable)
	})
}

// Ports test_pbfailure.py FailureJellyingTests.test_unjelliedFailureCheck: the copy
// matches its class and its bases, through parents.
func TestUnjelliedFailureCheck(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		f := failure.New(roundTripFailure(tc.TB(), zeroDivisionError{}))
		tc.NoError(f.Trap(RemoteType("builtins.ZeroDivisionError")))
		tc.NoError(f.Trap(RemoteType("builtins.ArithmeticError")))
		tc.NoError(f.Trap(failure.Type[zeroDivisionError]()))
		tc.Equal(f.Check(RemoteType("builtins.KeyError")), nil)
	})
}

// Ports test_pbfailure.py FailureJellyingTests.test_twiceUnjelliedFailureCheck: a copied
// failure sent on again keeps its type and parents.
func TestTwiceUnjelliedFailureCheck(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		once := roundTripFailure(tc.TB(), zeroDivisionError{})
		twice := roundTripFailure(tc.TB(), once)
		tc.Equal(twice.Type, "builtins.ZeroDivisionError")
		tc.Equal(twice.Parents, once.Parents)
		f := failure.New(twice)
		tc.NoError(f.Trap(RemoteType("builtins.ArithmeticError")))
		// Sent as a value (not as an error), it builds the same node.
		node, err := jelly.Jelly(once, jelly.WithInvoker(NewBroker(false, nil)))
		tc.NoError(err)
		tc.Equal(node.([]any)[0], []byte(pyCopyableFailure))
	})
}

type someReason struct{ msg string }

func (e *someReason) Error() string    { return e.msg }
func (*someReason) RemoteType() string { return "builtins.Exception" }

// Ports test_pbfailure.py FailureJellyingTests.test_printTracebackIncludesValue.
func TestPrintTracebackIncludesValue(t *testing.T) {
	cf := roundTripFailure(t, &someReason{"some reason"})
	if got, want := cf.String(), "Traceback from remote host -- builtins.Exception: some reason"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !strings.Contains(failure.New(cf).Error(), "some reason") {
		t.Fatal("the failure's message lost the value")
	}
}

// A remote InsecureJelly is trapped with jelly's sentinel, as trap_client.py traps
// jelly.InsecureJelly.
func TestTrapRemoteInsecureJelly(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, _, pump := connectedServerAndClient(tc)
		pump.ByteAtATime = false
		root := rootRef(tc, c)
		// The peer refuses ['class', ...] in the arguments: an InsecureJelly comes back.
		d := root.CallRemote("echo", jelly.Class("os.system"))
		pump.Flush()
		f := tc.FailureResultOf(d)
		tc.NoError(f.Trap(jelly.InsecureJelly))
		tc.Equal(f.Value.(*CopiedFailure).Type, pyInsecureJelly)
		tc.FlushLoggedErrors()
	})
}
