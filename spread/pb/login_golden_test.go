package pb

import (
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/trial"
)

// Golden session C (pb-wire.md 5.C): cred login with the challenge fixed to 10 11 ... 1f,
// replayed with Go as the server and as the client. The Go port of the probe's pbtypes.py
// login types follows.

var fixedChallenge = []byte{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}

// withFixedChallenge makes the server's challenges those of the golden session.
func withFixedChallenge(t testing.TB) {
	saved := challenge
	challenge = func() []byte { return slices.Clone(fixedChallenge) }
	t.Cleanup(func() { challenge = saved })
}

// gLoginAvatar is pbtypes.MyAvatar.
type gLoginAvatar struct {
	Avatar
	avatarID []byte
	logouts  *[]string
}

func (a *gLoginAvatar) PerspectiveWhoami() []byte       { return a.avatarID }
func (a *gLoginAvatar) PerspectiveGetView() *gLoginView { return &gLoginView{} }
func (a *gLoginAvatar) logout()                         { *a.logouts = append(*a.logouts, string(a.avatarID)) }

// gLoginView is pbtypes.MyViewable.
type gLoginView struct{ Viewable }

func (v *gLoginView) ViewWhoCalled(p *gLoginAvatar) []byte { return p.avatarID }

// gLoginRealm is pbtypes.Realm.
type gLoginRealm struct{ logouts []string }

func (r *gLoginRealm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
	if !slices.Contains(ifaces, IPerspective) {
		return nil, &cred.LoginDenied{Message: "IPerspective only"}
	}
	name := id.Name()
	if id.IsAnonymous() {
		name = []byte("<anonymous>")
	}
	// The Python realm keeps no reference to the mind, so CPython frees it and the server
	// decrefs it at once; Release is the Go spelling.
	if ref, ok := mind.(*RemoteReference); ok {
		ref.Release()
	}
	av := &gLoginAvatar{avatarID: name, logouts: &r.logouts}
	return portal.LoginResult{Interface: IPerspective, Avatar: av, Logout: av.logout}, nil
}

func goldenLoginPortal() (*portal.Portal, *gLoginRealm) {
	realm := &gLoginRealm{}
	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"alice": "secret"})
	return portal.NewPortal(realm, checker, checkers.AllowAnonymousAccess{}), realm
}

// Ports pb-wire.md 6.5 X10 for session C: Go plays the server of the golden login session;
// every message it sends matches Twisted's (the failure counter masked), including the
// UnauthorizedLogin failures and the decref of the anonymous login's mind. The logouts run
// when the client releases the avatar and when the connection is lost.
func TestGoldenLoginSessionServer(t *testing.T) {
	withFixedChallenge(t)
	sessionC := loadGolden(t)["C"]
	trial.Sync(t, func(tc *trial.T) {
		p, realm := goldenLoginPortal()
		b := NewPBServerFactory(p).BuildProtocol(nil).(*Broker)
		replay(tc, sessionC, b, "S->C", nil, nil)
		tc.Equal(realm.logouts, []string{"alice", "<anonymous>"})
		tc.Equal(len(tc.FlushLoggedErrors(cred.ErrUnauthorizedLogin)), 2)
	})
}

// Ports pb-wire.md 6.5 X10 for session C: Go plays the client, logging in as the Python
// client of capture_sessions.py does; its messages (responses to the challenge included)
// match Twisted's byte for byte.
func TestGoldenLoginSessionClient(t *testing.T) {
	sessionC := loadGolden(t)["C"]
	trial.Sync(t, func(tc *trial.T) {
		f, b := goldenClient()
		var done *deferred.Deferred
		replay(tc, sessionC, b, "C->S", func() { done = goldenLoginClient(tc, f) }, nil)
		tc.SuccessResultOf(done)
	})
}

func goldenLoginClient(tc *trial.T, f *PBClientFactory) *deferred.Deferred {
	return deferred.Inline(func(c *deferred.Co) (any, error) {
		avatar, err := deferred.Await[*RemoteReference](c, f.Login(credentials.NewUsernamePassword("alice", "secret"), nil))
		if err != nil {
			return nil, err
		}
		who, err := c.Await(avatar.CallRemote("whoami"))
		tc.Equal(who, []byte("alice"))
		view, err := deferred.Await[*RemoteReference](c, avatar.CallRemote("getView"))
		if err != nil {
			return nil, err
		}
		who, _ = c.Await(view.CallRemote("whoCalled"))
		tc.Equal(who, []byte("alice"))
		view.Release()

		for _, bad := range []*credentials.UsernamePassword{
			credentials.NewUsernamePassword("alice", "wrong"),
			credentials.NewUsernamePassword("bob", "x"),
		} {
			_, err := c.Await(f.Login(bad, nil))
			fl, _ := err.(*failure.Failure)
			tc.True(fl != nil && fl.Check(cred.ErrUnauthorizedLogin) != nil, "%v: %v", bad, err)
			tc.True(fl != nil && fl.Check(failure.Type[cred.LoginFailed]()) != nil, "%v: %v", bad, err)
			remote, ok := failure.As[*CopiedFailure](err)
			tc.True(ok && remote.Type == "twisted.cred.error.UnauthorizedLogin" && remote.Value == "",
				"%v: the CopiedFailure %#v", bad, remote)
		}

		anon, err := deferred.Await[*RemoteReference](c, f.Login(credentials.Anonymous{}, &gClientObj{}))
		if err != nil {
			return nil, err
		}
		who, _ = c.Await(anon.CallRemote("whoami"))
		tc.Equal(who, []byte("<anonymous>"))
		avatar.Release()
		runtime.KeepAlive(anon)
		return nil, nil
	})
}
