// Command pbsimpleclient is Twisted's examples/pbsimpleclient.py in Go: it connects to the
// PB server on port 8789 (pbsimple), calls echo on its root object and prints the answer,
// or the error.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

func main() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8789, factory)
	d := factory.GetRootObject()
	d.AddCallback(func(object any) (any, error) {
		return object.(*pb.RemoteReference).CallRemote("echo", "hello network"), nil
	})
	d.AddCallback(func(echo any) (any, error) { return "server echoed: " + echo.(string), nil })
	d.AddErrback(func(reason *failure.Failure) (any, error) { return "error: " + reason.Value.Error(), nil })
	d.AddCallback(printLine)
	d.AddCallback(func(any) (any, error) { return nil, reactor.Stop() })
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

// printLine is Twisted's util.println: it prints its argument as a line.
func printLine(line any) (any, error) {
	fmt.Println(line)
	return nil, nil
}
