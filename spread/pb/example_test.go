package pb_test

import (
	"fmt"
	"net"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// Echoer is the root object the example server publishes.
type Echoer struct{ pb.Root }

// RemoteEcho runs for callRemote("echo", st).
func (e *Echoer) RemoteEcho(st string) string {
	fmt.Println("echoing:", st)
	return st
}

// RemoteFail returns an expected error (a pb.Error).
func (e *Echoer) RemoteFail() error { return pb.NewError("not today") }

// A server and a client on one reactor, talking over loopback TCP.
func Example() {
	r, _ := reactor.New()
	defer r.Close()
	port, _ := r.ListenTCP(0, pb.NewPBServerFactory(&Echoer{}), reactor.Interface("127.0.0.1"))

	factory := pb.NewPBClientFactory()
	r.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, factory)
	done := factory.GetRootObject().AddCallback(func(root any) (any, error) {
		return root.(*pb.RemoteReference).CallRemote("echo", "hello network"), nil
	}).AddCallback(func(echo any) (any, error) {
		fmt.Println("got echo:", echo)
		factory.Disconnect()
		return port.StopListening(), nil
	})
	r.RunUntil(done)
	// Output:
	// echoing: hello network
	// got echo: hello network
}

// Calls read top to bottom in an Inline body; a remote pb.Error is trapped by its class.
func ExampleRemoteReference_CallRemote() {
	r, _ := reactor.New()
	defer r.Close()
	port, _ := r.ListenTCP(0, pb.NewPBServerFactory(&Echoer{}), reactor.Interface("127.0.0.1"))
	factory := pb.NewPBClientFactory()
	r.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, factory)

	done := deferred.Inline(func(c *deferred.Co) (any, error) {
		root, err := deferred.Await[*pb.RemoteReference](c, factory.GetRootObject())
		if err != nil {
			return nil, err
		}
		echo, err := deferred.Await[string](c, root.CallRemote("echo", "hi"))
		fmt.Println(echo, err)
		_, err = c.Await(root.CallRemote("fail"))
		f := err.(*failure.Failure)
		if f.Trap(failure.Type[pb.Error]()) == nil {
			fmt.Println("trapped pb.Error:", f.ErrorMessage())
		}
		factory.Disconnect()
		return c.Await(port.StopListening())
	})
	r.RunUntil(done)
	// Output:
	// echoing: hi
	// hi <nil>
	// trapped pb.Error: not today
}

// MethodName is the naming rule from Twisted's remote_ methods to Go methods.
func ExampleMethodName() {
	for _, name := range []string{"echo", "getTwo", "list_keys"} {
		goName, _ := pb.MethodName(pb.RemotePrefix, name)
		fmt.Println(name, "->", goName)
	}
	// Output:
	// echo -> RemoteEcho
	// getTwo -> RemoteGetTwo
	// list_keys -> RemoteListKeys
}
