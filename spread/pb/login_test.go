package pb

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/trial"
)

// Ports of test_pb.py's NewCredTests, NSPTests and NewCredLeakTests, on trial's IOPump.

// loginMyPerspective is test_pb.py's MyPerspective.
type loginMyPerspective struct {
	Avatar
	avatarID            []byte
	loggedIn, loggedOut bool
}

func (p *loginMyPerspective) PerspectiveGetAvatarId() []byte        { return p.avatarID }
func (p *loginMyPerspective) PerspectiveGetViewPoint() *loginMyView { return &loginMyView{} }
func (p *loginMyPerspective) PerspectiveAdd(a, b int) int           { return a + b }
func (p *loginMyPerspective) logout()                               { p.loggedOut = true }

// loginMyView is test_pb.py's MyView.
type loginMyView struct{ Viewable }

func (v *loginMyView) ViewCheck(user any) bool {
	_, ok := user.(*loginMyPerspective)
	return ok
}

// loginAnonEchoer is test_pb.py's Echoer, the avatar of anonymous logins: a Root, sent as itself.
type loginAnonEchoer struct{ Root }

func (e *loginAnonEchoer) RemoteEcho(x any) any { return x }

// loginTestRealm is test_pb.py's TestRealm: it checks the mind and the interface, gives an
// loginAnonEchoer to anonymous logins and a fresh perspective (from perspectiveFactory) to others.
type loginTestRealm struct {
	tc                 *trial.T
	perspectiveFactory func(id []byte) any
	lastPerspective    any
	wantMind           any
}

func loginNewTestRealm(tc *trial.T) *loginTestRealm {
	return &loginTestRealm{tc: tc, wantMind: "BRAINS!", perspectiveFactory: func(id []byte) any {
		return &loginMyPerspective{avatarID: id}
	}}
}

func (r *loginTestRealm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
	r.tc.Equal(ifaces, []reflect.Type{IPerspective})
	r.tc.Equal(mind, r.wantMind)
	if id.IsAnonymous() {
		return portal.LoginResult{Interface: IPerspective, Avatar: &loginAnonEchoer{}}, nil
	}
	p := r.perspectiveFactory(id.Name())
	r.lastPerspective = p
	var logout func()
	if mp, ok := p.(*loginMyPerspective); ok {
		mp.loggedIn = true
		logout = mp.logout
	} else if l, ok := p.(interface{ logout() }); ok {
		logout = l.logout
	}
	return portal.LoginResult{Interface: IPerspective, Avatar: p, Logout: logout}, nil
}

// loginNewCredTests is NewCredTests.setUp: a portal with no checkers around a TestRealm.
type loginNewCredTests struct {
	realm         *loginTestRealm
	portal        *portal.Portal
	serverFactory *PBServerFactory
	clientFactory *PBClientFactory
	lastServer    *Broker
}

func loginSetUpNewCred(tc *trial.T) *loginNewCredTests {
	s := &loginNewCredTests{realm: loginNewTestRealm(tc)}
	s.portal = portal.NewPortal(s.realm)
	s.serverFactory = NewPBServerFactory(s.portal)
	s.clientFactory = NewPBClientFactory()
	return s
}

func (s *loginNewCredTests) establish(tc *trial.T) (client, server *Broker, pump *trial.IOPump) {
	c, sv, pump := trial.ConnectServerAndClient(tc, s.clientFactory, s.serverFactory)
	pump.ByteAtATime = false
	s.lastServer = sv.(*Broker)
	return c.(*Broker), sv.(*Broker), pump
}

func loginInMemory(users ...string) *checkers.InMemoryUsernamePasswordDatabaseDontUse {
	db := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	for i := 0; i+1 < len(users); i += 2 {
		db.AddUser(users[i], users[i+1])
	}
	return db
}

// Ports test_pb.py NewCredTests.test_loginConnectionRefused.
func TestLoginConnectionRefused(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := NewPBClientFactory()
		d := cf.Login(credentials.NewUsernamePassword("foo", "bar"), nil)
		refused := &reactor.ConnectionRefusedError{}
		cf.ClientConnectionFailed(nil, failure.New(refused))
		tc.FailureResultOf(d, failure.Type[*reactor.ConnectionRefusedError]())
	})
}

// Ports test_pb.py NewCredTests.test_loginLogout: login with IUsernamePassword works, and
// dropping the connection logs the avatar out.
func TestLoginLogout(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("user", "pass"), "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		avatar := tc.SuccessResultOf(d)
		_, ok := avatar.(*RemoteReference)
		tc.True(ok, "avatar is %T", avatar)
		p := s.realm.lastPerspective.(*loginMyPerspective)
		tc.True(p.loggedIn)
		tc.False(p.loggedOut)
		s.clientFactory.Disconnect()
		pump.Flush()
		tc.True(p.loggedOut, "connection lost without logout")
		runtime.KeepAlive(avatar)
	})
}

// Ports test_pb.py NewCredTests.test_logoutAfterDecref: releasing the last reference to
// the avatar logs it out, and the broker's cleanup table does not keep growing.
func TestLogoutAfterDecref(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		loggedOut := 0
		s.realm.perspectiveFactory = func([]byte) any { return &loginEventPerspective{out: &loggedOut} }
		s.portal.RegisterChecker(loginInMemory("foo", "bar"))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("foo", "bar"), "BRAINS!")
		_, server, pump := s.establish(tc)
		pump.Flush()
		avatar := tc.SuccessResultOf(d).(*RemoteReference)
		tc.Equal(loggedOut, 0)
		avatar.Release()
		pump.Flush()
		tc.Equal(loggedOut, 1)
		tc.Equal(len(server.localCleanup), 0)
		tc.Equal(len(server.disconnects), 0) // the disconnect notifier went with it
		tc.Equal(server.LocalCount(), 1)     // only the root is left
		s.clientFactory.Disconnect()
		pump.Flush()
		tc.Equal(loggedOut, 1) // at most once
	})
}

type loginEventPerspective struct {
	Avatar
	out *int
}

func (e *loginEventPerspective) logout() { *e.out++ }

// The avatar reference also dies with the garbage collector: Go's analogue of CPython
// freeing it in test_logoutAfterDecref.
func TestLogoutAfterGarbageCollection(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		loggedOut := 0
		s.realm.perspectiveFactory = func([]byte) any { return &loginEventPerspective{out: &loggedOut} }
		s.portal.RegisterChecker(loginInMemory("foo", "bar"))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("foo", "bar"), "BRAINS!")
		client, _, pump := s.establish(tc)
		pump.Flush()
		d.AddCallback(func(any) (any, error) { return nil, nil }) // drop the avatar
		for i := 0; i < 20 && loggedOut == 0; i++ {
			runtime.GC()
			client.FlushDecrefs()
			pump.Flush()
		}
		tc.Equal(loggedOut, 1)
	})
}

// Ports test_pb.py NewCredTests.test_concurrentLogin.
func TestConcurrentLogin(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(loginInMemory("foo", "bar", "baz", "quux"))
		first := s.clientFactory.Login(credentials.NewUsernamePassword("foo", "bar"), "BRAINS!")
		second := s.clientFactory.Login(credentials.NewUsernamePassword("baz", "quux"), "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		a1 := tc.SuccessResultOf(first).(*RemoteReference)
		a2 := tc.SuccessResultOf(second).(*RemoteReference)
		tc.False(a1.Equal(a2), "two logins share an avatar reference")
		id1, id2 := a1.CallRemote("getAvatarId"), a2.CallRemote("getAvatarId")
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(id1), []byte("foo"))
		tc.Equal(tc.SuccessResultOf(id2), []byte("baz"))
	})
}

// Ports test_pb.py NewCredTests.test_badUsernamePasswordLogin: an unknown user and a wrong
// password both fail with UnauthorizedLogin, which the server logs.
func TestBadUsernamePasswordLogin(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		first := s.clientFactory.Login(credentials.NewUsernamePassword("nosuchuser", "pass"), nil)
		second := s.clientFactory.Login(credentials.NewUsernamePassword("user", "wrongpass"), nil)
		_, _, pump := s.establish(tc)
		pump.Flush()
		for _, d := range []*deferred.Deferred{first, second} {
			f := tc.FailureResultOf(d, cred.ErrUnauthorizedLogin)
			tc.True(f.Check(failure.Type[*cred.UnauthorizedLogin]()) != nil, "by type token")
			tc.True(f.Check(failure.Type[cred.LoginFailed]()) != nil, "by base class")
			tc.True(f.Check(failure.Type[cred.Unauthorized]()) != nil, "by the other base class")
			tc.True(f.Check(cred.ErrUnhandledCredentials) == nil, "not UnhandledCredentials")
			remote, ok := failure.As[*CopiedFailure](f)
			tc.True(ok, "no CopiedFailure in %#v", f)
			tc.Equal(remote.Type, "twisted.cred.error.UnauthorizedLogin")
			tc.Equal(remote.Value, "")
		}
		tc.Equal(len(tc.FlushLoggedErrors(cred.ErrUnauthorizedLogin)), 2)
	})
}

// Ports test_pb.py NewCredTests.test_anonymousLogin.
func TestAnonymousLogin(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(checkers.AllowAnonymousAccess{})
		d := s.clientFactory.Login(credentials.Anonymous{}, "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		echo := tc.SuccessResultOf(d).(*RemoteReference).CallRemote("echo", 123)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(echo), int64(123))
	})
}

// Ports test_pb.py NewCredTests.test_anonymousLoginNotPermitted.
func TestAnonymousLoginNotPermitted(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		d := s.clientFactory.Login(credentials.Anonymous{}, "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		f := tc.FailureResultOf(d, cred.ErrUnhandledCredentials)
		tc.True(f.Check(failure.Type[cred.LoginFailed]()) != nil)
		var uc *cred.UnhandledCredentials
		tc.True(errors.As(f, &uc))
		tc.Equal(uc.Message, "No checker for twisted.cred.credentials.IAnonymous")
		tc.Equal(len(tc.FlushLoggedErrors(cred.ErrUnhandledCredentials)), 1)
	})
}

// Ports test_pb.py NewCredTests.test_anonymousLoginWithMultipleCheckers.
func TestAnonymousLoginWithMultipleCheckers(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(checkers.AllowAnonymousAccess{})
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		d := s.clientFactory.Login(credentials.Anonymous{}, "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		echo := tc.SuccessResultOf(d).(*RemoteReference).CallRemote("echo", 123)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(echo), int64(123))
	})
}

// Ports test_pb.py NewCredTests.test_authenticatedLoginWithMultipleCheckers.
func TestAuthenticatedLoginWithMultipleCheckers(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(checkers.AllowAnonymousAccess{})
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("user", "pass"), "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		add := tc.SuccessResultOf(d).(*RemoteReference).CallRemote("add", 100, 23)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(add), int64(123))
	})
}

// Ports test_pb.py NewCredTests.test_view: a Viewable returned by a perspective method
// sees the avatar as its caller.
func TestLoginView(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("user", "pass"), "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		vp := tc.SuccessResultOf(d).(*RemoteReference).CallRemote("getViewPoint")
		pump.Flush()
		check := tc.SuccessResultOf(vp).(*RemoteReference).CallRemote("check")
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(check), true)
	})
}

// loginNonSubclassingPerspective is test_pb.py's NonSubclassingPerspective: an IPerspective
// that handles its messages itself.
type loginNonSubclassingPerspective struct{ loggedOut bool }

func (p *loginNonSubclassingPerspective) PerspectiveMessageReceived(b *Broker, message string, netArgs, netKw any) (any, error) {
	args, err := b.Unserialize(netArgs, p)
	if err != nil {
		return nil, err
	}
	kw, err := b.Unserialize(netKw, p)
	if err != nil {
		return nil, err
	}
	return b.Serialize(jelly.Tuple{message, args, kw}, nil)
}

func (p *loginNonSubclassingPerspective) logout() { p.loggedOut = true }

// Ports test_pb.py NSPTests.test_NSP: an IPerspective that is not an Avatar gets the raw
// messages.
func TestNSP(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.realm.perspectiveFactory = func([]byte) any { return &loginNonSubclassingPerspective{} }
		s.portal.RegisterChecker(loginInMemory("user", "pass"))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("user", "pass"), "BRAINS!")
		_, _, pump := s.establish(tc)
		pump.Flush()
		got := tc.SuccessResultOf(d).(*RemoteReference).CallRemote("ANYTHING", "here", Kwargs{"bar": "baz"})
		pump.Flush()
		r := tc.SuccessResultOf(got).(jelly.Tuple)
		tc.Equal(r[0], "ANYTHING")
		tc.Equal(r[1], jelly.Tuple{"here"})
		kw := r[2].(*jelly.Dict)
		bar, _ := kw.Get("bar")
		tc.Equal(kw.Len(), 1)
		tc.Equal(bar, "baz")
	})
}

// loginSimpleRemote is a mind for test_logoutLeak.
type loginSimpleRemote struct{ Referenceable }

func (*loginSimpleRemote) RemoteCall(a, b int) int { return a + b }

// Ports test_pb.py NewCredLeakTests.test_logoutLeak: once the client is gone, nothing
// that outlives the connection (portal, realm, checker) keeps the mind, even if the realm's
// logout function holds it.
//
// Unlike the Python test, the brokers are dropped before looking: a Go broker's unjellier
// recycles storage for the values it decodes, so a live broker may still point at recent
// arguments until that storage is reused; the broker itself is what must not outlive the
// connection, and this test also checks that it does not (a collected RemoteReference's
// cleanup once held its broker, LOGIN_REQUESTS.md item 1).
func TestLogoutLeak(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		var mindRef weak.Pointer[RemoteReference]
		var serverRef weak.Pointer[Broker]
		loggedOut := 0
		realm := portal.RealmFunc(func(id cred.AvatarID, mind any, _ ...reflect.Type) (any, error) {
			ref := mind.(*RemoteReference)
			mindRef = weak.Make(ref)
			p := &loginEventPerspective{out: &loggedOut}
			return portal.LoginResult{Interface: IPerspective, Avatar: p, Logout: func() {
				_ = ref // the logout closure holds the mind, as LeakyRealm's lambda does
				p.logout()
			}}, nil
		})
		p := portal.NewPortal(realm, loginInMemory("guest", "guest"))
		sf := NewPBServerFactory(p)
		func() {
			client := NewPBClientFactory().BuildProtocol(nil).(*Broker)
			server := sf.BuildProtocol(nil).(*Broker)
			serverRef = weak.Make(server)
			pump := trial.Connect(server, client, true)
			root := client.RemoteForName("root")
			d := root.CallRemote("login", []byte("guest")).AddCallback(func(v any) (any, error) {
				t := v.(jelly.Tuple)
				return t[1].(*RemoteReference).CallRemote("respond", Respond(t[0].([]byte), []byte("guest")), &loginSimpleRemote{}), nil
			})
			pump.Flush()
			tc.SuccessResultOf(d)
			server.ConnectionLost(failure.New(errors.New("boom")))
			client.ConnectionLost(failure.New(errors.New("boom")))
		}()
		tc.Equal(loggedOut, 1)
		for i := 0; i < 5 && mindRef.Value() != nil; i++ {
			runtime.GC()
		}
		tc.True(serverRef.Value() == nil, "the server broker outlived its connection")
		tc.True(mindRef.Value() == nil, "something that outlives the connection holds the mind")
		runtime.KeepAlive(sf)
	})
}

// --- bad input

// A client that answers the challenge with garbage gets UnauthorizedLogin (or a clear
// argument error) for each attempt, and the connection keeps working.
func TestLoginGarbageResponses(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.realm.wantMind = nil
		s.portal.RegisterChecker(loginInMemory("alice", "secret"))
		client, _, pump := s.establish(tc)
		root := client.RemoteForName("root")
		challengeFor := func(username any) (c []byte, challenger *RemoteReference) {
			d := root.CallRemote("login", username)
			pump.Flush()
			t := tc.SuccessResultOf(d).(jelly.Tuple)
			return t[0].([]byte), t[1].(*RemoteReference)
		}
		for _, garbage := range []any{nil, 42, "text", []byte{}, []byte("short"), make([]byte, 16),
			make([]byte, 100000), []any{[]byte("x")}, jelly.DictOf("a", 1), true, 1.5} {
			_, challenger := challengeFor([]byte("alice"))
			d := challenger.CallRemote("respond", garbage, nil)
			pump.Flush()
			tc.FailureResultOf(d, cred.ErrUnauthorizedLogin)
			challenger.Release()
		}
		// Wrong argument counts are TypeErrors, as in Python.
		_, challenger := challengeFor([]byte("alice"))
		for _, args := range [][]any{{}, {[]byte("x")}, {[]byte("x"), nil, nil}} {
			d := challenger.CallRemote("respond", args...)
			pump.Flush()
			f := tc.FailureResultOf(d)
			tc.Equal(f.Value.(*CopiedFailure).Type, "builtins.TypeError")
		}
		// A text username (a Python 3 client passing str) never logs in.
		c, challenger := challengeFor("alice")
		d := challenger.CallRemote("respond", Respond(c, []byte("secret")), nil)
		pump.Flush()
		tc.FailureResultOf(d, cred.ErrUnauthorizedLogin)
		// Login with garbage usernames: a challenge comes back; the answers fail.
		for _, u := range []any{nil, 42, []any{1, 2}} {
			c, challenger := challengeFor(u)
			d := challenger.CallRemote("respond", Respond(c, []byte("secret")), nil)
			pump.Flush()
			tc.FailureResultOf(d, cred.ErrUnauthorizedLogin)
		}
		// The connection still works: log in properly.
		c, challenger = challengeFor([]byte("alice"))
		d = challenger.CallRemote("respond", Respond(c, []byte("secret")), nil)
		pump.Flush()
		_, ok := tc.SuccessResultOf(d).(*RemoteReference)
		tc.True(ok)
		tc.FlushLoggedErrors()
	})
}

// A client that asks for challenges and never answers holds at most MaxBrokerRefs
// challengers, as any PB client holds at most that many references; it is then told so
// and, insisting, disconnected. Other connections are not affected.
func TestLoginNeverAnswered(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.realm.wantMind = nil
		s.portal.RegisterChecker(loginInMemory("alice", "secret"))
		client, server, pump := s.establish(tc)
		root := client.RemoteForName("root")
		var refused int
		var held []*RemoteReference
		for i := 0; i < MaxBrokerRefs+10 && !server.Disconnected(); i++ {
			d := root.CallRemote("login", []byte("alice"))
			pump.Flush()
			d.AddCallbacks(func(v any) (any, error) {
				held = append(held, v.(jelly.Tuple)[1].(*RemoteReference))
				return nil, nil
			}, func(f *failure.Failure) (any, error) {
				refused++
				return nil, nil
			})
		}
		tc.True(server.LocalCount() <= MaxBrokerRefs+1, "server holds %d objects", server.LocalCount())
		tc.True(refused > 0, "no login was refused")
		tc.True(server.Disconnected(), "the greedy client was never dropped")
		tc.FlushLoggedErrors()

		// Meanwhile another client logs in as usual.
		other := NewPBClientFactory()
		d := other.Login(credentials.NewUsernamePassword("alice", "secret"), nil)
		_, _, pump2 := trial.ConnectServerAndClient(tc, other, s.serverFactory)
		pump2.ByteAtATime = false
		pump2.Flush()
		_, ok := tc.SuccessResultOf(d).(*RemoteReference)
		tc.True(ok)
		runtime.KeepAlive(held)
	})
}

// loginForbiddenMind is a Copyable class the server's security options do not allow.
type loginForbiddenMind struct {
	Copyable
	X int
}

func (*loginForbiddenMind) JellyClassName() string { return "evil.Mind" }

// A login whose mind the server will not unjelly fails clearly and logs nobody in; the
// connection stays up.
func TestLoginForbiddenMind(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.realm.wantMind = nil
		s.portal.RegisterChecker(checkers.AllowAnonymousAccess{})
		s.portal.RegisterChecker(loginInMemory("alice", "secret"))
		_, _, pump := s.establish(tc)
		for _, creds := range []credentials.ICredentials{
			credentials.NewUsernamePassword("alice", "secret"), credentials.Anonymous{},
		} {
			d := s.clientFactory.Login(creds, &loginForbiddenMind{X: 1})
			pump.Flush()
			f := tc.FailureResultOf(d)
			tc.In("evil.Mind", f.ErrorMessage())
			tc.True(s.realm.lastPerspective == nil, "the realm was asked for an avatar")
		}
		d := s.clientFactory.Login(credentials.NewUsernamePassword("alice", "secret"), nil)
		pump.Flush()
		_, ok := tc.SuccessResultOf(d).(*RemoteReference)
		tc.True(ok)
		tc.FlushLoggedErrors()
	})
}

// 1000 failed logins in a row on one connection: each fails clearly, the server's tables
// go back to where they were, nothing logged shows the password, and another client still
// logs in.
func TestThousandFailedLogins(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		const password = "correct-horse-battery"
		s := loginSetUpNewCred(tc)
		s.realm.wantMind = nil
		s.portal.RegisterChecker(loginInMemory("alice", password))
		_, server, pump := s.establish(tc)
		pump.Flush()
		baseLocals, baseNotifiers := server.LocalCount(), len(server.disconnects)
		failed := 0
		for i := range 1000 {
			guess := fmt.Sprintf("%s-%d", password, i)
			d := s.clientFactory.Login(credentials.NewUsernamePassword("alice", guess), nil)
			pump.Flush()
			tc.FailureResultOf(d, cred.ErrUnauthorizedLogin)
			failed++
		}
		tc.Equal(failed, 1000)
		tc.Equal(server.LocalCount(), baseLocals)
		tc.Equal(len(server.disconnects), baseNotifiers)
		tc.Equal(len(server.localCleanup), 0)
		tc.Equal(server.PendingCalls(), 0)
		logged := tc.FlushLoggedErrors(cred.ErrUnauthorizedLogin)
		tc.Equal(len(logged), 1000)
		for _, f := range logged {
			if text := f.Traceback() + fmt.Sprintf("%+v %#v", f, f); strings.Contains(text, password) {
				tc.Failf("a logged failure shows the password: %s", text)
			}
		}
		d := s.clientFactory.Login(credentials.NewUsernamePassword("alice", password), nil)
		pump.Flush()
		_, ok := tc.SuccessResultOf(d).(*RemoteReference)
		tc.True(ok)
	})
}

// A server that answers "login" with something other than (challenge, challenger) fails
// the login with a ProtocolError saying so; it does not crash the client.
func TestLoginHostileServer(t *testing.T) {
	for _, answer := range []any{nil, "nope", jelly.Tuple{}, jelly.Tuple{[]byte("c")},
		jelly.Tuple{"text challenge", &loginHostileRoot{}}, jelly.Tuple{[]byte("c"), 42}, []any{1, 2, 3}} {
		t.Run(fmt.Sprintf("%T", answer), func(t *testing.T) {
			trial.Sync(t, func(tc *trial.T) {
				cf := NewPBClientFactory()
				d := cf.Login(credentials.NewUsernamePassword("alice", "secret"), nil)
				_, _, pump := trial.ConnectServerAndClient(tc, cf, NewPBServerFactory(&loginHostileRoot{answer: answer}))
				pump.ByteAtATime = false
				pump.Flush()
				f := tc.FailureResultOf(d, failure.Type[*ProtocolError]())
				tc.In("not (challenge bytes, challenger reference)", f.ErrorMessage())
			})
		})
	}
}

type loginHostileRoot struct {
	Root
	answer any
}

func (h *loginHostileRoot) RemoteLogin(username []byte) any { return h.answer }

// Credentials that are neither a username/password nor anonymous are refused at once.
func TestLoginUnsupportedCredentials(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := NewPBClientFactory()
		f := tc.FailureResultOf(cf.Login(credentials.NewUsernameHashedPassword("a", "b"), nil), cred.ErrUnhandledCredentials)
		tc.In("IUsernamePassword or IAnonymous", f.ErrorMessage())
	})
}

// A portal whose checkers cannot check PB's challenge credentials (a bcrypt database needs
// the plaintext password) refuses with UnhandledCredentials naming what the challenger
// provides, in Twisted's words.
func TestLoginUnhandledChallenge(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.realm.wantMind = nil
		s.portal.RegisterChecker(checkers.NewBcryptPasswordDB(4))
		d := s.clientFactory.Login(credentials.NewUsernamePassword("alice", "secret"), nil)
		_, _, pump := s.establish(tc)
		pump.Flush()
		f := tc.FailureResultOf(d, cred.ErrUnhandledCredentials)
		var uc *cred.UnhandledCredentials
		tc.True(errors.As(f, &uc))
		tc.Equal(uc.Message, "No checker for twisted.cred.credentials.IUsernameHashedPassword, "+
			"twisted.spread.pb.IUsernameMD5Password, twisted.spread.interfaces.IJellyable")
		tc.FlushLoggedErrors()
	})
}

// A checker that keeps MD5 digests of passwords checks PB logins through
// IUsernameMD5Password, as pb-wire.md 4.3 describes.
type loginMd5Checker struct{ digests map[string][]byte }

func (c *loginMd5Checker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[IUsernameMD5Password]()}
}

func (c *loginMd5Checker) RequestAvatarID(creds credentials.ICredentials) *deferred.Deferred {
	m := creds.(IUsernameMD5Password)
	digest, ok := c.digests[string(m.Username())]
	if !ok {
		return deferred.Fail(&cred.UnauthorizedLogin{})
	}
	if good, _ := m.CheckMD5Password(digest); !good {
		return deferred.Fail(&cred.UnauthorizedLogin{})
	}
	return deferred.Succeed(cred.UserID(m.Username()))
}

func TestLoginMD5Checker(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		s := loginSetUpNewCred(tc)
		s.realm.wantMind = nil
		sum := [16]byte{0x5e, 0xbe, 0x22, 0x94, 0xec, 0xd0, 0xe0, 0xf0, 0x8e, 0xab, 0x76, 0x90, 0xd2, 0xa6, 0xee, 0x69} // MD5("secret")
		s.portal.RegisterChecker(&loginMd5Checker{digests: map[string][]byte{"alice": sum[:]}})
		good := s.clientFactory.Login(credentials.NewUsernamePassword("alice", "secret"), nil)
		bad := s.clientFactory.Login(credentials.NewUsernamePassword("alice", "Secret"), nil)
		_, _, pump := s.establish(tc)
		pump.Flush()
		_, ok := tc.SuccessResultOf(good).(*RemoteReference)
		tc.True(ok)
		tc.FailureResultOf(bad, cred.ErrUnauthorizedLogin)
		tc.FlushLoggedErrors()
	})
}

// The client disconnects while the checker is still working: when the checker finally
// answers, the realm's session is ended at once instead of leaking.
func TestLoginClientGoneBeforeChecker(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		pending := deferred.New(nil)
		loggedOut := 0
		realm := portal.RealmFunc(func(id cred.AvatarID, mind any, _ ...reflect.Type) (any, error) {
			return portal.LoginResult{Interface: IPerspective, Avatar: &loginMyPerspective{},
				Logout: func() { loggedOut++ }}, nil
		})
		p := portal.NewPortal(realm, loginSlowChecker{pending})
		cf := NewPBClientFactory()
		d := cf.Login(credentials.NewUsernamePassword("alice", "secret"), nil)
		_, _, pump := trial.ConnectServerAndClient(tc, cf, NewPBServerFactory(p))
		pump.ByteAtATime = false
		pump.Flush()
		tc.AssertNoResult(d)
		cf.Disconnect()
		pump.Flush()
		tc.FailureResultOf(d, failure.Type[*PBConnectionLost]())
		pending.Callback(cred.UserID("alice"))
		tc.Equal(loggedOut, 1)
		// The broker still tries to answer the departed client, and logs that.
		tc.FlushLoggedErrors(failure.Type[*DeadReferenceError]())
	})
}

type loginSlowChecker struct{ d *deferred.Deferred }

func (loginSlowChecker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[credentials.IUsernameHashedPassword]()}
}
func (c loginSlowChecker) RequestAvatarID(credentials.ICredentials) *deferred.Deferred { return c.d }
