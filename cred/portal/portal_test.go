package portal_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/internal/credtest"
	"github.com/gotwisted/twisted/cred/portal"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// ITestable is an interface for a theoretical protocol (test_cred.py's ITestable).
type ITestable interface{ Original() *TestAvatar }

var iTestable = reflect.TypeFor[ITestable]()

// TestAvatar records its logins and logouts.
type TestAvatar struct {
	Name                string
	LoggedIn, LoggedOut bool
}

func (a *TestAvatar) login(t *testing.T) {
	if a.LoggedIn {
		t.Errorf("avatar %q logged in twice", a.Name)
	}
	a.LoggedIn = true
}

func (a *TestAvatar) logout() { a.LoggedOut = true }

// Testable adapts a TestAvatar to ITestable, as test_cred.py's registered adapter does.
type Testable struct{ original *TestAvatar }

func (t *Testable) Original() *TestAvatar { return t.original }

// testRealm is test_cred.py's TestRealm: one avatar per ID, logged in on each request.
type testRealm struct {
	t       *testing.T
	avatars map[cred.AvatarID]*TestAvatar
}

func newTestRealm(t *testing.T) *testRealm {
	return &testRealm{t: t, avatars: map[cred.AvatarID]*TestAvatar{}}
}

func (r *testRealm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
	avatar, ok := r.avatars[id]
	if !ok {
		avatar = &TestAvatar{Name: id.String()}
		r.avatars[id] = avatar
	}
	avatar.login(r.t)
	return portal.LoginResult{Interface: ifaces[0], Avatar: &Testable{avatar}, Logout: avatar.logout}, nil
}

// IDerivedCredentials is a sub-interface of IUsernamePassword.
type IDerivedCredentials interface {
	credentials.IUsernamePassword
	Derived()
}

type DerivedCredentials struct {
	credentials.ImplementsUsernamePassword
	username, password []byte
}

func (c *DerivedCredentials) Username() []byte { return c.username }
func (c *DerivedCredentials) Password() []byte { return c.password }
func (c *DerivedCredentials) Derived()         {}
func (c *DerivedCredentials) CheckPassword(p []byte) (bool, error) {
	return string(p) == string(c.password), nil
}

var _ IDerivedCredentials = (*DerivedCredentials)(nil)

type credTests struct {
	realm   *testRealm
	portal  *portal.Portal
	checker *checkers.InMemoryUsernamePasswordDatabaseDontUse
}

func setUpCredTests(t *testing.T) *credTests {
	s := &credTests{realm: newTestRealm(t)}
	s.portal = portal.NewPortal(s.realm)
	s.checker = checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	s.checker.AddUser("bob", "hello")
	s.portal.RegisterChecker(s.checker)
	return s
}

// Ports test_cred.py CredTests.test_listCheckers.
func TestListCheckers(t *testing.T) {
	s := setUpCredTests(t)
	got := s.portal.ListCredentialsInterfaces()
	want := []reflect.Type{
		reflect.TypeFor[credentials.IUsernamePassword](),
		reflect.TypeFor[credentials.IUsernameHashedPassword](),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ListCredentialsInterfaces() = %v, want %v", got, want)
	}
}

func checkLogin(t *testing.T, d *deferred.Deferred) {
	t.Helper()
	login := credtest.SuccessResultOf(t, d).(portal.LoginResult)
	if login.Interface != iTestable {
		t.Fatalf("interface = %v, want ITestable", login.Interface)
	}
	impl, ok := login.Avatar.(ITestable)
	if !ok {
		t.Fatalf("%T does not implement ITestable", login.Avatar)
	}
	if !impl.Original().LoggedIn || impl.Original().LoggedOut {
		t.Fatalf("avatar state after login: %+v", impl.Original())
	}
	login.Logout()
	if !impl.Original().LoggedOut {
		t.Fatal("logout did not log the avatar out")
	}
}

// Ports test_cred.py CredTests.test_basicLogin.
func TestBasicLogin(t *testing.T) {
	s := setUpCredTests(t)
	checkLogin(t, s.portal.Login(credentials.NewUsernamePassword("bob", "hello"), s, iTestable))
	if a := s.realm.avatars[cred.UserID("bob")]; a == nil || a.Name != "bob" {
		t.Fatalf("realm avatars = %v", s.realm.avatars)
	}
}

// Ports test_cred.py CredTests.test_derivedInterface.
func TestDerivedInterface(t *testing.T) {
	s := setUpCredTests(t)
	creds := &DerivedCredentials{username: []byte("bob"), password: []byte("hello")}
	checkLogin(t, s.portal.Login(creds, s, iTestable))
}

// Ports test_cred.py CredTests.test_failedLoginPassword.
func TestFailedLoginPassword(t *testing.T) {
	s := setUpCredTests(t)
	f := credtest.FailureResultOf(t,
		s.portal.Login(credentials.NewUsernamePassword("bob", "h3llo"), s, iTestable))
	if _, ok := f.Value.(*cred.UnauthorizedLogin); !ok {
		t.Fatalf("failure type = %T, want *cred.UnauthorizedLogin", f.Value)
	}
}

// Ports test_cred.py CredTests.test_failedLoginName.
func TestFailedLoginName(t *testing.T) {
	s := setUpCredTests(t)
	f := credtest.FailureResultOf(t,
		s.portal.Login(credentials.NewUsernamePassword("jay", "hello"), s, iTestable))
	if _, ok := f.Value.(*cred.UnauthorizedLogin); !ok {
		t.Fatalf("failure type = %T, want *cred.UnauthorizedLogin", f.Value)
	}
}

// No checker for the credentials: UnhandledCredentials naming what they provide, in
// Twisted's words (pb-wire.md 4.7 quotes the message a PB client receives).
func TestLoginUnhandledCredentials(t *testing.T) {
	s := setUpCredTests(t)
	f := credtest.FailureResultOf(t, s.portal.Login(credentials.Anonymous{}, nil, iTestable),
		cred.ErrUnhandledCredentials)
	want := "No checker for twisted.cred.credentials.IAnonymous"
	if got := f.Value.(*cred.UnhandledCredentials).Message; got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
	f = credtest.FailureResultOf(t, s.portal.Login(42, nil, iTestable), cred.ErrUnhandledCredentials)
	if got := f.Value.(*cred.UnhandledCredentials).Message; got != "No checker for " {
		t.Fatalf("message = %q", got)
	}
	f = credtest.FailureResultOf(t, s.portal.Login(nil, nil, iTestable), cred.ErrUnhandledCredentials)
}

// Anonymous and password checkers on one portal (test_pb.py's
// test_anonymousLoginWithMultipleCheckers, without PB).
func TestAnonymousAndPasswordCheckers(t *testing.T) {
	s := setUpCredTests(t)
	s.portal.RegisterChecker(checkers.AllowAnonymousAccess{})
	login := credtest.SuccessResultOf(t, s.portal.Login(credentials.Anonymous{}, nil, iTestable)).(portal.LoginResult)
	if _, ok := s.realm.avatars[cred.AnonymousID]; !ok {
		t.Fatalf("realm was not asked for the anonymous avatar: %v", s.realm.avatars)
	}
	if login.Avatar.(ITestable).Original().Name != "<anonymous>" {
		t.Fatalf("anonymous avatar name %q", login.Avatar.(ITestable).Original().Name)
	}
	checkLogin(t, s.portal.Login(credentials.NewUsernamePassword("bob", "hello"), nil, iTestable))
}

// Re-registering an interface replaces its checker but keeps its place (Python dict
// semantics, core-semantics.md 5.1).
func TestRegisterCheckerReplacesInPlace(t *testing.T) {
	s := setUpCredTests(t)
	other := checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"carol": "fido"})
	s.portal.RegisterChecker(other, reflect.TypeFor[credentials.IUsernamePassword]())
	want := []reflect.Type{
		reflect.TypeFor[credentials.IUsernamePassword](),
		reflect.TypeFor[credentials.IUsernameHashedPassword](),
	}
	if got := s.portal.ListCredentialsInterfaces(); !reflect.DeepEqual(got, want) {
		t.Fatalf("interfaces = %v, want %v", got, want)
	}
	credtest.SuccessResultOf(t, s.portal.Login(credentials.NewUsernamePassword("carol", "fido"), nil, iTestable))
	credtest.FailureResultOf(t, s.portal.Login(credentials.NewUsernamePassword("bob", "hello"), nil, iTestable),
		cred.ErrUnauthorizedLogin)
	// Hashed credentials still go to the first checker.
	credtest.SuccessResultOf(t, s.portal.Login(credentials.NewUsernameHashedPassword("bob", "hello"), nil, iTestable))
}

// A checker that is registered only for IUsernameHashedPassword does not receive plaintext
// credentials: the two interfaces are siblings, as in Twisted.
func TestSiblingInterfacesAreDistinct(t *testing.T) {
	p := portal.NewPortal(newTestRealm(t))
	p.RegisterChecker(checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"bob": "hello"}),
		reflect.TypeFor[credentials.IUsernameHashedPassword]())
	f := credtest.FailureResultOf(t, p.Login(credentials.NewUsernamePassword("bob", "hello"), nil, iTestable),
		cred.ErrUnhandledCredentials)
	if want := "No checker for twisted.cred.credentials.IUsernamePassword"; f.Value.(*cred.UnhandledCredentials).Message != want {
		t.Fatalf("message %q", f.Value.(*cred.UnhandledCredentials).Message)
	}
}

type funcChecker func(creds credentials.ICredentials) *deferred.Deferred

func (f funcChecker) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[credentials.IUsernamePassword]()}
}
func (f funcChecker) RequestAvatarID(c credentials.ICredentials) *deferred.Deferred { return f(c) }

// A checker may answer later, and a realm may answer with a Deferred: the portal chains
// both (core-semantics.md 5.1 step 2).
func TestAsynchronousCheckerAndRealm(t *testing.T) {
	pendingID := deferred.New(nil)
	pendingAvatar := deferred.New(nil)
	var gotID cred.AvatarID
	var gotMind any
	realm := portal.RealmFunc(func(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
		gotID, gotMind = id, mind
		return pendingAvatar, nil
	})
	p := portal.NewPortal(realm, funcChecker(func(credentials.ICredentials) *deferred.Deferred { return pendingID }))
	d := p.Login(credentials.NewUsernamePassword("x", "y"), "BRAINS!", iTestable)
	if d.HasResult() {
		t.Fatal("login finished before the checker answered")
	}
	pendingID.Callback(cred.UserID("x"))
	if gotID != cred.UserID("x") || gotMind != "BRAINS!" {
		t.Fatalf("realm got %#v, %v", gotID, gotMind)
	}
	if d.HasResult() {
		t.Fatal("login finished before the realm answered")
	}
	avatar := &TestAvatar{Name: "x"}
	pendingAvatar.Callback(&portal.LoginResult{Interface: iTestable, Avatar: &Testable{avatar}})
	login := credtest.SuccessResultOf(t, d).(portal.LoginResult)
	if login.Avatar.(ITestable).Original() != avatar {
		t.Fatal("wrong avatar")
	}
	login.Logout() // nil Logout became a no-op
}

// Checkers and realms that misbehave fail the login; nothing panics and nobody gets in.
func TestMisbehavingCheckersAndRealms(t *testing.T) {
	good := portal.RealmFunc(func(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
		return portal.LoginResult{Interface: ifaces[0], Avatar: id}, nil
	})
	up := credentials.NewUsernamePassword("x", "y")
	cases := []struct {
		name    string
		checker funcChecker
		realm   portal.IRealm
		target  error
		want    string // in the failure's message
	}{
		{"checker returns nil Deferred", func(credentials.ICredentials) *deferred.Deferred { return nil }, good, nil, "returned a nil Deferred"},
		{"checker panics", func(credentials.ICredentials) *deferred.Deferred { panic("boom") }, good, failure.Type[*failure.PanicError](), "boom"},
		{"checker fires with bytes", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed([]byte("x")) }, good, cred.ErrUnauthorizedLogin, "returned []uint8, not a cred.AvatarID"},
		{"checker fires with the zero AvatarID", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed(cred.AvatarID{}) }, good, cred.ErrUnauthorizedLogin, "zero AvatarID"},
		{"checker fails with LoginDenied", func(credentials.ICredentials) *deferred.Deferred { return deferred.Fail(&cred.LoginDenied{}) }, good, cred.ErrLoginFailed, "LoginDenied"},
		{"realm errors", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed(cred.UserID("x")) },
			portal.RealmFunc(func(cred.AvatarID, any, ...reflect.Type) (any, error) {
				return nil, &cred.LoginDenied{Message: "quota"}
			}), cred.ErrLoginDenied, "quota"},
		{"realm panics", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed(cred.UserID("x")) },
			portal.RealmFunc(func(_ cred.AvatarID, _ any, ifaces ...reflect.Type) (any, error) { _ = ifaces[5]; return nil, nil }), failure.Type[*failure.PanicError](), "index out of range"},
		{"realm returns a string", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed(cred.UserID("x")) },
			portal.RealmFunc(func(cred.AvatarID, any, ...reflect.Type) (any, error) { return "avatar", nil }), nil, "returned string, not a portal.LoginResult"},
		{"realm's Deferred fires with nil", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed(cred.UserID("x")) },
			portal.RealmFunc(func(cred.AvatarID, any, ...reflect.Type) (any, error) { return deferred.Succeed(nil), nil }), nil, "returned <nil>, not a portal.LoginResult"},
		{"no realm", func(credentials.ICredentials) *deferred.Deferred { return deferred.Succeed(cred.UserID("x")) }, nil, nil, "no realm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := portal.NewPortal(c.realm, c.checker)
			var targets []error
			if c.target != nil {
				targets = append(targets, c.target)
			}
			f := credtest.FailureResultOf(t, p.Login(up, nil, iTestable), targets...)
			if !strings.Contains(f.Error(), c.want) {
				t.Fatalf("failure %q does not mention %q", f.Error(), c.want)
			}
		})
	}
}

// A realm error that is not a cred error arrives unchanged (Twisted: NotImplementedError).
func TestRealmErrorPassesThrough(t *testing.T) {
	errNotImplemented := errors.New("no interface")
	p := portal.NewPortal(portal.RealmFunc(func(cred.AvatarID, any, ...reflect.Type) (any, error) {
		return nil, errNotImplemented
	}), checkers.AllowAnonymousAccess{})
	credtest.FailureResultOf(t, p.Login(credentials.Anonymous{}, nil, iTestable), errNotImplemented)
}
