package trial_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/trial"
)

// catchFail runs f and returns the *FailTest it panicked with, or nil: the Go form of
// assertRaises(self.failureException, f).
func catchFail(f func()) (ft *trial.FailTest) {
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if ft, ok = r.(*trial.FailTest); !ok {
				panic(r)
			}
		}
	}()
	f()
	return nil
}

// inSync runs body as a passing synchronous trial test on the real t.
func inSync(t *testing.T, body func(tc *trial.T)) {
	t.Helper()
	trial.Sync(t, body)
}

var (
	resultValue = &struct{ name string }{"result"}
	badTimes    = errors.New("Bad times")
)

// badFailure is ResultOfAssertionsTests.failure: Failure(Exception("Bad times")).
func badFailure() *failure.Failure { return failure.New(badTimes) }

// ---- ResultOfAssertionsTests (test_assertions.py) ----

// Ports test_assertions.py ResultOfAssertionsTests.test_withoutResult.
func TestResultOfAssertionsTests_withoutResult(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		ft := catchFail(func() { tc.SuccessResultOf(deferred.New(nil)) })
		tc.True(ft != nil)
		tc.In("found no result instead", ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_successResultOfWithFailure and
// test_successResultOfWithFailureHasTraceback.
func TestResultOfAssertionsTests_successResultOfWithFailure(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		f := badFailure()
		ft := catchFail(func() { tc.SuccessResultOf(deferred.Fail(f)) })
		tc.True(ft != nil)
		tc.In("found failure result instead", ft.Message)
		tc.In(f.Traceback(), ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_failureResultOfWithoutResult.
func TestResultOfAssertionsTests_failureResultOfWithoutResult(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		ft := catchFail(func() { tc.FailureResultOf(deferred.New(nil)) })
		tc.True(ft != nil)
		tc.In("Failure result expected on <Deferred at ", ft.Message)
		tc.In("found no result instead", ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_failureResultOfWithSuccess.
func TestResultOfAssertionsTests_failureResultOfWithSuccess(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		ft := catchFail(func() { tc.FailureResultOf(deferred.Succeed(resultValue)) })
		tc.True(ft != nil)
		tc.In("found success result (", ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_failureResultOfWithWrongFailure,
// test_failureResultOfWithWrongFailureOneExpectedFailure and its HasTB variant.
func TestResultOfAssertionsTests_failureResultOfWithWrongFailureOneExpectedFailure(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		f := badFailure()
		ft := catchFail(func() { tc.FailureResultOf(deferred.Fail(f), failure.Type[*failure.PanicError]()) })
		tc.True(ft != nil)
		tc.In("Failure of type (*failure.PanicError) expected on", ft.Message)
		tc.In("found type *errors.errorString instead", ft.Message)
		tc.In(f.Traceback(), ft.Message)
	})
}

// Ports test_assertions.py
// ResultOfAssertionsTests.test_failureResultOfWithWrongFailureMultiExpectedFailures and
// its HasTB variant.
func TestResultOfAssertionsTests_failureResultOfWithWrongFailureMultiExpectedFailures(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		f := badFailure()
		ft := catchFail(func() {
			tc.FailureResultOf(deferred.Fail(f), failure.Type[*failure.PanicError](), io.EOF)
		})
		tc.True(ft != nil)
		tc.In(`Failure of type (*failure.PanicError or *errors.errorString("EOF")) expected on`, ft.Message)
		tc.In(f.Traceback(), ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_successResultOfWithSuccessResult.
func TestResultOfAssertionsTests_successResultOfWithSuccessResult(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		tc.Identical(tc.SuccessResultOf(deferred.Succeed(resultValue)), any(resultValue))
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_failureResultOfWithExpectedFailureResult.
func TestResultOfAssertionsTests_failureResultOfWithExpectedFailureResult(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		f := badFailure()
		got := tc.FailureResultOf(deferred.Fail(f), badTimes, io.EOF)
		tc.Identical(got, f)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_failureResultOfWithFailureResult.
func TestResultOfAssertionsTests_failureResultOfWithFailureResult(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		f := badFailure()
		tc.Identical(tc.FailureResultOf(deferred.Fail(f)), f)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_assertNoResultSuccess.
func TestResultOfAssertionsTests_assertNoResultSuccess(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		ft := catchFail(func() { tc.AssertNoResult(deferred.Succeed(resultValue)) })
		tc.True(ft != nil)
		tc.In("No result expected on", ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_assertNoResultFailure.
func TestResultOfAssertionsTests_assertNoResultFailure(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		ft := catchFail(func() { tc.AssertNoResult(deferred.Fail(badFailure())) })
		tc.True(ft != nil)
		tc.In("Bad times", ft.Message)
	})
}

// Ports test_assertions.py ResultOfAssertionsTests.test_assertNoResult.
func TestResultOfAssertionsTests_assertNoResult(t *testing.T) {
	inSync(t, func(tc *trial.T) { tc.AssertNoResult(deferred.New(nil)) })
}

// Ports test_assertions.py ResultOfAssertionsTests.test_assertNoResultPropagatesSuccess.
func TestResultOfAssertionsTests_assertNoResultPropagatesSuccess(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		d := deferred.New(nil)
		tc.AssertNoResult(d)
		d.Callback(resultValue)
		tc.Identical(tc.SuccessResultOf(d), any(resultValue))
	})
}

// Ports test_assertions.py
// ResultOfAssertionsTests.test_assertNoResultPropagatesLaterFailure.
func TestResultOfAssertionsTests_assertNoResultPropagatesLaterFailure(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		d := deferred.New(nil)
		tc.AssertNoResult(d)
		f := badFailure()
		d.Errback(f)
		tc.Identical(tc.FailureResultOf(d), f)
	})
}

// Ports test_assertions.py
// ResultOfAssertionsTests.test_assertNoResultSwallowsImmediateFailure.
func TestResultOfAssertionsTests_assertNoResultSwallowsImmediateFailure(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		d := deferred.Fail(badFailure())
		tc.True(catchFail(func() { tc.AssertNoResult(d) }) != nil)
		tc.Equal(tc.SuccessResultOf(d), nil)
	})
}

// SuccessResultOf consumes the result (Twisted's addBoth(result.append) leaves None).
func TestSuccessResultOfConsumes(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		d := deferred.Succeed(5)
		tc.Equal(tc.SuccessResultOf(d), 5)
		tc.Equal(tc.SuccessResultOf(d), nil)
		tc.Equal(trial.SuccessResult[string](tc, deferred.Succeed("typed")), "typed")
		ft := catchFail(func() { trial.SuccessResult[string](tc, deferred.Succeed(5)) })
		tc.True(ft != nil)
		tc.In("Success result of type string expected", ft.Message)
	})
}

// ---- AsynchronousAssertionsTests (test_asyncassertions.py) ----

// Ports test_asyncassertions.py AsynchronousAssertionsTests.test_assertFailure: the
// matching error becomes the result.
func TestAsynchronousAssertionsTests_assertFailure(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.MaybeDeferred(func() (any, error) { return nil, io.ErrUnexpectedEOF })
		return tc.AssertFailure(d, io.ErrUnexpectedEOF).AddCallback(func(v any) (any, error) {
			tc.Identical(v, any(io.ErrUnexpectedEOF))
			return nil, nil
		})
	})
}

// Ports test_asyncassertions.py AsynchronousAssertionsTests.test_assertFailure_wrongException.
func TestAsynchronousAssertionsTests_assertFailure_wrongException(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.MaybeDeferred(func() (any, error) { return nil, io.ErrUnexpectedEOF })
		tc.AssertFailure(d, io.EOF)
		return d.AddCallbacks(func(any) (any, error) {
			tc.Fail("Should have failed")
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			return nil, f.Trap(failure.Type[*trial.FailTest]())
		})
	})
}

// Ports test_asyncassertions.py AsynchronousAssertionsTests.test_assertFailure_noException.
func TestAsynchronousAssertionsTests_assertFailure_noException(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		d := tc.AssertFailure(deferred.Succeed(nil), io.EOF)
		return d.AddCallbacks(func(any) (any, error) {
			tc.Fail("Should have failed")
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			tc.In("did not catch an error, instead got nil", f.ErrorMessage())
			return nil, f.Trap(failure.Type[*trial.FailTest]())
		})
	})
}

// Ports test_asyncassertions.py AsynchronousAssertionsTests.test_assertFailure_moreInfo:
// the message shows the unexpected failure's message and brief traceback.
func TestAsynchronousAssertionsTests_assertFailure_moreInfo(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		f := failure.New(errors.New("divide by zero"))
		d := tc.AssertFailure(deferred.Fail(f), io.EOF)
		return d.AddErrback(func(af *failure.Failure) (any, error) {
			tc.True(af.Check(failure.Type[*trial.FailTest]()) != nil)
			out := af.ErrorMessage()
			tc.In(f.ErrorMessage(), out)
			tc.In(f.Traceback(failure.Brief), out)
			return nil, nil
		})
	})
}

// Ports test_asyncassertions.py AsynchronousAssertionsTests.test_assertFailure_masked: a
// single wrong AssertFailure fails the whole test.
func TestAsynchronousAssertionsTests_assertFailure_masked(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		d := deferred.MaybeDeferred(func() (any, error) { return nil, io.ErrUnexpectedEOF })
		tc.AssertFailure(d, io.EOF)
		tc.AssertFailure(d, io.ErrUnexpectedEOF)
		return d
	})
	ft.expectFail(t, "Expected: (*errors.errorString(\"EOF\"))")
}

// ---- the plain assertions ----

// Each assertion fails with trial's message and passes on good input.
func TestAssertionMessages(t *testing.T) {
	inSync(t, func(tc *trial.T) {
		cases := []struct {
			name string
			f    func()
			want string
		}{
			{"Equal", func() { tc.Equal(1, 2) }, "not equal:\na = 1\nb = 2"},
			{"EqualTypes", func() { tc.Equal(int64(1), 1) }, "not equal:\na = 1 (int64)\nb = 1 (int)"},
			{"EqualMsg", func() { tc.Equal("a", "b", "context %d", 7) }, "context 7\nnot equal:\na = \"a\"\nb = \"b\""},
			{"EqualBytes", func() { tc.Equal([]byte("x"), []byte("y")) }, "a = []byte(\"x\")"},
			{"NotEqual", func() { tc.NotEqual(3, 3) }, "3 == 3"},
			{"True", func() { tc.True(false, "why") }, "why\ncondition is false"},
			{"False", func() { tc.False(true) }, "condition is true"},
			{"Fail", func() { tc.Fail("plain") }, "plain"},
			{"Failf", func() { tc.Failf("n=%d", 3) }, "n=3"},
			{"Identical", func() { tc.Identical(&struct{ n int }{}, &struct{ n int }{}) }, " is not "},
			{"IdenticalSlices", func() { tc.Identical([]int{1}, []int{1}) }, " is not "},
			{"In", func() { tc.In("x", "abc") }, `"x" not in "abc"`},
			{"NoError", func() { tc.NoError(io.EOF) }, "unexpected error: EOF (*errors.errorString)"},
			{"ErrorIsNil", func() { tc.ErrorIs(nil, io.EOF) }, "expected an error matching (*errors.errorString(\"EOF\")), got nil"},
			{"ErrorIsOther", func() { tc.ErrorIs(io.ErrUnexpectedEOF, io.EOF) }, "got unexpected EOF"},
			{"Must", func() { trial.Must(0, io.EOF) }, "unexpected error: EOF"},
			{"FailNow", func() { tc.FailNow() }, "FailNow called"},
		}
		for _, c := range cases {
			ft := catchFail(c.f)
			if ft == nil {
				tc.Failf("%s did not fail", c.name)
			}
			tc.In(c.want, ft.Message, c.name)
			tc.True(strings.HasSuffix(ft.File, "assert_test.go"), "%s located at %s, want this file", c.name, ft.File)
		}

		tc.Equal([]int{1, 2}, []int{1, 2})
		tc.Equal(map[string]int{"a": 1}, map[string]int{"a": 1})
		tc.NotEqual(1, 2)
		tc.True(true)
		tc.False(false)
		p := &struct{}{}
		tc.Identical(p, p)
		tc.In("b", "abc")
		tc.NoError(nil)
		tc.Identical(tc.ErrorIs(io.EOF, io.EOF), io.EOF)
		tc.ErrorIs(&strictError{"x"}, failure.Type[*strictError]())
		tc.Equal(trial.Must(7, nil), 7)
	})
}

// A *FailTest returned as an error (not panicked) fails the test as well.
func TestFailTestReturned(t *testing.T) {
	ft := runTrial(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Succeed(nil).AddCallback(func(any) (any, error) {
			return nil, &trial.FailTest{Message: "returned"}
		})
	})
	ft.expectFail(t, "returned")
}
