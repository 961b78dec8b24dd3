// Command pb1server is pb1server.py from Twisted's PB usage howto in Go: a root object
// whose getTwo hands out a new Referenceable, which the client then calls. It listens on
// port 8800; run pb1client against it.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// Two travels by reference: the client receives a RemoteReference to it.
type Two struct{ pb.Referenceable }

func (t *Two) RemoteThree(arg any) {
	fmt.Println("Two.three was given", py.Str(arg))
}

type One struct{ pb.Root }

func (o *One) RemoteGetTwo() *Two {
	two := &Two{}
	fmt.Println("returning a Two called", py.Str(two))
	return two
}

func main() {
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(&One{})); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
