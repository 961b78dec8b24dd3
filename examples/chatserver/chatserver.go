// Command chatserver is chatserver.py from Twisted's PB authentication howto in Go: users
// (alice, bob and carol) log in with their password and a client object (the mind), join
// groups through their avatar, and send to a group through the ViewPoint they get, which
// knows who is talking. It listens on port 8800; run chatclient against it.
package main

import (
	"errors"
	"fmt"
	"log"
	"reflect"
	"slices"
	"strings"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type ChatServer struct {
	groups map[string]*Group // indexed by name
}

func NewChatServer() *ChatServer { return &ChatServer{groups: map[string]*Group{}} }

func (s *ChatServer) joinGroup(groupname string, user *User, allowMattress bool) *Group {
	if _, ok := s.groups[groupname]; !ok {
		s.groups[groupname] = NewGroup(groupname, allowMattress)
	}
	s.groups[groupname].addUser(user)
	return s.groups[groupname]
}

type ChatRealm struct {
	server *ChatServer
}

func (r *ChatRealm) RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error) {
	if !slices.Contains(interfaces, pb.IPerspective) {
		return nil, errors.New("AssertionError")
	}
	avatar := &User{name: avatarID.Name()}
	avatar.server = r.server
	avatar.attached(mind)
	return portal.LoginResult{Interface: pb.IPerspective, Avatar: avatar,
		Logout: func() { avatar.detached(mind) }}, nil
}

type User struct {
	pb.Avatar
	name   []byte
	server *ChatServer
	remote *pb.RemoteReference
}

func (u *User) attached(mind any) {
	u.remote, _ = mind.(*pb.RemoteReference)
}

func (u *User) detached(mind any) {
	u.remote = nil
}

// PerspectiveJoinGroup is perspective_joinGroup(groupname, allowMattress=True): the
// optional argument is Go's variadic tail.
func (u *User) PerspectiveJoinGroup(groupname string, allowMattress ...bool) *Group {
	allow := true
	if len(allowMattress) > 0 {
		allow = allowMattress[0]
	}
	return u.server.joinGroup(groupname, u, allow)
}

func (u *User) send(message string) {
	if u.remote != nil {
		u.remote.CallRemote("print", message)
	}
}

// ValueError travels as Python's ValueError.
type ValueError struct{ msg string }

func (e *ValueError) Error() string    { return e.msg }
func (*ValueError) RemoteType() string { return "builtins.ValueError" }

type Group struct {
	pb.Viewable
	name          string
	allowMattress bool
	users         []*User
}

func NewGroup(groupname string, allowMattress bool) *Group {
	return &Group{name: groupname, allowMattress: allowMattress}
}

func (g *Group) addUser(user *User) {
	g.users = append(g.users, user)
}

func (g *Group) ViewSend(fromUser *User, message string) error {
	if !g.allowMattress && strings.Contains(message, "mattress") {
		return &ValueError{"Don't say that word"}
	}
	for _, user := range g.users {
		user.send(fmt.Sprintf("<%s> says: %s", py.Str(fromUser.name), message))
	}
	return nil
}

func main() {
	realm := &ChatRealm{}
	realm.server = NewChatServer()
	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	checker.AddUser("alice", "1234")
	checker.AddUser("bob", "secret")
	checker.AddUser("carol", "fido")
	p := portal.NewPortal(realm, checker)

	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(p)); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
