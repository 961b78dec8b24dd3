// Command pbbenchserver is pbbenchserver.py from twisted-doc's examples in Go: the server
// side of the PB benchmark. Each login (benchmark/benchmark) gets a perspective that counts
// the calls it receives and prints the count every second. It listens on port 8787; run
// pbbenchclient against it.
package main

import (
	"errors"
	"fmt"
	"log"
	"reflect"
	"slices"
	"time"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

type PBBenchPerspective struct {
	pb.Avatar
	callsPerSec int
}

func (p *PBBenchPerspective) PerspectiveSimple() any {
	p.callsPerSec = p.callsPerSec + 1
	return nil
}

func (p *PBBenchPerspective) printCallsPerSec() {
	fmt.Println("(s) cps:", p.callsPerSec)
	p.callsPerSec = 0
	reactor.CallLater(time.Second, p.printCallsPerSec)
}

func (p *PBBenchPerspective) PerspectiveComplexTypes() []any {
	return []any{"a", 1, 1, 1.0, []any{}, jelly.Tuple{}}
}

type SimpleRealm struct{}

func (SimpleRealm) RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error) {
	if slices.Contains(interfaces, pb.IPerspective) {
		p := &PBBenchPerspective{}
		p.printCallsPerSec()
		return portal.LoginResult{Interface: pb.IPerspective, Avatar: p, Logout: func() {}}, nil
	}
	return nil, errors.New("no interface")
}

func main() {
	p := portal.NewPortal(SimpleRealm{})
	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	checker.AddUser("benchmark", "benchmark")
	p.RegisterChecker(checker)
	if _, err := reactor.ListenTCP(8787, pb.NewPBServerFactory(p)); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
