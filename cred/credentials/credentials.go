// Package credentials holds what a user presents to log in: Twisted's
// twisted.cred.credentials.
//
// A credentials interface (IUsernamePassword, IUsernameHashedPassword, IAnonymous) says
// what a checker can ask of the credentials; the portal picks the checker by the
// interfaces the credentials provide. The concrete types are the usual ones:
//
//	creds := credentials.NewUsernamePassword("alice", "secret") // IUsernamePassword
//	anon := credentials.Anonymous{}                              // IAnonymous
//
// # Declaring which interfaces a type provides
//
// Twisted declares interfaces explicitly (@implementer(IUsernamePassword)), and the
// sibling interfaces IUsernamePassword and IUsernameHashedPassword have the same methods
// but are different: a checker registered only for hashed passwords must not receive
// plaintext ones. Go interfaces are satisfied by method sets alone, so each credentials
// interface here carries an unexported marker method, and a type declares the interface by
// embedding the matching Implements type:
//
//	type TokenPassword struct {
//		credentials.ImplementsUsernamePassword // @implementer(IUsernamePassword)
//		user, token []byte
//	}
//
// A Go interface that embeds IUsernamePassword is a sub-interface, as in Twisted:
// credentials providing it are accepted wherever IUsernamePassword is registered.
//
// # Passwords stay out of logs
//
// The credentials types never print their passwords: String, GoString, Format and
// LogValue show the user name and "<password>" instead, whatever the verb or logger.
package credentials

import (
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync"

	"github.com/gotwisted/twisted/cred"
)

// ICredentials is what a portal accepts: any value that provides one of the credentials
// interfaces (Twisted's ICredentials is likewise only a common base).
type ICredentials = any

// IUsernamePassword is a user name and a plaintext password.
//
// CheckPassword compares the password with the correct plaintext one, as stored by the
// checker. A checker that stores passwords some other way may read Password and hash it
// itself.
type IUsernamePassword interface {
	Username() []byte
	Password() []byte
	CheckPassword(password []byte) (bool, error)
	providesUsernamePassword()
}

// IUsernameHashedPassword is a user name and a password hashed by the client in a way only
// the credentials know (PB's challenge-response is one). A checker for it must keep the
// plaintext password (or a password-equivalent hash) and let the credentials check it.
type IUsernameHashedPassword interface {
	Username() []byte
	CheckPassword(password []byte) (bool, error)
	providesUsernameHashedPassword()
}

// IAnonymous is an explicitly anonymous request for access; see
// checkers.AllowAnonymousAccess.
type IAnonymous interface {
	providesAnonymous()
}

// ImplementsUsernamePassword, embedded in a struct, declares that it provides
// IUsernamePassword (the struct must also have its methods).
type ImplementsUsernamePassword struct{}

func (ImplementsUsernamePassword) providesUsernamePassword() {}

// ImplementsUsernameHashedPassword, embedded in a struct, declares that it provides
// IUsernameHashedPassword.
type ImplementsUsernameHashedPassword struct{}

func (ImplementsUsernameHashedPassword) providesUsernameHashedPassword() {}

// ImplementsAnonymous, embedded in a struct, declares that it provides IAnonymous.
type ImplementsAnonymous struct{}

func (ImplementsAnonymous) providesAnonymous() {}

// UsernamePassword is Twisted's UsernamePassword: a user name and a plaintext password.
type UsernamePassword struct {
	ImplementsUsernamePassword
	username, password []byte
}

// NewUsernamePassword returns credentials for username and password (strings or byte
// slices; both are copied).
func NewUsernamePassword[T ~string | ~[]byte](username, password T) *UsernamePassword {
	return &UsernamePassword{username: []byte(username), password: []byte(password)}
}

// Username returns the user name. The caller must not modify it.
func (c *UsernamePassword) Username() []byte { return c.username }

// Password returns the plaintext password. The caller must not modify it.
func (c *UsernamePassword) Password() []byte { return c.password }

// CheckPassword reports whether password is this password, in constant time. It never
// fails.
func (c *UsernamePassword) CheckPassword(password []byte) (bool, error) {
	return cred.ConstantTimeEqual(c.password, password), nil
}

// String shows the user name, never the password. String, GoString, Format and LogValue
// have value receivers so that a copied UsernamePassword (a struct field, a slice element)
// hides its password too.
func (c UsernamePassword) String() string {
	return "UsernamePassword(" + strconv.Quote(string(c.username)) + ", <password>)"
}

// GoString shows the user name, never the password.
func (c UsernamePassword) GoString() string { return "&credentials." + c.String() }

// Format prints String for every verb (GoString for %#v), so no format leaks the password.
func (c UsernamePassword) Format(f fmt.State, verb rune) { format(f, verb, c) }

// LogValue logs the user name only.
func (c UsernamePassword) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", string(c.username)),
		slog.String("password", "<redacted>"))
}

// UsernameHashedPassword is a user name and a password in the same form the checker stores
// it (Twisted's UsernameHashedPassword, deprecated there since 21.2 because it is the same
// as UsernamePassword in every way that matters).
//
// Deprecated: use UsernamePassword.
type UsernameHashedPassword struct {
	ImplementsUsernameHashedPassword
	username, hashed []byte
}

// NewUsernameHashedPassword returns credentials for username and hashed (both copied).
//
// Deprecated: use NewUsernamePassword.
func NewUsernameHashedPassword[T ~string | ~[]byte](username, hashed T) *UsernameHashedPassword {
	return &UsernameHashedPassword{username: []byte(username), hashed: []byte(hashed)}
}

// Username returns the user name. The caller must not modify it.
func (c *UsernameHashedPassword) Username() []byte { return c.username }

// Hashed returns the hashed password. The caller must not modify it.
func (c *UsernameHashedPassword) Hashed() []byte { return c.hashed }

// CheckPassword reports whether password equals the hashed password, in constant time.
func (c *UsernameHashedPassword) CheckPassword(password []byte) (bool, error) {
	return cred.ConstantTimeEqual(c.hashed, password), nil
}

// String shows the user name, never the password.
func (c UsernameHashedPassword) String() string {
	return "UsernameHashedPassword(" + strconv.Quote(string(c.username)) + ", <password>)"
}

// GoString shows the user name, never the password.
func (c UsernameHashedPassword) GoString() string { return "&credentials." + c.String() }

// Format prints String for every verb (GoString for %#v).
func (c UsernameHashedPassword) Format(f fmt.State, verb rune) { format(f, verb, c) }

// LogValue logs the user name only.
func (c UsernameHashedPassword) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", string(c.username)),
		slog.String("password", "<redacted>"))
}

// Anonymous is an anonymous login request: credentials.Anonymous{}.
type Anonymous struct {
	ImplementsAnonymous
}

// String returns "Anonymous()".
func (Anonymous) String() string { return "Anonymous()" }

type secretStringer interface {
	fmt.Stringer
	fmt.GoStringer
}

func format(f fmt.State, verb rune, c secretStringer) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(c.String()))
		return
	}
	fmt.Fprint(f, c.String())
}

// The registry of credentials interfaces: the names Twisted gives them, in declaration
// order, so that a portal's "No checker for ..." message reads exactly as Twisted's.
var registry struct {
	sync.RWMutex
	ifaces []reflect.Type
	names  map[reflect.Type]string
}

// RegisterInterface records iface (a Go interface type, or a concrete credentials type)
// under its Twisted qualified name, such as "twisted.spread.pb.IUsernameMD5Password".
// ProvidedBy lists registered interfaces in registration order. Packages that define
// credentials interfaces call it from an init function; registering again renames.
func RegisterInterface(iface reflect.Type, qualifiedName string) {
	registry.Lock()
	defer registry.Unlock()
	if registry.names == nil {
		registry.names = make(map[reflect.Type]string)
	}
	if _, ok := registry.names[iface]; !ok {
		registry.ifaces = append(registry.ifaces, iface)
	}
	registry.names[iface] = qualifiedName
}

// InterfaceName returns the qualified name iface was registered under, or its Go name
// ("example.com/auth.ITokenCredentials") if it was never registered.
func InterfaceName(iface reflect.Type) string {
	if iface == nil {
		return "<nil>"
	}
	registry.RLock()
	name, ok := registry.names[iface]
	registry.RUnlock()
	if ok {
		return name
	}
	if iface.PkgPath() != "" {
		return iface.PkgPath() + "." + iface.Name()
	}
	return iface.String()
}

// ProvidedBy returns the registered credentials interfaces that creds provides, in
// registration order (Twisted's providedBy, limited to the interfaces this process knows
// by name).
func ProvidedBy(creds any) []reflect.Type {
	t := reflect.TypeOf(creds)
	if t == nil {
		return nil
	}
	registry.RLock()
	defer registry.RUnlock()
	var out []reflect.Type
	for _, iface := range registry.ifaces {
		if t.AssignableTo(iface) {
			out = append(out, iface)
		}
	}
	return out
}

func init() {
	RegisterInterface(reflect.TypeFor[IUsernameHashedPassword](),
		"twisted.cred.credentials.IUsernameHashedPassword")
	RegisterInterface(reflect.TypeFor[IUsernamePassword](),
		"twisted.cred.credentials.IUsernamePassword")
	RegisterInterface(reflect.TypeFor[IAnonymous](), "twisted.cred.credentials.IAnonymous")
}
