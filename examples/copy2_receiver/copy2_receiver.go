// Command copy2_receiver is copy2_receiver.py from Twisted's "Passing Complex Types" howto
// in Go: a server on port 8800 that receives copy2_sender's SenderPond as a ReceiverPond
// (registered by the copy2_classes package).
//
// The Python file is an application configuration for twistd (twistd -ny
// copy2_receiver.py); its Go port is a plain program that listens itself.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/copy2_classes" // registers ReceiverPond with jelly
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type Receiver struct{ pb.Root }

func (r *Receiver) RemoteTakePond(pond *copy2_classes.ReceiverPond) string {
	fmt.Println(" got pond:", py.Str(pond))
	fmt.Printf(" count %d\n", pond.Count())
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
