// Command pb2client is pb2client.py from Twisted's PB usage howto in Go: it gets Two from
// the server on port 8800 (pb2server) and gives it back to One with checkTwo.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

func main() {
	foo := &Foo{}
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	factory.GetRootObject().AddCallback(foo.step1)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

// keeping globals around is starting to get ugly, so we use a simple struct instead.
// Instead of hooking one function to the next, we hook one method to the next.

type Foo struct {
	oneRef *pb.RemoteReference
}

func (f *Foo) step1(obj any) (any, error) {
	fmt.Println("got one object:", obj)
	f.oneRef = obj.(*pb.RemoteReference)
	fmt.Println("asking it to getTwo")
	f.oneRef.CallRemote("getTwo").AddCallback(f.step2)
	return nil, nil
}

func (f *Foo) step2(two any) (any, error) {
	fmt.Println("got two object:", two)
	fmt.Println("giving it back to one")
	fmt.Println("one is", f.oneRef)
	f.oneRef.CallRemote("checkTwo", two)
	return nil, nil
}
