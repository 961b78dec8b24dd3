// Command pbAnonServer is pbAnonServer.py from Twisted's PB authentication howto in Go:
// it runs on port 8800 a PB service which allows both anonymous and username/password
// based access.
//
// Successful username/password-based login requests are given an instance of MyPerspective
// with a name which matches the username with which they authenticated. Successful
// anonymous login requests are given an instance of MyPerspective with the name
// "Anonymous".
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"reflect"
	"slices"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/examples/internal/twlog"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// MyPerspective is a trivial avatar exposing a single remote method for demonstrative
// purposes. All successful login attempts in this example will result in an avatar which
// is an instance of this type.
//
// name is the username which was used during login (bytes) or "Anonymous" if the login
// was anonymous (a real service might want to avoid the collision this introduces between
// anonymous users and authenticated users named "Anonymous").
type MyPerspective struct {
	pb.Avatar
	name any
}

// PerspectiveFoo prints a simple message which gives the argument this method was called
// with and this avatar's name.
func (p *MyPerspective) PerspectiveFoo(arg any) {
	twlog.Msg(fmt.Sprintf("I am %s.  perspective_foo(%s) called on %s.", py.Str(p.name), py.Str(arg), py.Str(p)))
}

// MyRealm is a trivial realm which supports anonymous and named users by creating avatars
// which are instances of MyPerspective for either.
type MyRealm struct{}

func (MyRealm) RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error) {
	if !slices.Contains(interfaces, pb.IPerspective) {
		return nil, errors.New("MyRealm only handles IPerspective")
	}
	var name any = avatarID.Name()
	if avatarID.IsAnonymous() {
		name = "Anonymous"
	}
	return portal.LoginResult{Interface: pb.IPerspective, Avatar: &MyPerspective{name: name}, Logout: func() {}}, nil
}

// main creates a PB server using MyRealm and runs it on port 8800.
func main() {
	twlog.StartLogging(os.Stdout)

	p := portal.NewPortal(MyRealm{})

	// Here the username/password checker is registered.
	c1 := checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"user1": "pass1", "user2": "pass2"})
	p.RegisterChecker(c1)

	// Here the anonymous checker is registered.
	c2 := checkers.AllowAnonymousAccess{}
	p.RegisterChecker(c2)

	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(p)); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
	twlog.Msg("Main loop terminated.") // Twisted's reactor logs this as run() returns
}
