// Command pb3server is pb3server.py from Twisted's PB usage howto in Go: the client hands
// the server a reference to one of its own objects, and the server calls it back. It
// listens on port 8800; run pb3client against it.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type One struct{ pb.Root }

func (o *One) RemoteTakeTwo(two *pb.RemoteReference) {
	fmt.Println("received a Two called", two)
	fmt.Println("telling it to print(12)")
	two.CallRemote("print", 12)
}

func main() {
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(&One{})); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
