package pb

import (
	"reflect"
	"testing"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/trial"
)

type benchAvatar struct{ Avatar }

func (*benchAvatar) PerspectiveNothing() {}

// benchLoginPair connects a client and a server with a portal in memory.
func benchLoginPair(b *testing.B) (*PBClientFactory, *trial.IOPump) {
	realm := portal.RealmFunc(func(cred.AvatarID, any, ...reflect.Type) (any, error) {
		return portal.LoginResult{Interface: IPerspective, Avatar: &benchAvatar{}}, nil
	})
	p := portal.NewPortal(realm, checkers.NewInMemoryUsernamePasswordDatabaseDontUse(
		map[string]string{"alice": "secret"}))
	cf := NewPBClientFactory()
	client := cf.BuildProtocol(nil).(*Broker)
	server := NewPBServerFactory(p).BuildProtocol(nil).(*Broker)
	pump := trial.Connect(server, client, true)
	return cf, pump
}

// BenchmarkPBLogin is one complete password login over PB in memory (no sockets): login,
// challenge, response, avatar, then the avatar released (logout), on one connection.
func BenchmarkPBLogin(b *testing.B) {
	cf, pump := benchLoginPair(b)
	creds := credentials.NewUsernamePassword("alice", "secret")
	b.ReportAllocs()
	for b.Loop() {
		var avatar *RemoteReference
		cf.Login(creds, nil).AddCallback(func(v any) (any, error) {
			avatar = v.(*RemoteReference)
			return nil, nil
		})
		pump.Flush()
		if avatar == nil {
			b.Fatal("login failed")
		}
		avatar.Release()
		pump.Flush()
	}
}

// BenchmarkPBLoginAnonymous is one anonymous login and logout.
func BenchmarkPBLoginAnonymous(b *testing.B) {
	cf, pump := benchLoginPair(b)
	pump.Server.(*Broker).LocalObjectForID("root").(*portalWrapper).portal.RegisterChecker(checkers.AllowAnonymousAccess{})
	b.ReportAllocs()
	for b.Loop() {
		var avatar *RemoteReference
		cf.Login(credentials.Anonymous{}, nil).AddCallback(func(v any) (any, error) {
			avatar = v.(*RemoteReference)
			return nil, nil
		})
		pump.Flush()
		if avatar == nil {
			b.Fatal("login failed")
		}
		avatar.Release()
		pump.Flush()
	}
}

// BenchmarkPBCallOnAvatar is one call to a perspective method of a logged-in avatar.
func BenchmarkPBCallOnAvatar(b *testing.B) {
	cf, pump := benchLoginPair(b)
	var avatar *RemoteReference
	cf.Login(credentials.NewUsernamePassword("alice", "secret"), nil).AddCallback(func(v any) (any, error) {
		avatar = v.(*RemoteReference)
		return nil, nil
	})
	pump.Flush()
	if avatar == nil {
		b.Fatal("login failed")
	}
	b.ReportAllocs()
	for b.Loop() {
		done := false
		avatar.CallRemote("nothing").AddCallback(func(any) (any, error) { done = true; return nil, nil })
		pump.Flush()
		if !done {
			b.Fatal("no answer")
		}
	}
}
