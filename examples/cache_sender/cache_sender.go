// Command cache_sender is cache_sender.py from Twisted's "Passing Complex Types" howto in
// Go: it sends a Cacheable duck pond to the server on port 8800 (cache_receiver), then
// changes the pond, and the server's cached copy follows.
package main

import (
	"log"
	"log/slog"
	"time"

	"github.com/gotwisted/twisted/examples/internal/cache_classes"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type Sender struct {
	pond   *cache_classes.MasterDuckPond
	remote *pb.RemoteReference
}

func (s *Sender) phase1(remote any) (any, error) {
	s.remote = remote.(*pb.RemoteReference)
	d := s.remote.CallRemote("takePond", s.pond)
	d.AddCallback(s.phase2).AddErrback(logErr)
	return nil, nil
}

func (s *Sender) phase2(response any) (any, error) {
	s.pond.AddDuck("ugly duckling")
	s.pond.Count()
	reactor.CallLater(1*time.Second, s.phase3)
	return nil, nil
}

func (s *Sender) phase3() {
	d := s.remote.CallRemote("checkDucks")
	d.AddCallback(s.phase4).AddErrback(logErr)
}

func (s *Sender) phase4(dummy any) (any, error) {
	s.pond.RemoveDuck("one duck")
	s.pond.Count()
	s.remote.CallRemote("checkDucks")
	d := s.remote.CallRemote("ignorePond")
	d.AddCallback(s.phase5)
	return nil, nil
}

func (s *Sender) phase5(dummy any) (any, error) {
	d := s.remote.CallRemote("shutdown")
	d.AddCallback(s.phase6)
	return nil, nil
}

func (s *Sender) phase6(dummy any) (any, error) {
	return nil, reactor.Stop()
}

// logErr is Twisted's log.err used as an errback: it logs the failure and handles it.
func logErr(f *failure.Failure) (any, error) {
	slog.Error("Unhandled Error", "failure", f)
	return nil, nil
}

func main() {
	master := cache_classes.NewMasterDuckPond([]string{"one duck", "two duck"})
	master.Count()

	sender := &Sender{pond: master}
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	deferred := factory.GetRootObject()
	deferred.AddCallback(sender.phase1)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
