// Command echoclient is Twisted's examples/echoclient.py in Go: it sends three lines to
// the echo server on port 8000 (run echoserv first), prints the lines that come back, and
// exits when the connection closes.
package main

import (
	"bytes"
	"fmt"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

// EchoClient is a LineReceiver: it sends its lines and hangs up after the last echo.
type EchoClient struct {
	basic.LineReceiver
}

var end = []byte("Bye-bye!")

func NewEchoClient() *EchoClient {
	c := &EchoClient{}
	c.Handler = c
	return c
}

func (c *EchoClient) ConnectionMade() {
	c.SendLine([]byte("Hello, world!"))
	c.SendLine([]byte("What a fine day it is."))
	c.SendLine(end)
}

func (c *EchoClient) LineReceived(line []byte) {
	fmt.Println("receive:", py.Repr(line))
	if bytes.Equal(line, end) {
		c.Transport.LoseConnection()
	}
}

// EchoClientFactory fires done when the connection ends, or fails it if it cannot be made.
type EchoClientFactory struct {
	protocol.ClientFactory
	done *deferred.Deferred
}

func NewEchoClientFactory() *EchoClientFactory {
	f := &EchoClientFactory{done: deferred.New(nil)}
	f.Protocol = func() protocol.IProtocol { return NewEchoClient() }
	return f
}

func (f *EchoClientFactory) ClientConnectionFailed(c protocol.Connector, reason *failure.Failure) {
	fmt.Println("connection failed:", reason.ErrorMessage())
	f.done.Errback(reason)
}

func (f *EchoClientFactory) ClientConnectionLost(c protocol.Connector, reason *failure.Failure) {
	fmt.Println("connection lost:", reason.ErrorMessage())
	f.done.Callback(nil)
}

func main() {
	task.React(func(r *reactor.Reactor) *deferred.Deferred {
		factory := NewEchoClientFactory()
		r.ConnectTCP("localhost", 8000, factory)
		return factory.done
	})
}
