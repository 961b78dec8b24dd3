package checkers

import (
	"reflect"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/credentials"
	deferred "github.com/gotwisted/twisted/defer"
)

// BcryptHash is a HashFunc for FilePasswordDB files whose password field holds bcrypt
// hashes ("$2a$10$..." or "$2b$..."), such as those htpasswd -B writes:
//
//	checkers.NewFilePasswordDB("htpasswd", checkers.Hash(checkers.BcryptHash))
//
// It returns stored when the network password matches it and nil otherwise. Note that it
// runs bcrypt on the calling goroutine; see BcryptPasswordDB.DeferToThread for keeping that
// cost off a reactor.
func BcryptHash(username, networkPassword, stored []byte) []byte {
	if bcrypt.CompareHashAndPassword(stored, networkPassword) == nil {
		return stored
	}
	return nil
}

// BcryptPasswordDB keeps bcrypt password hashes in memory and checks IUsernamePassword
// credentials against them. It cannot check IUsernameHashedPassword credentials (and so
// cannot serve PB's challenge-response login, which needs the plaintext or MD5 password on
// the server): a one-way hash is the point.
//
// An unknown user costs the same bcrypt comparison as a known one, so response times do
// not reveal which names exist. It is safe for concurrent use.
type BcryptPasswordDB struct {
	// DeferToThread, if set, runs the bcrypt comparison off the calling goroutine: it must
	// call work on another goroutine and fire the returned Deferred with work's result back
	// on the reactor goroutine (a reactor's DeferToThread does exactly that). bcrypt takes
	// tens of milliseconds by design, which would otherwise stall a reactor. If nil, the
	// comparison runs synchronously inside RequestAvatarID.
	DeferToThread func(work func() (any, error)) *deferred.Deferred

	cost  int
	mu    sync.RWMutex
	users map[string][]byte
	dummy []byte // compared against for unknown users
}

// NewBcryptPasswordDB returns an empty database that hashes new passwords with cost (use
// bcrypt.DefaultCost unless you have measured; values outside bcrypt's range are raised
// or lowered into it).
func NewBcryptPasswordDB(cost int) *BcryptPasswordDB {
	cost = min(max(cost, bcrypt.MinCost), bcrypt.MaxCost)
	// A hash of a random-looking secret nobody can type, at the same cost, for unknown
	// users. GenerateFromPassword only fails for passwords over 72 bytes.
	dummy, _ := bcrypt.GenerateFromPassword([]byte("gotwisted: no such user"), cost)
	return &BcryptPasswordDB{cost: cost, users: make(map[string][]byte), dummy: dummy}
}

// AddUser hashes password and stores it for username. It fails if bcrypt refuses the
// password (longer than 72 bytes).
func (db *BcryptPasswordDB) AddUser(username, password string) error {
	h, err := bcrypt.GenerateFromPassword([]byte(password), db.cost)
	if err != nil {
		return err
	}
	db.mu.Lock()
	db.users[username] = h
	db.mu.Unlock()
	return nil
}

// SetHash stores an existing bcrypt hash for username, after checking that it is one.
func (db *BcryptPasswordDB) SetHash(username string, hash []byte) error {
	if _, err := bcrypt.Cost(hash); err != nil {
		return err
	}
	db.mu.Lock()
	db.users[username] = append([]byte(nil), hash...)
	db.mu.Unlock()
	return nil
}

// CredentialInterfaces returns IUsernamePassword.
func (db *BcryptPasswordDB) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{iUsernamePassword}
}

// RequestAvatarID compares the password with the stored hash and succeeds with the user
// name; unknown users and wrong passwords fail with *cred.UnauthorizedLogin.
func (db *BcryptPasswordDB) RequestAvatarID(creds credentials.ICredentials) *deferred.Deferred {
	up, ok := creds.(credentials.IUsernamePassword)
	if !ok {
		return unhandled(db, creds)
	}
	name := up.Username()
	db.mu.RLock()
	hash, known := db.users[string(name)]
	db.mu.RUnlock()
	if !known {
		hash = db.dummy
	}
	password := up.Password()
	work := func() (any, error) {
		good := bcrypt.CompareHashAndPassword(hash, password) == nil
		if !known || !good {
			return nil, &cred.UnauthorizedLogin{}
		}
		return cred.UserID(name), nil
	}
	if db.DeferToThread != nil {
		return db.DeferToThread(work)
	}
	return deferred.MaybeDeferred(work)
}
