// Command copy2_sender is copy2_sender.py from Twisted's "Passing Complex Types" howto in
// Go: it sends a SenderPond, whose GetStateToCopy chooses what travels, to the server on
// port 8800 (copy2_receiver).
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/copy2_classes"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

type Sender struct {
	pond *copy2_classes.SenderPond
}

func (s *Sender) gotObj(obj any) (any, error) {
	d := obj.(*pb.RemoteReference).CallRemote("takePond", s.pond)
	d.AddCallback(s.ok).AddErrback(s.notOk)
	return nil, nil
}

func (s *Sender) ok(response any) (any, error) {
	fmt.Println("pond arrived", py.Str(response))
	return nil, reactor.Stop()
}

func (s *Sender) notOk(f *failure.Failure) (any, error) {
	fmt.Println("error during takePond:")
	if f.Check(jelly.InsecureJelly) != nil {
		fmt.Println(" InsecureJelly")
	} else {
		fmt.Println(py.Str(f))
	}
	return nil, reactor.Stop()
}

func main() {
	pond := copy2_classes.NewSenderPond(3, 4)
	fmt.Printf("count %d\n", pond.Count())

	sender := &Sender{pond: pond}
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	deferred := factory.GetRootObject()
	deferred.AddCallback(sender.gotObj)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
