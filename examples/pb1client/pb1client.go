// Command pb1client is pb1client.py from Twisted's PB usage howto in Go: it gets the root
// object of the server on port 8800 (pb1server), asks it for a second object with
// getTwo, and calls three(12) on that one.
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
	def1 := factory.GetRootObject()
	def1.AddCallbacks(gotObj1, errObj1)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

func errObj1(reason *failure.Failure) (any, error) {
	fmt.Println("error getting first object", py.Str(reason))
	return nil, reactor.Stop()
}

func gotObj1(obj any) (any, error) {
	obj1 := obj.(*pb.RemoteReference)
	fmt.Println("got first object:", obj1)
	fmt.Println("asking it to getTwo")
	def2 := obj1.CallRemote("getTwo")
	def2.AddCallback(gotObj2)
	return nil, nil
}

func gotObj2(obj any) (any, error) {
	obj2 := obj.(*pb.RemoteReference)
	fmt.Println("got second object:", obj2)
	fmt.Println("telling it to do three(12)")
	obj2.CallRemote("three", 12)
	return nil, nil
}
