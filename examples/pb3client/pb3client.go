// Command pb3client is pb3client.py from Twisted's PB usage howto in Go: it gives the
// server on port 8800 (pb3server) a reference to its own Two, which the server then calls.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type Two struct{ pb.Referenceable }

func (t *Two) RemotePrint(arg any) {
	fmt.Println("Two.print() called with", py.Str(arg))
}

func main() {
	two := &Two{}
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	def1 := factory.GetRootObject()
	def1.AddCallback(func(obj any) (any, error) { return gotObj(obj, two) }) // hands our 'two' to the callback
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

func gotObj(obj any, two *Two) (any, error) {
	fmt.Println("got One:", obj)
	fmt.Println("giving it our two")
	obj.(*pb.RemoteReference).CallRemote("takeTwo", two)
	return nil, nil
}
