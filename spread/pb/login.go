package pb

import (
	"fmt"
	"reflect"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Logging in over PB (Twisted's cred support in twisted.spread.pb).
//
// The server serves a cred portal instead of a root object:
//
//	p := portal.NewPortal(realm, checker)
//	reactor.ListenTCP(8800, pb.NewPBServerFactory(p))
//
// Each connection's root is then a login object: "login" starts a challenge-response for
// a username and "loginAnonymous" an anonymous login. The realm is asked for an
// IPerspective avatar, which the client receives as a RemoteReference; the client's calls
// on it run the avatar's PerspectiveXxx methods. The client logs in with its factory:
//
//	factory := pb.NewPBClientFactory()
//	reactor.ConnectTCP("localhost", 8800, factory)
//	factory.Login(credentials.NewUsernamePassword("user1", "pass1"), nil).
//		AddCallback(func(p any) (any, error) {
//			return p.(*pb.RemoteReference).CallRemote("foo", 12), nil
//		})
//
// On the wire (pb-wire.md section 4): the client sends root.login(username) and gets
// (challenge, challenger); it answers challenger.respond(MD5(MD5(password) ‖ challenge),
// mind) and gets the avatar. The password never crosses the wire.

// IPerspective is the avatar interface a PB server asks its realm for (Twisted's
// pb.IPerspective), as the reflect.Type that realms compare and return:
//
//	func (r *Realm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
//		if !slices.Contains(ifaces, pb.IPerspective) {
//			return nil, errors.New("no supported interface")
//		}
//		avatar := &MyPerspective{name: id.String()}
//		return portal.LoginResult{Interface: pb.IPerspective, Avatar: avatar, Logout: avatar.logout}, nil
//	}
//
// The Go interface behind it is Perspective. An avatar does not have to implement it: see
// Avatar.
var IPerspective = reflect.TypeFor[Perspective]()

// Perspective is implemented by avatars that handle their messages themselves (Twisted's
// IPerspective.perspectiveMessageReceived): PB hands over the method name and the still
// jellied arguments, and sends back what it returns, an s-expression made with
// b.Serialize or a Deferred that fires with one. Most avatars embed Avatar instead and
// let PB dispatch to their PerspectiveXxx methods.
type Perspective interface {
	PerspectiveMessageReceived(b *Broker, message string, netArgs, netKw any) (any, error)
}

// Avatar is Twisted's pb.Avatar. Embed it in the type a realm returns for IPerspective:
// the client's CallRemote("foo", args...) on the avatar then runs its method
// PerspectiveFoo(args...) (see MethodName), with the avatar as the perspective its
// arguments are received for and its results sent for. So a Viewable that a perspective
// method returns reaches the client as a ViewPoint bound to this avatar, and its ViewXxx
// methods receive the avatar as their first argument.
//
//	type MyPerspective struct {
//		pb.Avatar
//		name string
//	}
//
//	func (p *MyPerspective) PerspectiveFoo(arg int) { fmt.Println(p.name, "foo", arg) }
//
// Avatar holds nothing: the dispatch is done for any avatar that is not itself sent by
// reference or by copy. (A realm may instead return a Referenceable, such as a Root, as
// the avatar; it is then sent as it is, and calls go to its RemoteXxx methods, as in
// Twisted.) The avatar must be a pointer or another comparable value.
type Avatar struct{}

// challenge makes a login challenge; tests replace it to replay golden sessions.
var challenge = Challenge

func init() {
	rootAdapters = append(rootAdapters, func(root any) (IPBRoot, bool) {
		if p, ok := root.(*portal.Portal); ok && p != nil {
			return portalRoot{p}, true
		}
		return nil, false
	})
	// The challenger is both a Referenceable and the credentials, so a portal without a
	// suitable checker names IJellyable among what it got, exactly as Twisted does (in
	// Twisted's order).
	credentials.RegisterInterface(reflect.TypeFor[IUsernameMD5Password](),
		"twisted.spread.pb.IUsernameMD5Password")
	credentials.RegisterInterface(reflect.TypeFor[jelly.Jellyable](),
		"twisted.spread.interfaces.IJellyable")
}

// portalRoot is Twisted's _PortalRoot: NewPBServerFactory adapts a *portal.Portal to it,
// and it gives every connection its own login object.
type portalRoot struct{ portal *portal.Portal }

// RootObject returns the connection's login object (Twisted's _PortalWrapper).
func (r portalRoot) RootObject(b *Broker) any {
	return &portalWrapper{portal: r.portal, broker: b}
}

// portalWrapper is Twisted's _PortalWrapper, the root object of a server with a portal.
type portalWrapper struct {
	Referenceable
	portal *portal.Portal
	broker *Broker
}

// RemoteLogin starts a username/password login: it returns a fresh challenge and the
// challenger the client must answer.
func (w *portalWrapper) RemoteLogin(username any) jelly.Tuple {
	c := challenge()
	return jelly.Tuple{c, &portalAuthChallenger{portal: w.portal, broker: w.broker,
		username: username, challenge: c}}
}

// RemoteLoginAnonymous logs in with Anonymous credentials (the portal needs a checker
// for them, such as checkers.AllowAnonymousAccess) and returns the avatar.
func (w *portalWrapper) RemoteLoginAnonymous(mind any) *deferred.Deferred {
	return w.portal.Login(credentials.Anonymous{}, mind, IPerspective).
		AddCallback(func(v any) (any, error) { return exportAvatar(w.broker, v) })
}

// portalAuthChallenger is Twisted's _PortalAuthChallenger: the object a client answers a
// challenge through, and the credentials the portal checks, providing
// IUsernameHashedPassword and IUsernameMD5Password. A checker that keeps the plaintext
// password, or its MD5, can check them.
type portalAuthChallenger struct {
	Referenceable
	credentials.ImplementsUsernameHashedPassword
	ImplementsUsernameMD5Password
	portal    *portal.Portal
	broker    *Broker
	username  any // as the client sent it: bytes, normally
	challenge []byte
	response  []byte
}

// RemoteRespond checks the client's response to the challenge through the portal and
// returns the avatar. A response that is not a byte string never matches.
func (c *portalAuthChallenger) RemoteRespond(response any, mind any) *deferred.Deferred {
	// A copy per attempt, so that concurrent answers on one challenger do not mix.
	creds := &portalAuthChallenger{username: c.username, challenge: c.challenge}
	creds.response, _ = response.([]byte)
	if _, ok := c.username.([]byte); !ok {
		// Twisted's stock checkers key users by bytes, so a text username (a Python 3
		// client passing str) can never log in; say so instead of asking the portal.
		return deferred.Fail(&cred.UnauthorizedLogin{})
	}
	return c.portal.Login(creds, mind, IPerspective).
		AddCallback(func(v any) (any, error) { return exportAvatar(c.broker, v) })
}

// Username returns the username the client sent.
func (c *portalAuthChallenger) Username() []byte {
	u, _ := c.username.([]byte)
	return u
}

// CheckPassword reports whether the client's response was made from password.
func (c *portalAuthChallenger) CheckPassword(password []byte) (bool, error) {
	return (&challengeCredentials{challenge: c.challenge, response: c.response}).CheckPassword(password)
}

// CheckMD5Password reports whether the client's response was made from a password whose
// MD5 digest is md5Password.
func (c *portalAuthChallenger) CheckMD5Password(md5Password []byte) (bool, error) {
	return (&challengeCredentials{challenge: c.challenge, response: c.response}).CheckMD5Password(md5Password)
}

// String shows the username only.
func (c *portalAuthChallenger) String() string {
	return fmt.Sprintf("<pb challenger for %q>", c.Username())
}

// asReferenceable is Twisted's AsReferenceable(avatar, "perspective"): it carries an
// avatar that is not itself sent by reference, and hands the messages sent to it to the
// avatar's perspective methods.
type asReferenceable struct {
	Referenceable
	avatar any
}

// RemoteMessageReceived dispatches to the avatar: its own PerspectiveMessageReceived if it
// has one, else its PerspectiveXxx methods with itself as the perspective.
func (a *asReferenceable) RemoteMessageReceived(b *Broker, message string, netArgs, netKw any) (any, error) {
	if p, ok := a.avatar.(Perspective); ok {
		return p.PerspectiveMessageReceived(b, message, netArgs, netKw)
	}
	return b.Dispatch(a.avatar, PerspectivePrefix, []byte(message), a.avatar, nil, netArgs, netKw)
}

// sentAsIs reports whether an avatar travels as itself (a Referenceable, Viewable,
// Cacheable or other jellyable value, Twisted's IJellyable) rather than wrapped.
func sentAsIs(avatar any) bool {
	switch avatar.(type) {
	case jelly.Jellyable, jelly.ClassNamer:
		t := reflect.TypeOf(avatar)
		return t.Comparable() // the broker identifies exported objects by value
	}
	return false
}

// exportAvatar is Twisted's _JellyableAvatarMixin._cbLogin: it makes the avatar of a
// successful login sendable, and arranges for the realm's logout to run exactly once, when
// the client releases the avatar or the connection is lost, whichever comes first.
func exportAvatar(b *Broker, v any) (any, error) {
	r, ok := v.(portal.LoginResult)
	if !ok {
		return nil, fmt.Errorf("pb: portal login gave %T, not a portal.LoginResult", v)
	}
	if b.Disconnected() {
		// The client left while the checker or the realm was busy: nobody will ever
		// release this avatar, so end its session now.
		if r.Logout != nil {
			r.Logout()
		}
		return nil, &DeadReferenceError{ProtocolError{Message: "Calling Stale Broker"}}
	}
	exported := r.Avatar
	if !sentAsIs(exported) {
		exported = &asReferenceable{avatar: r.Avatar}
	}
	logout := r.Logout
	var notifier *Notifier
	maybeLogout := func(byDecref bool) {
		if logout == nil {
			return
		}
		fn := logout
		logout = nil // drop the realm's references with it (test_logoutLeak)
		if byDecref && notifier != nil {
			b.DontNotifyOnDisconnect(notifier)
		}
		notifier = nil
		fn()
	}
	b.SetLocalCleanup(exported, func() { maybeLogout(true) })
	notifier = b.NotifyOnDisconnect(func() { maybeLogout(false) })
	return exported, nil
}

// Login logs in to a PB server that serves a cred portal and returns a Deferred that fires
// with the avatar, a *RemoteReference whose CallRemote runs the avatar's perspective
// methods (Twisted's PBClientFactory.login). It works before or after the connection is
// made.
//
// creds is IUsernamePassword (credentials.NewUsernamePassword) or IAnonymous
// (credentials.Anonymous{}). A password login answers the server's challenge with
// MD5(MD5(password) ‖ challenge); the password itself is never sent. mind is handed to the
// server's realm, usually nil or a Referenceable through which the server calls the
// client back.
//
// Hold the avatar reference for as long as the session lasts: releasing it (Release, or
// the garbage collector) logs the user out on the server, as does disconnecting.
//
// A refused login fails with the server's error, trap-able by its cred class:
//
//	f.Trap(cred.ErrUnauthorizedLogin)       // wrong password or unknown user
//	f.Trap(failure.Type[cred.LoginFailed]()) // any cred login failure
//
// The failure's Value unwraps both to the cred error of the remote class
// (*cred.UnauthorizedLogin, *cred.UnhandledCredentials, *cred.LoginDenied, ...) and to the
// *CopiedFailure the server sent. A connection that cannot be made fails the Deferred with
// the connection error.
func (f *PBClientFactory) Login(creds credentials.ICredentials, mind any) *deferred.Deferred {
	var login func(root *RemoteReference) *deferred.Deferred
	switch c := creds.(type) {
	case credentials.IAnonymous:
		login = func(root *RemoteReference) *deferred.Deferred {
			return root.CallRemote("loginAnonymous", mind)
		}
	case credentials.IUsernamePassword:
		username, password := c.Username(), c.Password()
		login = func(root *RemoteReference) *deferred.Deferred {
			return root.CallRemote("login", username).AddCallback(func(v any) (any, error) {
				return respondToChallenge(v, password, mind)
			})
		}
	default:
		return deferred.Fail(&cred.UnhandledCredentials{Message: fmt.Sprintf(
			"PB login needs IUsernamePassword or IAnonymous credentials, not %T", creds)})
	}
	return f.GetRootObject().AddCallback(func(v any) (any, error) {
		root, ok := v.(*RemoteReference)
		if !ok {
			return nil, fmt.Errorf("pb: root object is %T, not a *RemoteReference", v)
		}
		return login(root), nil
	}).AddErrback(loginFailure)
}

// respondToChallenge answers the server's (challenge, challenger) and releases the
// challenger at once, as Twisted's client does.
func respondToChallenge(v any, password []byte, mind any) (any, error) {
	var pair []any
	switch t := v.(type) {
	case jelly.Tuple:
		pair = t
	case []any:
		pair = t
	}
	var c []byte
	var challenger *RemoteReference
	if len(pair) == 2 {
		c, _ = pair[0].([]byte)
		challenger, _ = pair[1].(*RemoteReference)
	}
	if c == nil || challenger == nil {
		return nil, &ProtocolError{Message: fmt.Sprintf(
			"login: the server answered %s, not (challenge bytes, challenger reference)", describeAnswer(v))}
	}
	d := challenger.CallRemote("respond", Respond(c, password), mind)
	challenger.Release()
	return d, nil
}

// describeAnswer names an unexpected login answer without dumping it.
func describeAnswer(v any) string {
	switch t := v.(type) {
	case jelly.Tuple:
		return fmt.Sprintf("a tuple of %d", len(t))
	case []any:
		return fmt.Sprintf("a list of %d", len(t))
	}
	return fmt.Sprintf("%T", v)
}

// remoteLoginError is how a login the server refused reaches a Go client: the failure as
// the server sent it, and the cred error of the same class, so both trap.
type remoteLoginError struct {
	remote *CopiedFailure
	err    error // *cred.UnauthorizedLogin, ...
}

func (e *remoteLoginError) Error() string { return e.err.Error() }

// Unwrap returns the cred error and the CopiedFailure, for errors.Is and errors.As.
func (e *remoteLoginError) Unwrap() []error { return []error{e.err, e.remote} }

// credClasses maps Twisted's cred exception classes to their Go errors, most derived
// first.
var credClasses = []struct {
	name string
	make func(msg string) error
}{
	{"twisted.cred.error.UnauthorizedLogin", func(m string) error { return &cred.UnauthorizedLogin{Message: m} }},
	{"twisted.cred.error.UnhandledCredentials", func(m string) error { return &cred.UnhandledCredentials{Message: m} }},
	{"twisted.cred.error.LoginDenied", func(m string) error { return &cred.LoginDenied{Message: m} }},
	{"twisted.cred.error.LoginFailed", func(m string) error { return &cred.LoginFailedError{Message: m} }},
	{"twisted.cred.error.Unauthorized", func(m string) error { return &cred.UnauthorizedError{Message: m} }},
}

// loginFailure gives a refused login's CopiedFailure its cred error (see Login).
func loginFailure(f *failure.Failure) (any, error) {
	remote, ok := f.Value.(*CopiedFailure)
	if !ok {
		return nil, f
	}
	for _, c := range credClasses {
		if remote.IsA(c.name) {
			nf := failure.New(&remoteLoginError{remote: remote, err: c.make(remote.Value)})
			nf.Count = f.Count
			return nil, nf
		}
	}
	return nil, f
}
