// Command pb2server is pb2server.py from Twisted's PB usage howto in Go: the root object
// hands out the same Two every time, and checkTwo shows that a reference the client sends
// back arrives as that very object, not as a proxy. It listens on port 8800.
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
	fmt.Println("two.print was given", py.Str(arg))
}

type One struct {
	pb.Root // pb.Root needs no initialisation: its zero value is ready
	two     *Two
}

func (o *One) RemoteGetTwo() *Two {
	fmt.Println("One.getTwo(), returning my two called", py.Str(o.two))
	return o.two
}

func (o *One) RemoteCheckTwo(newtwo *Two) {
	fmt.Println("One.checkTwo(): comparing my two", py.Str(o.two))
	fmt.Println("One.checkTwo(): against your two", py.Str(newtwo))
	if o.two == newtwo {
		fmt.Println("One.checkTwo(): our twos are the same")
	}
}

func main() {
	two := &Two{}
	rootObj := &One{two: two}
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(rootObj)); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
