package protocol_test

import (
	"fmt"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

// Echo is Twisted's echoserv.py protocol.
type Echo struct{ protocol.Protocol }

func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }

// A factory builds one protocol per connection; here a StringTransport stands in for the
// connection, as in a unit test.
func ExampleFactory() {
	f := &protocol.Factory{}
	f.Protocol = func() protocol.IProtocol { return &Echo{} }

	p := f.BuildProtocol(nil)
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.DataReceived([]byte("hello"))
	fmt.Printf("%s\n", tr.Value())
	// Output: hello
}

func ExampleServerFromString() {
	ep, err := protocol.ServerFromString(nil, "tcp:8800:interface=127.0.0.1")
	if err != nil {
		fmt.Println(err)
		return
	}
	tcp := ep.(*protocol.TCP4ServerEndpoint)
	fmt.Println(tcp.Port, tcp.Interface, tcp.Backlog)

	_, err = protocol.ServerFromString(nil, "ftl:andromeda")
	fmt.Println(err)
	// Output:
	// 8800 127.0.0.1 50
	// Unknown endpoint type: 'ftl'
}

func ExampleClientFromString() {
	ep, _ := protocol.ClientFromString(nil, "tcp:example.com:80:timeout=7")
	tcp := ep.(*protocol.TCP4ClientEndpoint)
	fmt.Println(tcp.Host, tcp.Port, tcp.Timeout)
	// Output: example.com 80 7s
}

// Endpoints work on test doubles too: a MemoryReactor records the connection attempt, and
// the test plays the network's part.
func ExampleTCP4ClientEndpoint_Connect() {
	r := reactortest.NewMemoryReactor()
	ep := protocol.NewTCP4ClientEndpoint(r, "example.com", 80)
	d := ep.Connect(protocol.ForProtocol(func() protocol.IProtocol { return &Echo{} }))
	d.AddCallback(func(p any) (any, error) {
		fmt.Printf("connected: %T\n", p)
		return nil, nil
	})

	attempt := r.TCPClients[0]
	fmt.Println("connecting to", attempt.Host, attempt.Port)
	p := attempt.Factory.BuildProtocol(nil)
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	// Output:
	// connecting to example.com 80
	// connected: *protocol_test.Echo
}
