// Command copy_receiver is copy_receiver.tac from Twisted's "Passing Complex Types" howto
// in Go: a server on port 8800 that receives copy_sender's CopyPond as a ReceiverPond.
//
// The .tac file is a Twisted application configuration that twistd runs; its Go port is a
// plain program that listens itself.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// LilyPond is copy_sender's (the .tac imports it from copy_sender.py; a Go program cannot
// import another program's package main, so it is repeated here).
type LilyPond struct {
	Color    string
	NumFrogs int
}

func (p *LilyPond) SetStuff(color string, numFrogs int) {
	p.Color = color
	p.NumFrogs = numFrogs
}

func (p *LilyPond) CountFrogs() {
	fmt.Printf("%d frogs\n", p.NumFrogs)
}

type ReceiverPond struct {
	pb.RemoteCopy
	LilyPond
}

// PyRepr prints the pond as the Python class defined in the .tac file prints: twistd runs
// the file in a namespace without a module name, so the class lives in builtins and its
// repr is <ReceiverPond object at 0x...>.
func (p *ReceiverPond) PyRepr() string { return py.ObjectRepr("ReceiverPond", p) }

func init() {
	pb.SetUnjellyableForClass("copy_sender.CopyPond", &ReceiverPond{})
}

type Receiver struct{ pb.Root }

func (r *Receiver) RemoteTakePond(pond *ReceiverPond) string {
	fmt.Println(" got pond:", py.Str(pond))
	pond.CountFrogs()
	return "safe and sound" // positive acknowledgement
}

func (r *Receiver) RemoteShutdown() {
	reactor.Stop()
}

func main() {
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(&Receiver{})); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
