package checkers_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/internal/credtest"
	deferred "github.com/gotwisted/twisted/defer"
)

// The checkers satisfy the interface the portal takes.
var (
	_ checkers.ICredentialsChecker = checkers.AllowAnonymousAccess{}
	_ checkers.ICredentialsChecker = (*checkers.InMemoryUsernamePasswordDatabaseDontUse)(nil)
	_ checkers.ICredentialsChecker = (*checkers.FilePasswordDB)(nil)
	_ checkers.ICredentialsChecker = (*checkers.BcryptPasswordDB)(nil)
)

// AllowAnonymousAccess checks IAnonymous and always succeeds with AnonymousID
// (core-semantics.md 5.3).
func TestAllowAnonymousAccess(t *testing.T) {
	c := checkers.AllowAnonymousAccess{}
	if got := c.CredentialInterfaces(); !reflect.DeepEqual(got, []reflect.Type{reflect.TypeFor[credentials.IAnonymous]()}) {
		t.Fatalf("interfaces %v", got)
	}
	id := credtest.SuccessResultOf(t, c.RequestAvatarID(credentials.Anonymous{})).(cred.AvatarID)
	if id != cred.AnonymousID || !id.IsAnonymous() || id.IsUser() {
		t.Fatalf("avatar ID %#v", id)
	}
}

// The in-memory database: keyword-style seeding, AddUser, both password interfaces,
// UnauthorizedLogin for unknown users and wrong passwords alike (test_cred.py CredTests).
func TestInMemoryUsernamePasswordDatabaseDontUse(t *testing.T) {
	db := checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"user1": "pass1"},
		map[string]string{"user2": "pass2"})
	db.AddUser("bob", "hello")
	want := []reflect.Type{reflect.TypeFor[credentials.IUsernamePassword](), reflect.TypeFor[credentials.IUsernameHashedPassword]()}
	if got := db.CredentialInterfaces(); !reflect.DeepEqual(got, want) {
		t.Fatalf("interfaces %v", got)
	}
	for _, up := range [][2]string{{"user1", "pass1"}, {"user2", "pass2"}, {"bob", "hello"}} {
		for _, c := range []credentials.ICredentials{
			credentials.NewUsernamePassword(up[0], up[1]),
			credentials.NewUsernameHashedPassword(up[0], up[1]),
		} {
			id := credtest.SuccessResultOf(t, db.RequestAvatarID(c)).(cred.AvatarID)
			if id != cred.UserID(up[0]) {
				t.Fatalf("%v: avatar ID %#v", c, id)
			}
		}
	}
	wrong := credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("bob", "h3llo")),
		cred.ErrUnauthorizedLogin)
	unknown := credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("jay", "hello")),
		cred.ErrUnauthorizedLogin)
	if wrong.Error() != unknown.Error() {
		t.Fatalf("a wrong password (%q) and an unknown user (%q) can be told apart", wrong, unknown)
	}
	// The zero value works too.
	var zero checkers.InMemoryUsernamePasswordDatabaseDontUse
	zero.AddUser("x", "y")
	credtest.SuccessResultOf(t, zero.RequestAvatarID(credentials.NewUsernamePassword("x", "y")))
}

// An empty user name and an empty password are ordinary values, never anonymous access.
func TestInMemoryEmptyNameIsNotAnonymous(t *testing.T) {
	db := checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"": ""})
	id := credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("", ""))).(cred.AvatarID)
	if !id.IsUser() || id.IsAnonymous() || id == cred.AnonymousID {
		t.Fatalf("avatar ID %#v", id)
	}
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("", "x")), cred.ErrUnauthorizedLogin)
}

type failingCreds struct {
	credentials.ImplementsUsernamePassword
}

var errBackend = errors.New("backend down")

func (failingCreds) Username() []byte                   { return []byte("bob") }
func (failingCreds) Password() []byte                   { return nil }
func (failingCreds) CheckPassword([]byte) (bool, error) { return false, errBackend }

// An error from the credentials' CheckPassword fails the request with that error.
func TestCheckPasswordError(t *testing.T) {
	db := checkers.NewInMemoryUsernamePasswordDatabaseDontUse(map[string]string{"bob": "x"})
	credtest.FailureResultOf(t, db.RequestAvatarID(failingCreds{}), errBackend)
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.Anonymous{}), cred.ErrUnhandledCredentials)
}

// AddUser and lookups from many goroutines at once (run with -race).
func TestInMemoryConcurrentUse(t *testing.T) {
	db := checkers.NewInMemoryUsernamePasswordDatabaseDontUse()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := string(rune('a' + i))
			db.AddUser(name, "pw")
			for range 100 {
				d := db.RequestAvatarID(credentials.NewUsernamePassword(name, "pw"))
				d.AddCallback(func(v any) (any, error) {
					if v.(cred.AvatarID) != cred.UserID(name) {
						return nil, errors.New("wrong id")
					}
					return nil, nil
				})
				if !d.HasResult() {
					panic("no result")
				}
			}
		}()
	}
	wg.Wait()
}

func TestBcryptPasswordDB(t *testing.T) {
	db := checkers.NewBcryptPasswordDB(bcrypt.MinCost)
	if err := db.AddUser("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	if got := db.CredentialInterfaces(); !reflect.DeepEqual(got, []reflect.Type{reflect.TypeFor[credentials.IUsernamePassword]()}) {
		t.Fatalf("interfaces %v", got)
	}
	id := credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "secret"))).(cred.AvatarID)
	if id != cred.UserID("alice") {
		t.Fatalf("avatar ID %#v", id)
	}
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "Secret")), cred.ErrUnauthorizedLogin)
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("mallory", "secret")), cred.ErrUnauthorizedLogin)
	// Hashed credentials cannot be checked against one-way hashes.
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernameHashedPassword("alice", "secret")), cred.ErrUnhandledCredentials)

	// An existing hash can be installed; garbage is refused.
	h, err := bcrypt.GenerateFromPassword([]byte("hunter2"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetHash("bob", h); err != nil {
		t.Fatal(err)
	}
	credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("bob", "hunter2")))
	if err := db.SetHash("carol", []byte("hunter2")); err == nil {
		t.Fatal("SetHash accepted a plaintext password")
	}
	if err := db.AddUser("dave", strings.Repeat("x", 73)); err == nil {
		t.Fatal("AddUser accepted a password bcrypt truncates")
	}
}

// DeferToThread receives the bcrypt work; here a fake runs it later, as a reactor would
// after its thread pool finished.
func TestBcryptPasswordDBDeferToThread(t *testing.T) {
	db := checkers.NewBcryptPasswordDB(bcrypt.MinCost)
	if err := db.AddUser("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	var queued []func()
	db.DeferToThread = func(work func() (any, error)) *deferred.Deferred {
		d := deferred.New(nil)
		queued = append(queued, func() {
			v, err := work()
			if err != nil {
				d.Errback(err)
				return
			}
			d.Callback(v)
		})
		return d
	}
	good := db.RequestAvatarID(credentials.NewUsernamePassword("alice", "secret"))
	bad := db.RequestAvatarID(credentials.NewUsernamePassword("nobody", "secret"))
	if good.HasResult() || bad.HasResult() || len(queued) != 2 {
		t.Fatal("the comparison ran on the calling goroutine")
	}
	for _, f := range queued {
		f()
	}
	credtest.SuccessResultOf(t, good)
	credtest.FailureResultOf(t, bad, cred.ErrUnauthorizedLogin)
}

// BcryptHash plugs bcrypt password files into FilePasswordDB.
func TestFilePasswordDBWithBcryptHash(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	db := checkers.NewFilePasswordDB(writeFile(t, "alice:"+string(h)+"\n"), checkers.Hash(checkers.BcryptHash))
	credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "secret")))
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "wrong")), cred.ErrUnauthorizedLogin)
}
