// Command cache_receiver is cache_receiver.py from Twisted's "Passing Complex Types" howto
// in Go: a server on port 8800 that keeps cache_sender's pond as a SlaveDuckPond, a
// RemoteCache the sender's changes keep current.
//
// The Python file is an application configuration for twistd (twistd -ny
// cache_receiver.py); its Go port is a plain program that listens itself.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/cache_classes"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type Receiver struct {
	pb.Root
	pond *cache_classes.SlaveDuckPond
}

func (r *Receiver) RemoteTakePond(pond *cache_classes.SlaveDuckPond) {
	r.pond = pond
	fmt.Println("got pond:", py.Str(pond)) // a DuckPondCache
	r.RemoteCheckDucks()
}

func (r *Receiver) RemoteCheckDucks() {
	fmt.Println(fmt.Sprintf("[%d] ducks: ", r.pond.Count()), py.Str(r.pond.GetDucks()))
}

func (r *Receiver) RemoteIgnorePond() {
	// stop watching the pond
	fmt.Println("dropping pond")
	// Python: gc causes __del__ causes 'decache' msg causes stoppedObserving. Go's
	// collector is not that prompt, so Release sends the decache now.
	r.pond.Release()
	r.pond = nil
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
