// Package portal is the point where a protocol, a credentials checker and the application
// meet: Twisted's twisted.cred.portal.
//
// A Portal holds one realm and any number of checkers. Login finds the checker for the
// credentials offered, asks it for an avatar ID, and asks the realm for the avatar of that
// ID:
//
//	type Realm struct{}
//
//	func (Realm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
//		if !slices.Contains(ifaces, IMailbox) {
//			return nil, errors.New("no supported interface")
//		}
//		box := openMailbox(id.Name())
//		return portal.LoginResult{Interface: IMailbox, Avatar: box, Logout: box.Close}, nil
//	}
//
//	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
//	checker.AddUser("alice", "secret")
//	p := portal.NewPortal(Realm{}, checker)
//
//	p.Login(credentials.NewUsernamePassword("alice", "secret"), nil, IMailbox).
//		AddCallback(func(r any) (any, error) {
//			login := r.(portal.LoginResult) // Interface, Avatar, Logout
//			...
//		})
//
// Interfaces, for credentials and for avatars alike, are Go interface types given as
// reflect.Type values (reflect.TypeFor[pb.IPerspective]()), standing for Twisted's zope
// interfaces.
package portal

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	deferred "github.com/gotwisted/twisted/defer"
)

// IRealm connects the application's avatars ("business objects", one per user) to the
// authentication system: Twisted's IRealm.
//
// RequestAvatar is called only once the user is authenticated: avatarID is what the
// checker returned (a user name, or cred.AnonymousID). mind is whatever the protocol passed
// to Login (PB passes the client's RemoteReference, or nil). interfaces are the avatar
// interfaces the protocol can use, in order of preference.
//
// It returns a LoginResult whose Interface is one of interfaces and whose Avatar provides
// it, or a *deferred.Deferred that fires with one. By convention a realm that supports none
// of interfaces returns an error (Twisted raises NotImplementedError); a realm that refuses
// a good login returns a *cred.LoginDenied. A panic is recovered into a failed login.
type IRealm interface {
	RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error)
}

// RealmFunc adapts a function to IRealm, as http.HandlerFunc does for handlers.
type RealmFunc func(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error)

// RequestAvatar calls f.
func (f RealmFunc) RequestAvatar(avatarID cred.AvatarID, mind any, interfaces ...reflect.Type) (any, error) {
	return f(avatarID, mind, interfaces...)
}

// LoginResult is what a successful login gives: Twisted's (interface, avatar, logout)
// tuple.
type LoginResult struct {
	// Interface is the interface the avatar was requested as, one of those passed to Login.
	Interface reflect.Type
	// Avatar is the user's object; it provides Interface.
	Avatar any
	// Logout must be called once when the session ends (the connection drops, the user
	// logs out). Login replaces a nil Logout with a function that does nothing, so callers
	// can always call it.
	Logout func()
}

// Portal mediates between clients and a realm: Twisted's Portal. It is safe for
// concurrent use, but the Deferred Login returns belongs to the calling goroutine.
type Portal struct {
	// Realm receives the avatar requests of successful logins.
	Realm IRealm

	mu      sync.RWMutex
	entries []entry // in registration order, like Twisted's dict
}

type entry struct {
	iface   reflect.Type
	checker checkers.ICredentialsChecker
}

// NewPortal returns a portal to realm with checkers registered for their own credentials
// interfaces.
func NewPortal(realm IRealm, checkers ...checkers.ICredentialsChecker) *Portal {
	p := &Portal{Realm: realm}
	for _, c := range checkers {
		p.RegisterChecker(c)
	}
	return p
}

// RegisterChecker makes checker responsible for credentials providing each of
// credentialInterfaces, or, if none are given, each of checker.CredentialInterfaces().
// Registering an interface again replaces its checker and keeps its place in the order.
func (p *Portal) RegisterChecker(checker checkers.ICredentialsChecker, credentialInterfaces ...reflect.Type) {
	if len(credentialInterfaces) == 0 {
		credentialInterfaces = checker.CredentialInterfaces()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
next:
	for _, iface := range credentialInterfaces {
		if iface == nil {
			continue
		}
		for i := range p.entries {
			if p.entries[i].iface == iface {
				p.entries[i].checker = checker
				continue next
			}
		}
		p.entries = append(p.entries, entry{iface, checker})
	}
}

// ListCredentialsInterfaces returns the credentials interfaces that can be used to log in,
// in registration order.
func (p *Portal) ListCredentialsInterfaces() []reflect.Type {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]reflect.Type, len(p.entries))
	for i, e := range p.entries {
		out[i] = e.iface
	}
	return out
}

// checkerFor returns the checker of the first registered interface creds provides.
func (p *Portal) checkerFor(creds any) checkers.ICredentialsChecker {
	t := reflect.TypeOf(creds)
	if t == nil {
		return nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, e := range p.entries {
		if t.AssignableTo(e.iface) {
			return e.checker
		}
	}
	return nil
}

// Login authenticates creds and returns a Deferred that fires with the LoginResult the
// realm gives for the avatar ID, asking for one of interfaces. mind is handed to the realm
// untouched (it is often nil).
//
// The checker is the one registered for the first interface, in registration order, that
// creds provides; with none, Login fails with *cred.UnhandledCredentials ("No checker for
// ..." naming the interfaces creds provides). A checker's failure (normally
// *cred.UnauthorizedLogin) or a realm's error is the Deferred's failure. A checker that
// fires with anything but a user or anonymous cred.AvatarID fails the login with
// *cred.UnauthorizedLogin, so a buggy checker can never let someone in by accident.
//
// Login runs the checker, and the realm if the checker answers at once, before it returns.
func (p *Portal) Login(creds credentials.ICredentials, mind any, interfaces ...reflect.Type) *deferred.Deferred {
	checker := p.checkerFor(creds)
	if checker == nil {
		names := make([]string, 0, 4)
		for _, iface := range credentials.ProvidedBy(creds) {
			names = append(names, credentials.InterfaceName(iface))
		}
		return deferred.Fail(&cred.UnhandledCredentials{
			Message: "No checker for " + strings.Join(names, ", ")})
	}
	d := deferred.MaybeDeferred(func() (any, error) {
		d := checker.RequestAvatarID(creds)
		if d == nil {
			return nil, fmt.Errorf("portal: %T.RequestAvatarID returned a nil Deferred", checker)
		}
		return d, nil
	})
	realm := p.Realm
	return d.AddCallback(func(v any) (any, error) {
		id, ok := v.(cred.AvatarID)
		if !ok {
			return nil, &cred.UnauthorizedLogin{
				Message: fmt.Sprintf("checker %T returned %T, not a cred.AvatarID", checker, v)}
		}
		if id.IsZero() {
			return nil, &cred.UnauthorizedLogin{
				Message: fmt.Sprintf("checker %T returned the zero AvatarID", checker)}
		}
		if realm == nil {
			return nil, fmt.Errorf("portal: the portal has no realm")
		}
		r, err := realm.RequestAvatar(id, mind, interfaces...)
		if err != nil {
			return nil, err
		}
		if rd, ok := r.(*deferred.Deferred); ok && rd != nil {
			return rd.AddCallback(checkResult(realm)), nil
		}
		return checkResult(realm)(r)
	})
}

// checkResult makes sure a realm answered with a LoginResult.
func checkResult(realm IRealm) deferred.Callback {
	return func(v any) (any, error) {
		var r LoginResult
		switch x := v.(type) {
		case LoginResult:
			r = x
		case *LoginResult:
			if x == nil {
				return nil, fmt.Errorf("portal: realm %T returned a nil *LoginResult", realm)
			}
			r = *x
		default:
			return nil, fmt.Errorf("portal: realm %T returned %T, not a portal.LoginResult", realm, v)
		}
		if r.Logout == nil {
			r.Logout = func() {}
		}
		return r, nil
	}
}
