// Command echoserv is Twisted's examples/echoserv.py in Go: the simplest server, which
// writes back whatever it receives, on port 8000.
//
// Run it, then talk to it with echoclient (or telnet localhost 8000).
package main

import (
	"log"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
)

// Protocol Implementation

// Echo is just about the simplest possible protocol.
type Echo struct{ protocol.Protocol }

// DataReceived writes back any data as soon as it is received.
func (e *Echo) DataReceived(data []byte) {
	e.Transport.Write(data)
}

func main() {
	f := &protocol.Factory{}
	f.Protocol = func() protocol.IProtocol { return &Echo{} }
	if _, err := reactor.ListenTCP(8000, f); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
