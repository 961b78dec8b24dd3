// Command trap_client is trap_client.py from Twisted's PB usage howto in Go: it makes
// calls that succeed, that carry something unsafe, that fail remotely, and one through a
// stale reference after the server (trap_server on port 8800) shut down, and shows which
// errback catches each.
package main

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

// MyException and MyOtherException are pb.Errors. Declared in package main, they match the
// server's __main__.MyException by name, as the Python classes do.
type MyException struct{ pb.ErrorBase }

type MyOtherException struct{ pb.ErrorBase }

// ScaryObject is not safe for serialization: an instance of a class PB's security does not
// allow, which the broker sends as an Unpersistable in its place.
func ScaryObject() *jelly.Instance {
	return &jelly.Instance{Class: "__main__.ScaryObject", State: jelly.NewDict(0)}
}

// worksLike: the callback/errback sequence in One works just like this version for a
// call that would block and return (response, err):
func worksLike(response any, err error) {
	var myException MyException
	var myOtherException MyOtherException
	switch {
	case errors.As(err, new(*pb.DeadReferenceError)):
		fmt.Println(" stale reference: the client disconnected or crashed")
	case errors.Is(err, jelly.InsecureJelly):
		fmt.Println(" InsecureJelly: you tried to send something unsafe to them")
	case errors.As(err, &myException), errors.As(err, &myOtherException):
		fmt.Println(" remote raised a MyException") // or MyOtherException
	case err != nil:
		fmt.Println(" something else happened")
	default:
		fmt.Println(" method successful, response:", py.Str(response))
	}
}

var _ = worksLike // an illustration, never called (as in the Python)

type One struct {
	remote *pb.RemoteReference
}

func (o *One) worked(response any) (any, error) {
	fmt.Println(" method successful, response:", py.Str(response))
	return nil, nil
}

// checkDeadReference: Python's callRemote raises DeadReferenceError at once, caught by the
// except clause in doCall; Go's CallRemote returns a Deferred that has already failed with
// it, so this errback comes first.
func (o *One) checkDeadReference(f *failure.Failure) (any, error) {
	if err := f.Trap(failure.Type[*pb.DeadReferenceError]()); err != nil {
		return nil, err
	}
	fmt.Println(" stale reference: the client disconnected or crashed")
	return nil, nil
}

func (o *One) checkInsecureJelly(f *failure.Failure) (any, error) {
	if err := f.Trap(jelly.InsecureJelly); err != nil {
		return nil, err
	}
	fmt.Println(" InsecureJelly: you tried to send something unsafe to them")
	return nil, nil
}

func (o *One) checkMyException(f *failure.Failure) (any, error) {
	which := f.Check(failure.Type[MyException](), failure.Type[MyOtherException]())
	if which == nil {
		return nil, f // trap: not ours, the failure goes on
	}
	if which == failure.Type[MyException]() {
		fmt.Println(" remote raised a MyException")
	} else {
		fmt.Println(" remote raised a MyOtherException")
	}
	return nil, nil
}

func (o *One) catchEverythingElse(f *failure.Failure) (any, error) {
	fmt.Println(" something else happened")
	slog.Error("Unhandled error", "failure", f)
	return nil, nil
}

func (o *One) doCall(explanation string, arg any) {
	fmt.Println(explanation)
	deferred := o.remote.CallRemote("fooMethod", arg)
	deferred.AddCallback(o.worked)
	deferred.AddErrback(o.checkDeadReference)
	deferred.AddErrback(o.checkInsecureJelly)
	deferred.AddErrback(o.checkMyException)
	deferred.AddErrback(o.catchEverythingElse)
}

func (o *One) callOne() {
	o.doCall("callOne: call with safe object", "safe string")
}

func (o *One) callTwo() {
	o.doCall("callTwo: call with dangerous object", ScaryObject())
}

func (o *One) callThree() {
	o.doCall("callThree: call that raises remote exception", "panic!")
}

func (o *One) callShutdown() {
	fmt.Println("telling them to shut down")
	o.remote.CallRemote("shutdown")
}

func (o *One) callFour() {
	o.doCall("callFour: call on stale reference", "dummy")
}

func (o *One) gotObj(obj any) (any, error) {
	o.remote = obj.(*pb.RemoteReference)
	reactor.CallLater(1*time.Second, o.callOne)
	reactor.CallLater(2*time.Second, o.callTwo)
	reactor.CallLater(3*time.Second, o.callThree)
	reactor.CallLater(4*time.Second, o.callShutdown)
	reactor.CallLater(5*time.Second, o.callFour)
	reactor.CallLater(6*time.Second, func() { reactor.Stop() })
	return nil, nil
}

func main() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	deferred := factory.GetRootObject()
	deferred.AddCallback((&One{}).gotObj)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
