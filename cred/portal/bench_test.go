package portal_test

import (
	"reflect"
	"testing"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	"github.com/gotwisted/twisted/failure"
)

// BenchmarkPortalLogin measures one complete synchronous login: checker lookup, password
// comparison, realm, LoginResult.
func BenchmarkPortalLogin(b *testing.B) {
	realm := portal.RealmFunc(func(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
		return portal.LoginResult{Interface: ifaces[0], Avatar: id}, nil
	})
	p := portal.NewPortal(realm, checkers.AllowAnonymousAccess{},
		checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"alice": "secret"}))
	creds := credentials.NewUsernamePassword("alice", "secret")
	b.ReportAllocs()
	for b.Loop() {
		var ok bool
		p.Login(creds, nil, iTestable).AddCallback(func(v any) (any, error) {
			ok = v.(portal.LoginResult).Avatar == cred.UserID("alice")
			return nil, nil
		})
		if !ok {
			b.Fatal("login failed")
		}
	}
}

// BenchmarkPortalLoginFailed measures a refused login (wrong password).
func BenchmarkPortalLoginFailed(b *testing.B) {
	p := portal.NewPortal(portal.RealmFunc(func(cred.AvatarID, any, ...reflect.Type) (any, error) {
		b.Fatal("realm called")
		return nil, nil
	}), checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"alice": "secret"}))
	creds := credentials.NewUsernamePassword("alice", "wrong")
	b.ReportAllocs()
	for b.Loop() {
		p.Login(creds, nil, iTestable).AddErrback(func(f *failure.Failure) (any, error) { return nil, nil })
	}
}
