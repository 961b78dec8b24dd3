// Command pbecho is pbecho.py from twisted-doc's examples in Go: a PB server on port 8787
// (pb.portno) with one user, guest (password guest), whose perspective echoes text and
// raises a DefinedError on request. Run pbechoclient against it.
//
// The Python listing runs its main() from the pbecho module, so its classes are
// pbecho.SimplePerspective and pbecho.DefinedError; the Go types travel and print under
// those names.
package main

import (
	"errors"
	"fmt"
	"log"
	"reflect"
	"slices"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type DefinedError struct{ pb.ErrorBase }

func (DefinedError) RemoteType() string { return "pbecho.DefinedError" }

type SimplePerspective struct{ pb.Avatar }

func (p *SimplePerspective) PerspectiveEcho(text any) any {
	fmt.Println("echoing", py.Str(text))
	return text
}

func (p *SimplePerspective) PerspectiveError() error {
	return DefinedError{pb.NewError("exception!")}
}

func (p *SimplePerspective) logout() {
	fmt.Println(py.Str(p), "logged out")
}

func (p *SimplePerspective) PyRepr() string { return py.ObjectRepr("pbecho.SimplePerspective", p) }

type SimpleRealm struct{}

func (SimpleRealm) RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error) {
	if slices.Contains(interfaces, pb.IPerspective) {
		avatar := &SimplePerspective{}
		return portal.LoginResult{Interface: pb.IPerspective, Avatar: avatar, Logout: avatar.logout}, nil
	}
	return nil, errors.New("no interface")
}

func main() {
	p := portal.NewPortal(SimpleRealm{})
	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	checker.AddUser("guest", "guest")
	p.RegisterChecker(checker)
	if _, err := reactor.ListenTCP(pb.PortNo, pb.NewPBServerFactory(p)); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
