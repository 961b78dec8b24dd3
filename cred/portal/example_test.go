package portal_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/failure"
)

// IGreeter is the interface the example's avatars provide.
type IGreeter interface{ Greet() string }

type greeter struct{ name string }

func (g *greeter) Greet() string { return "hello, " + g.name }

func (g *greeter) logout() { fmt.Println(g.name, "logged out") }

var iGreeter = reflect.TypeFor[IGreeter]()

// greeterRealm hands out one greeter per login.
type greeterRealm struct{}

func (greeterRealm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
	if !slices.Contains(ifaces, iGreeter) {
		return nil, errors.New("greeterRealm only hands out IGreeter")
	}
	name := id.String()
	if id.IsAnonymous() {
		name = "stranger"
	}
	g := &greeter{name}
	return portal.LoginResult{Interface: iGreeter, Avatar: g, Logout: g.logout}, nil
}

func ExamplePortal_Login() {
	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	checker.AddUser("alice", "secret")
	p := portal.NewPortal(greeterRealm{}, checker, checkers.AllowAnonymousAccess{})

	login := func(creds credentials.ICredentials) {
		p.Login(creds, nil, iGreeter).
			AddCallback(func(v any) (any, error) {
				r := v.(portal.LoginResult)
				fmt.Println(r.Avatar.(IGreeter).Greet())
				r.Logout()
				return nil, nil
			}).
			AddErrback(func(f *failure.Failure) (any, error) {
				if err := f.Trap(cred.ErrUnauthorizedLogin); err != nil {
					return nil, err
				}
				fmt.Println("login refused:", f.Error())
				return nil, nil
			})
	}
	login(credentials.NewUsernamePassword("alice", "secret"))
	login(credentials.NewUsernamePassword("alice", "guess"))
	login(credentials.Anonymous{})
	// Output:
	// hello, alice
	// alice logged out
	// login refused: cred: UnauthorizedLogin
	// hello, stranger
	// stranger logged out
}
