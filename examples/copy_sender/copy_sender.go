// Command copy_sender is copy_sender.py from Twisted's "Passing Complex Types" howto in Go:
// it sends a Copyable pond to the server on port 8800 (copy_receiver), which receives a
// copy of it as its own ReceiverPond.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

type LilyPond struct {
	Color    string // travels as "color"
	NumFrogs int    // travels as "numFrogs"
}

func (p *LilyPond) SetStuff(color string, numFrogs int) {
	p.Color = color
	p.NumFrogs = numFrogs
}

func (p *LilyPond) CountFrogs() {
	fmt.Printf("%d frogs\n", p.NumFrogs)
}

type CopyPond struct {
	LilyPond
	pb.Copyable
}

// JellyClassName is the class name on the wire: the Python class is copy_sender.CopyPond,
// not __main__.CopyPond, because main() imports it from the module copy_sender.
func (*CopyPond) JellyClassName() string { return "copy_sender.CopyPond" }

type Sender struct {
	pond   *CopyPond
	remote *pb.RemoteReference
}

func (s *Sender) gotObj(remote any) (any, error) {
	s.remote = remote.(*pb.RemoteReference)
	d := s.remote.CallRemote("takePond", s.pond)
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
	pond := &CopyPond{}
	pond.SetStuff("green", 7)
	pond.CountFrogs()
	// class name:
	fmt.Println(pond.JellyClassName())

	sender := &Sender{pond: pond}
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	deferred := factory.GetRootObject()
	deferred.AddCallback(sender.gotObj)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
