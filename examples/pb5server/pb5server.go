// Command pb5server is pb5server.py from Twisted's PB authentication howto in Go: a portal
// with one user (user1, password pass1) whose realm gives each login a MyPerspective named
// after the user. It listens on port 8800; run pb5client against it.
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

type MyPerspective struct {
	pb.Avatar
	name []byte
}

func (p *MyPerspective) PerspectiveFoo(arg any) {
	fmt.Println("I am", py.Str(p.name), "perspective_foo(", py.Str(arg), ") called on", py.Str(p))
}

type MyRealm struct{}

func (MyRealm) RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error) {
	if !slices.Contains(interfaces, pb.IPerspective) {
		return nil, errors.New("NotImplementedError")
	}
	return portal.LoginResult{Interface: pb.IPerspective, Avatar: &MyPerspective{name: avatarID.Name()}, Logout: func() {}}, nil
}

func main() {
	p := portal.NewPortal(MyRealm{})
	p.RegisterChecker(checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"user1": "pass1"}))
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(p)); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
