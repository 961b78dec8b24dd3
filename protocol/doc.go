// Package protocol is Twisted's twisted.internet.protocol and twisted.internet.endpoints in
// Go: the Protocol you embed to handle a connection, the Factory that builds one per
// connection, client factories (including ReconnectingClientFactory), endpoints and
// strports descriptions.
//
// # A server
//
// A protocol is a struct that embeds Protocol and overrides the event methods it cares
// about: ConnectionMade, DataReceived and ConnectionLost. Its Transport field talks back.
// This is Twisted's examples/echoserv.py:
//
//	type Echo struct{ protocol.Protocol }
//
//	func (e *Echo) DataReceived(data []byte) {
//		e.Transport.Write(data)
//	}
//
//	func main() {
//		f := &protocol.Factory{}
//		f.Protocol = func() protocol.IProtocol { return &Echo{} }
//		reactor.ListenTCP(8000, f)
//		reactor.Run()
//	}
//
// Factory.Protocol plays the part of Python's factory.protocol = Echo. Data passed to
// DataReceived is only valid during the call (the reactor reuses its read buffer): copy
// what you keep, or use a receiver from package basic, which does.
//
// # A client
//
// Client factories add StartedConnecting, ClientConnectionFailed and ClientConnectionLost;
// embed ClientFactory and override the ones you need. Twisted's examples/simpleclient.py:
//
//	type EchoClient struct{ protocol.Protocol }
//
//	func (c *EchoClient) ConnectionMade() { c.Transport.Write([]byte("hello, world!")) }
//
//	func (c *EchoClient) DataReceived(data []byte) {
//		fmt.Printf("Server said: %q\n", data)
//		c.Transport.LoseConnection()
//	}
//
//	type EchoFactory struct{ protocol.ClientFactory }
//
//	func (f *EchoFactory) ClientConnectionLost(c protocol.Connector, reason *failure.Failure) {
//		fmt.Println("Connection lost - goodbye!")
//		reactor.Stop()
//	}
//
//	func main() {
//		f := &EchoFactory{}
//		f.Protocol = func() protocol.IProtocol { return &EchoClient{} }
//		reactor.ConnectTCP("localhost", 8000, f)
//		reactor.Run()
//	}
//
// # Late binding
//
// Python's Protocol.makeConnection calls self.connectionMade(), which finds the subclass's
// method. Go's embedding does not do that: a method of the embedded Protocol only sees the
// Protocol. So the framework drives the lifecycle from the outside: transports call
// MakeConnection(p, t), which sets p's Transport and calls p's own ConnectionMade, and
// then call p.DataReceived and p.ConnectionLost on the outer value. Reusable parts that
// must call back into your type (LineReceiver and friends in package basic) hold a
// Handler field that you point at your protocol. The same goes for factories: the reactor
// calls the methods of the value you pass to ListenTCP or ConnectTCP, so overriding
// BuildProtocol or ClientConnectionLost in a type that embeds Factory works; to have
// BuildProtocol record your type (not the embedded Factory) as each protocol's Factory,
// call SetSelf.
//
// # Endpoints and strports
//
// An endpoint names where to listen or connect; Listen and Connect return Deferreds.
// ServerFromString and ClientFromString build endpoints from Twisted's description
// strings, so configuration reads the same as in Twisted:
//
//	ep, err := protocol.ServerFromString(reactor.Default(), "tcp:8800:interface=127.0.0.1")
//	...
//	ep.Listen(factory).AddCallback(func(port any) (any, error) {
//		fmt.Println("listening on", port.(reactor.ListeningPort).GetHost())
//		return nil, nil
//	})
//
// Endpoints take their reactor as a reactor.ReactorTCP or reactor.ReactorUNIX: a
// *reactor.Reactor, a test double such as reactortest.MemoryReactor, or nil for the
// default reactor.
//
// Like the reactor they run on, everything here belongs to the reactor goroutine.
package protocol
