// Command pb5client is pb5client.py from Twisted's PB authentication howto in Go: it logs
// in to the server on port 8800 (pb5server) as user1 and calls foo(12) on its perspective.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

func main() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	def1 := factory.Login(credentials.NewUsernamePassword("user1", "pass1"), nil)
	def1.AddCallback(connected)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

// perspective is kept for as long as the program runs: dropping the last reference to the
// avatar logs it out on the server.
var perspective *pb.RemoteReference

func connected(p any) (any, error) {
	perspective = p.(*pb.RemoteReference)
	fmt.Println("got perspective ref:", py.Str(perspective))
	fmt.Println("asking it to foo(12)")
	perspective.CallRemote("foo", 12)
	return nil, nil
}
