// Command pbsimple is Twisted's examples/pbsimple.py in Go: a Perspective Broker server on
// port 8789 whose root object echoes whatever it is sent. Run it, then pbsimpleclient (or
// Twisted's pbsimpleclient.py) against it.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// Echoer is the root object: callRemote("echo", x) runs RemoteEcho(x).
type Echoer struct{ pb.Root }

// RemoteEcho takes any value (st arrives as Python sent it: a str as a Go string, bytes as
// []byte) and sends it back unchanged.
func (e *Echoer) RemoteEcho(st any) any {
	fmt.Println("echoing:", py.Str(st))
	return st
}

func main() {
	if _, err := reactor.ListenTCP(8789, pb.NewPBServerFactory(&Echoer{})); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
