package failure_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/gotwisted/twisted/failure"
)

// ConnectionLost is a marker interface standing for a Twisted base class.
type ConnectionLost interface {
	error
	connectionLost()
}

// ConnectionLostError is the base error; its embedders are its "subclasses".
type ConnectionLostError struct{ Reason string }

func (e *ConnectionLostError) Error() string { return "connection lost: " + e.Reason }
func (*ConnectionLostError) connectionLost() {}

// ConnectionAbortedError is a ConnectionLost too, like Twisted's ConnectionAborted.
type ConnectionAbortedError struct{ ConnectionLostError }

func ExampleFailure_Check() {
	f := failure.New(&ConnectionAbortedError{ConnectionLostError{"aborted"}})
	// Check returns the first target that matches: a base class matches its subclasses.
	fmt.Println(f.Check(io.EOF, failure.Type[ConnectionLost]()) == failure.Type[ConnectionLost]())
	fmt.Println(f.Check(io.EOF) == nil)
	// Output:
	// true
	// true
}

func ExampleFailure_Trap() {
	errback := func(f *failure.Failure) (any, error) {
		if err := f.Trap(io.EOF); err != nil {
			return nil, err // not EOF: the same Failure continues
		}
		return "eof handled", nil
	}
	fmt.Println(errback(failure.New(io.EOF)))
	_, err := errback(failure.New(errors.New("other")))
	fmt.Println(err)
	// Output:
	// eof handled <nil>
	// other
}

func ExampleFailure_Traceback() {
	f := failure.New(errors.New("boom"))
	tb := f.Traceback(failure.Brief)
	fmt.Println(tb[:len("Traceback: *errors.errorString: boom")])
	// Output:
	// Traceback: *errors.errorString: boom
}
