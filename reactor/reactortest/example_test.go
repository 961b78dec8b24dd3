package reactortest_test

import (
	"fmt"
	"time"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

type greeter struct{ protocol.Protocol }

func (g *greeter) ConnectionMade() { g.Transport.Write([]byte("hello")) }
func (g *greeter) DataReceived(data []byte) {
	if string(data) == "bye" {
		g.Transport.LoseConnection()
	}
}

func ExampleStringTransport() {
	tr := reactortest.NewStringTransport()
	g := &greeter{}
	protocol.MakeConnection(g, tr)
	fmt.Printf("wrote %q\n", tr.Value())
	g.DataReceived([]byte("bye"))
	fmt.Println("disconnecting:", tr.Disconnecting())
	// Output:
	// wrote "hello"
	// disconnecting: true
}

func ExampleMemoryReactor() {
	r := reactortest.NewMemoryReactor()
	f := protocol.ForProtocol(func() protocol.IProtocol { return &greeter{} })
	r.ListenTCP(8000, f, reactor.Interface("127.0.0.1"))
	r.ConnectTCP("example.com", 80, &protocol.ClientFactory{}, reactor.Timeout(5*time.Second))
	fmt.Printf("%+v\n", r.TCPServers[0].Interface)
	fmt.Println(r.TCPClients[0].Host, r.TCPClients[0].Port, r.TCPClients[0].Timeout)
	// Output:
	// 127.0.0.1
	// example.com 80 5s
}
