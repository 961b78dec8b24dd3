// Command simpleserv is Twisted's examples/simpleserv.py in Go: an echo server on port
// 8000, built on a ServerFactory.
package main

import (
	"log"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
)

// Echo is just about the simplest possible protocol.
type Echo struct{ protocol.Protocol }

// DataReceived writes back any data as soon as it is received.
func (e *Echo) DataReceived(data []byte) {
	e.Transport.Write(data)
}

// main runs the protocol on port 8000.
func main() {
	factory := &protocol.ServerFactory{}
	factory.Protocol = func() protocol.IProtocol { return &Echo{} }
	if _, err := reactor.ListenTCP(8000, factory); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
