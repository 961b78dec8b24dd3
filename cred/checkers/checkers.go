// Package checkers holds credentials checkers: Twisted's twisted.cred.checkers. A checker
// turns credentials into an avatar ID, or fails with cred.UnauthorizedLogin.
//
//	checker := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
//	checker.AddUser("alice", "secret")
//	p := portal.NewPortal(realm, checker)
//
// The checkers here:
//
//   - AllowAnonymousAccess grants anonymous access (cred.AnonymousID) to IAnonymous
//     credentials.
//   - InMemoryUsernamePasswordDatabaseDontUse keeps plaintext passwords in memory: for
//     examples and tests.
//   - FilePasswordDB reads a text password file ("user:password" lines, or any delimiter and
//     field layout), with an optional hash function for passwords not stored in plaintext,
//     and an optional cache.
//   - BcryptPasswordDB keeps bcrypt hashes in memory; BcryptHash lets FilePasswordDB read
//     bcrypt password files.
//
// Checkers that keep plaintext (or password-equivalent) passwords can check both
// IUsernamePassword and IUsernameHashedPassword credentials; those that keep one-way hashes
// can check only IUsernamePassword. PB's challenge-response login needs the former.
//
// Every password comparison here takes constant time (cred.ConstantTimeEqual), and a wrong
// password fails exactly as an unknown user does.
package checkers

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/credentials"
	deferred "github.com/gotwisted/twisted/defer"
)

// ICredentialsChecker is Twisted's ICredentialsChecker.
//
// CredentialInterfaces lists the credentials interfaces the checker can check (types made
// with reflect.TypeFor[credentials.IUsernamePassword]() and the like); a portal registers
// the checker for each of them.
//
// RequestAvatarID validates credentials, which provide one of those interfaces, and returns
// a Deferred that fires with a cred.AvatarID, or fails with *cred.UnauthorizedLogin (or
// another error). The portal calls it from the goroutine that called Login and recovers a
// panic into a failure.
type ICredentialsChecker interface {
	CredentialInterfaces() []reflect.Type
	RequestAvatarID(creds credentials.ICredentials) *deferred.Deferred
}

// The credentials interfaces as reflect types, for CredentialInterfaces lists.
var (
	iUsernamePassword       = reflect.TypeFor[credentials.IUsernamePassword]()
	iUsernameHashedPassword = reflect.TypeFor[credentials.IUsernameHashedPassword]()
	iAnonymous              = reflect.TypeFor[credentials.IAnonymous]()
)

// passwordCredentials is what IUsernamePassword and IUsernameHashedPassword share.
type passwordCredentials interface {
	Username() []byte
	CheckPassword(password []byte) (bool, error)
}

// unauthorized is the failure for wrong passwords and unknown users alike.
func unauthorized() *deferred.Deferred { return deferred.Fail(&cred.UnauthorizedLogin{}) }

// unhandled is the failure for credentials a checker cannot use at all (Twisted would raise
// AttributeError while reading them).
func unhandled(checker any, creds any) *deferred.Deferred {
	return deferred.Fail(&cred.UnhandledCredentials{
		Message: fmt.Sprintf("%T cannot check credentials of type %T", checker, creds)})
}

// matched turns a CheckPassword outcome into the avatar ID or UnauthorizedLogin.
func matched(ok bool, err error, id cred.AvatarID) *deferred.Deferred {
	if err != nil {
		return deferred.Fail(err)
	}
	if !ok {
		return unauthorized()
	}
	return deferred.Succeed(id)
}

// AllowAnonymousAccess is a checker that grants anonymous access to anyone who asks for it
// with IAnonymous credentials (credentials.Anonymous{}).
type AllowAnonymousAccess struct{}

// CredentialInterfaces returns IAnonymous.
func (AllowAnonymousAccess) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{iAnonymous}
}

// RequestAvatarID succeeds with cred.AnonymousID.
func (AllowAnonymousAccess) RequestAvatarID(credentials.ICredentials) *deferred.Deferred {
	return deferred.Succeed(cred.AnonymousID)
}

// InMemoryUsernamePasswordDatabaseDontUse is Twisted's toy checker: plaintext passwords in
// a map. It is for examples and tests; use FilePasswordDB or BcryptPasswordDB otherwise. It
// is safe for concurrent use.
type InMemoryUsernamePasswordDatabaseDontUse struct {
	mu    sync.RWMutex
	users map[string][]byte
}

// NewInMemoryUsernamePasswordDatabaseDontUse returns a database seeded with the user →
// password maps given (Twisted's keyword arguments: user1="pass1"), if any:
//
//	checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"user1": "pass1"})
func NewInMemoryUsernamePasswordDatabaseDontUse(users ...map[string]string) *InMemoryUsernamePasswordDatabaseDontUse {
	db := &InMemoryUsernamePasswordDatabaseDontUse{users: make(map[string][]byte)}
	for _, m := range users {
		for u, p := range m {
			db.users[u] = []byte(p)
		}
	}
	return db
}

// AddUser sets username's password.
func (db *InMemoryUsernamePasswordDatabaseDontUse) AddUser(username, password string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.users == nil {
		db.users = make(map[string][]byte)
	}
	db.users[username] = []byte(password)
}

// CredentialInterfaces returns IUsernamePassword and IUsernameHashedPassword.
func (db *InMemoryUsernamePasswordDatabaseDontUse) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{iUsernamePassword, iUsernameHashedPassword}
}

// RequestAvatarID asks the credentials to check the stored password, and succeeds with the
// user name. Unknown users and wrong passwords fail with *cred.UnauthorizedLogin.
func (db *InMemoryUsernamePasswordDatabaseDontUse) RequestAvatarID(creds credentials.ICredentials) *deferred.Deferred {
	c, ok := creds.(passwordCredentials)
	if !ok {
		return unhandled(db, creds)
	}
	name := c.Username()
	db.mu.RLock()
	stored, known := db.users[string(name)]
	db.mu.RUnlock()
	if !known {
		return unauthorized()
	}
	ok, err := c.CheckPassword(stored)
	return matched(ok, err, cred.UserID(name))
}

// ErrNoSuchUser is returned by FilePasswordDB.GetUser for a user the file does not list
// (Twisted raises KeyError).
var ErrNoSuchUser = errors.New("checkers: no such user")
