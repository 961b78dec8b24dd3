// Command exc_client is exc_client.py from Twisted's PB usage howto in Go: it calls a
// remote method that fails (exc_server on port 8800) and shows what the errback receives.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

func main() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	d := factory.GetRootObject()
	d.AddCallbacks(gotObj, nil)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

func gotObj(obj any) (any, error) {
	// change "broken" into "broken2" to demonstrate an unhandled exception
	d2 := obj.(*pb.RemoteReference).CallRemote("broken")
	d2.AddCallback(working)
	d2.AddErrback(broken)
	return nil, nil
}

func working(any) (any, error) {
	fmt.Println("erm, it wasn't *supposed* to work..")
	return nil, nil
}

func broken(reason *failure.Failure) (any, error) {
	fmt.Println("got remote Exception")
	// reason is a Failure holding a *pb.CopiedFailure: the remote MyError, by name
	fmt.Println(" .__class__ =", py.FailureClass(reason))
	fmt.Println(" .getErrorMessage() =", reason.ErrorMessage())
	fmt.Println(" .type =", py.FailureType(reason))
	return nil, reactor.Stop()
}
