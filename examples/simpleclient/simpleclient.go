// Command simpleclient is Twisted's examples/simpleclient.py in Go: an example client. Run
// simpleserv first before running this.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
)

// EchoClient sends a message once connected, then prints the result.
type EchoClient struct{ protocol.Protocol }

func (c *EchoClient) ConnectionMade() {
	c.Transport.Write([]byte("hello, world!"))
}

// DataReceived prints what the server said and hangs up.
func (c *EchoClient) DataReceived(data []byte) {
	fmt.Println("Server said:", py.Repr(data))
	c.Transport.LoseConnection()
}

func (c *EchoClient) ConnectionLost(reason *failure.Failure) {
	fmt.Println("connection lost")
}

// EchoFactory builds EchoClients and stops the reactor when the connection ends.
type EchoFactory struct{ protocol.ClientFactory }

func NewEchoFactory() *EchoFactory {
	f := &EchoFactory{}
	f.Protocol = func() protocol.IProtocol { return &EchoClient{} }
	return f
}

func (f *EchoFactory) ClientConnectionFailed(c protocol.Connector, reason *failure.Failure) {
	fmt.Println("Connection failed - goodbye!")
	reactor.Stop()
}

func (f *EchoFactory) ClientConnectionLost(c protocol.Connector, reason *failure.Failure) {
	fmt.Println("Connection lost - goodbye!")
	reactor.Stop()
}

// this connects the protocol to a server running on port 8000
func main() {
	f := NewEchoFactory()
	reactor.ConnectTCP("localhost", 8000, f)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
