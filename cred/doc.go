// Package cred is Twisted's pluggable authentication system (twisted.cred) for Go: a
// protocol asks a portal to log a user in, a checker decides who the user is, and a realm
// hands out the user's avatar, the object the protocol then works with.
//
// The pieces live in four packages, named after Twisted's modules, so a port reads like the
// original:
//
//	cred              errors (UnauthorizedLogin, ...), AvatarID, ConstantTimeEqual
//	cred/credentials  what users present: UsernamePassword, Anonymous, the I... interfaces
//	cred/checkers     who may log in: InMemoryUsernamePasswordDatabaseDontUse,
//	                  FilePasswordDB, BcryptPasswordDB, AllowAnonymousAccess
//	cred/portal       Portal, IRealm, LoginResult
//
// # A complete login
//
// The realm creates avatars. Here the avatar is a greeter that knows its user's name:
//
//	type IGreeter interface{ Greet() string }
//
//	type greeter struct{ name string }
//
//	func (g *greeter) Greet() string { return "hello, " + g.name }
//
//	var iGreeter = reflect.TypeFor[IGreeter]()
//
//	realm := portal.RealmFunc(func(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
//		if !slices.Contains(ifaces, iGreeter) {
//			return nil, errors.New("no supported interface")
//		}
//		return portal.LoginResult{Interface: iGreeter, Avatar: &greeter{id.String()}}, nil
//	})
//
// Deployment ties a realm to checkers:
//
//	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
//	checker.AddUser("alice", "secret")
//	p := portal.NewPortal(realm, checker)
//
// A protocol that wants a user logs in through the portal and gets a Deferred:
//
//	p.Login(credentials.NewUsernamePassword("alice", "secret"), nil, iGreeter).
//		AddCallback(func(v any) (any, error) {
//			login := v.(portal.LoginResult)
//			defer login.Logout()
//			fmt.Println(login.Avatar.(IGreeter).Greet()) // hello, alice
//			return nil, nil
//		}).
//		AddErrback(func(f *failure.Failure) (any, error) {
//			if err := f.Trap(cred.ErrUnauthorizedLogin); err != nil {
//				return nil, err
//			}
//			fmt.Println("wrong name or password")
//			return nil, nil
//		})
//
// # Errors
//
// Twisted's cred exceptions form a small hierarchy, reproduced with marker interfaces so
// that a failure can be trapped by its class or by a base class:
//
//	f.Trap(cred.ErrUnauthorizedLogin)       // exactly UnauthorizedLogin
//	f.Trap(cred.ErrLoginFailed)             // any LoginFailed: UnauthorizedLogin,
//	                                        // UnhandledCredentials, LoginDenied
//	f.Trap(failure.Type[cred.LoginFailed]()) // the same, by type token
//
// errors.Is and errors.As work the same way outside Deferreds.
//
// # Avatar IDs and anonymous access
//
// A checker's answer is a cred.AvatarID: cred.UserID(name) or cred.AnonymousID. The zero
// AvatarID is neither, and the portal refuses it, so a checker that forgets to set the ID
// cannot grant access; a user with an empty name is still a user and never anonymous.
// Twisted makes the anonymous ID the empty tuple for the same reason.
//
// # Concurrency
//
// Portals and the checkers here are safe for concurrent use. The Deferreds they return
// follow the deferred package's rule: they belong to the goroutine that asked (a reactor's).
//
// See docs/cred.md for the howto, and spread/pb for logging in over Perspective Broker.
package cred
