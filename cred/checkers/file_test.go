package checkers_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/internal/credtest"
	"github.com/gotwisted/twisted/cred/portal"
	deferred "github.com/gotwisted/twisted/defer"
)

var onDiskUsers = [][2]string{{"user1", "pass1"}, {"user2", "pass2"}, {"user3", "pass3"}}

func writeFile(t *testing.T, lines ...string) string {
	t.Helper()
	fn := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(fn, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return fn
}

func onDiskFile(t *testing.T) string {
	var lines []string
	for _, up := range onDiskUsers {
		lines = append(lines, up[0]+":"+up[1]+"\n")
	}
	return writeFile(t, lines...)
}

// captureLog sends slog's default logger to a buffer for the test's duration.
func captureLog(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

// Ports test_cred.py OnDiskDatabaseTests.test_getUserNonexistentDatabase.
func TestGetUserNonexistentDatabase(t *testing.T) {
	logged := captureLog(t)
	for _, cache := range []bool{false, true} {
		db := checkers.NewFilePasswordDB(filepath.Join(t.TempDir(), "test_thisbetternoteverexist.db"),
			checkers.Cache(cache))
		_, _, err := db.GetUser([]byte("user"))
		if !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("cache=%v: GetUser error = %v, want UnauthorizedLogin", cache, err)
		}
		credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("user", "x")),
			cred.ErrUnauthorizedLogin)
	}
	if !strings.Contains(logged.String(), "Unable to load credentials db") ||
		!strings.Contains(logged.String(), "test_thisbetternoteverexist.db") {
		t.Fatalf("missing db not logged; log:\n%s", logged)
	}
}

// Ports test_cred.py OnDiskDatabaseTests.testUserLookup.
func TestUserLookup(t *testing.T) {
	db := checkers.NewFilePasswordDB(onDiskFile(t))
	for _, up := range onDiskUsers {
		if _, _, err := db.GetUser([]byte(strings.ToUpper(up[0]))); !errors.Is(err, checkers.ErrNoSuchUser) {
			t.Fatalf("GetUser(%q) error = %v, want ErrNoSuchUser", strings.ToUpper(up[0]), err)
		}
		u, p, err := db.GetUser([]byte(up[0]))
		if err != nil || string(u) != up[0] || string(p) != up[1] {
			t.Fatalf("GetUser(%q) = %q, %q, %v", up[0], u, p, err)
		}
	}
}

// Ports test_cred.py OnDiskDatabaseTests.testCaseInSensitivity.
func TestCaseInSensitivity(t *testing.T) {
	db := checkers.NewFilePasswordDB(onDiskFile(t), checkers.CaseSensitive(false))
	for _, up := range onDiskUsers {
		u, p, err := db.GetUser([]byte(strings.ToUpper(up[0])))
		if err != nil || string(u) != up[0] || string(p) != up[1] {
			t.Fatalf("GetUser(%q) = %q, %q, %v", strings.ToUpper(up[0]), u, p, err)
		}
	}
}

func gatherIDs(t *testing.T, ds []*deferred.Deferred) []string {
	t.Helper()
	var ids []string
	for _, d := range ds {
		ids = append(ids, credtest.SuccessResultOf(t, d).(cred.AvatarID).String())
	}
	return ids
}

func onDiskNames() []string {
	var names []string
	for _, up := range onDiskUsers {
		names = append(names, up[0])
	}
	return names
}

// Ports test_cred.py OnDiskDatabaseTests.testRequestAvatarId.
func TestRequestAvatarId(t *testing.T) {
	db := checkers.NewFilePasswordDB(onDiskFile(t))
	var ds []*deferred.Deferred
	for _, up := range onDiskUsers {
		ds = append(ds, db.RequestAvatarID(credentials.NewUsernamePassword(up[0], up[1])))
	}
	if got := gatherIDs(t, ds); !reflect.DeepEqual(got, onDiskNames()) {
		t.Fatalf("avatar IDs %v", got)
	}
}

// Ports test_cred.py OnDiskDatabaseTests.testRequestAvatarId_hashed.
func TestRequestAvatarId_hashed(t *testing.T) {
	db := checkers.NewFilePasswordDB(onDiskFile(t))
	var ds []*deferred.Deferred
	for _, up := range onDiskUsers {
		ds = append(ds, db.RequestAvatarID(credentials.NewUsernameHashedPassword(up[0], up[1])))
	}
	if got := gatherIDs(t, ds); !reflect.DeepEqual(got, onDiskNames()) {
		t.Fatalf("avatar IDs %v", got)
	}
}

// saltedHash stands in for crypt(3), which Go lacks: the first two bytes of the stored value
// are the salt, as in crypt's traditional DES scheme.
func saltedHash(u, p, s []byte) []byte {
	salt := s[:min(2, len(s))]
	sum := sha256.Sum256(append(append([]byte(nil), salt...), p...))
	return []byte(string(salt) + hex.EncodeToString(sum[:]))
}

type hashedOnDisk struct {
	db   *checkers.FilePasswordDB
	port *portal.Portal
}

func setUpHashedOnDisk(t *testing.T) *hashedOnDisk {
	var lines []string
	for _, up := range onDiskUsers {
		lines = append(lines, up[0]+":"+string(saltedHash([]byte(up[0]), []byte(up[1]), []byte(up[0])[:2]))+"\n")
	}
	db := checkers.NewFilePasswordDB(writeFile(t, lines...), checkers.Hash(saltedHash))
	p := portal.NewPortal(portal.RealmFunc(func(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
		return portal.LoginResult{Interface: ifaces[0], Avatar: id.String()}, nil
	}))
	p.RegisterChecker(db)
	return &hashedOnDisk{db, p}
}

var iTestable = reflect.TypeFor[interface{ Testable() }]()

// Ports test_cred.py HashedPasswordOnDiskDatabaseTests.testGoodCredentials.
func TestGoodCredentials(t *testing.T) {
	s := setUpHashedOnDisk(t)
	var ds []*deferred.Deferred
	for _, up := range onDiskUsers {
		ds = append(ds, s.db.RequestAvatarID(credentials.NewUsernamePassword(up[0], up[1])))
	}
	if got := gatherIDs(t, ds); !reflect.DeepEqual(got, onDiskNames()) {
		t.Fatalf("avatar IDs %v", got)
	}
}

// Ports test_cred.py HashedPasswordOnDiskDatabaseTests.testGoodCredentials_login.
func TestGoodCredentials_login(t *testing.T) {
	s := setUpHashedOnDisk(t)
	var names []string
	for _, up := range onDiskUsers {
		r := credtest.SuccessResultOf(t, s.port.Login(credentials.NewUsernamePassword(up[0], up[1]), nil, iTestable))
		names = append(names, r.(portal.LoginResult).Avatar.(string))
	}
	if !reflect.DeepEqual(names, onDiskNames()) {
		t.Fatalf("avatars %v", names)
	}
}

// Ports test_cred.py HashedPasswordOnDiskDatabaseTests.testBadCredentials.
func TestBadCredentials(t *testing.T) {
	s := setUpHashedOnDisk(t)
	for _, up := range onDiskUsers {
		credtest.FailureResultOf(t,
			s.port.Login(credentials.NewUsernamePassword(up[0], "wrong password"), nil, iTestable),
			cred.ErrUnauthorizedLogin)
	}
}

// Ports test_cred.py HashedPasswordOnDiskDatabaseTests.testHashedCredentials.
func TestHashedCredentials(t *testing.T) {
	s := setUpHashedOnDisk(t)
	for _, up := range onDiskUsers {
		hashed := saltedHash(nil, []byte(up[1]), []byte(up[0])[:2])
		credtest.FailureResultOf(t,
			s.port.Login(credentials.NewUsernameHashedPassword([]byte(up[0]), hashed), nil, iTestable),
			cred.ErrUnhandledCredentials)
	}
	// Asked directly, the hashing checker refuses credentials without a plaintext password.
	credtest.FailureResultOf(t, s.db.RequestAvatarID(credentials.NewUsernameHashedPassword("user1", "pass1")),
		cred.ErrUnauthorizedLogin)
}

// The CheckersMixin family: hashless, locally hashed and network-hashed FilePasswordDBs,
// each in three file layouts, with and without the cache, accept the good credentials and
// reject the bad ones.

var validCredentials = [][2]string{{"user1", "password1"}, {"user2", "password2"}, {"user3", "password3"}}

type checkersMixin struct {
	diskHash    func([]byte) []byte // nil: plaintext on disk
	networkHash func([]byte) []byte // how the client sends the password
	newCreds    func(u, p []byte) credentials.ICredentials
}

func identity(b []byte) []byte { return b }

func hexlify(b []byte) []byte { return []byte(hex.EncodeToString(b)) }

// networkHashedCredentials is NetworkHashedFilePasswordDBMixin.credClass: the client sends
// hex, and CheckPassword unhexlifies before comparing.
type networkHashedCredentials struct {
	credentials.ImplementsUsernamePassword
	username, password []byte
}

func (c *networkHashedCredentials) Username() []byte { return c.username }
func (c *networkHashedCredentials) Password() []byte { return c.password }
func (c *networkHashedCredentials) CheckPassword(p []byte) (bool, error) {
	raw, err := hex.DecodeString(string(c.password))
	if err != nil {
		return false, err
	}
	return bytes.Equal(raw, p), nil
}

func (m checkersMixin) goodCredentials() (out []struct {
	creds credentials.ICredentials
	id    string
}) {
	for _, up := range validCredentials {
		out = append(out, struct {
			creds credentials.ICredentials
			id    string
		}{m.newCreds([]byte(up[0]), m.networkHash([]byte(up[1]))), up[0]})
	}
	return out
}

func (m checkersMixin) badCredentials() (out []credentials.ICredentials) {
	for _, up := range [][2]string{{"user1", "password3"}, {"user2", "password1"}, {"bloof", "blarf"}} {
		out = append(out, m.newCreds([]byte(up[0]), m.networkHash([]byte(up[1]))))
	}
	return out
}

func (m checkersMixin) getCheckers(t *testing.T) []*checkers.FilePasswordDB {
	diskHash := m.diskHash
	if diskHash == nil {
		diskHash = identity
	}
	var opts []checkers.FileOption
	if m.diskHash != nil {
		opts = append(opts, checkers.Hash(func(username, password, stored []byte) []byte {
			return m.diskHash(password)
		}))
	}
	with := func(more ...checkers.FileOption) []checkers.FileOption {
		return append(append([]checkers.FileOption(nil), opts...), more...)
	}
	var out []*checkers.FilePasswordDB
	for _, cache := range []bool{true, false} {
		var a, b, c []string
		for _, up := range validCredentials {
			u, p := up[0], string(diskHash([]byte(up[1])))
			a = append(a, u+":"+p+"\n")
			b = append(b, p+" dingle dongle "+u+"\n")
			c = append(c, "zip,zap,"+strings.ToUpper(u[:1])+u[1:]+",zup,"+p+"\n")
		}
		out = append(out,
			checkers.NewFilePasswordDB(writeFile(t, a...), with(checkers.Cache(cache))...),
			checkers.NewFilePasswordDB(writeFile(t, b...), with(checkers.Delim(" "),
				checkers.UsernameField(3), checkers.PasswordField(0), checkers.Cache(cache))...),
			checkers.NewFilePasswordDB(writeFile(t, c...), with(checkers.Delim(","),
				checkers.UsernameField(2), checkers.PasswordField(4), checkers.CaseSensitive(false),
				checkers.Cache(cache))...),
		)
	}
	return out
}

func (m checkersMixin) run(t *testing.T) {
	// Ports test_cred.py CheckersMixin.test_positive.
	t.Run("test_positive", func(t *testing.T) {
		for _, chk := range m.getCheckers(t) {
			for _, good := range m.goodCredentials() {
				id := credtest.SuccessResultOf(t, chk.RequestAvatarID(good.creds)).(cred.AvatarID)
				if id != cred.UserID(good.id) {
					t.Fatalf("avatar ID %#v, want %q", id, good.id)
				}
			}
		}
	})
	// Ports test_cred.py CheckersMixin.test_negative.
	t.Run("test_negative", func(t *testing.T) {
		for _, chk := range m.getCheckers(t) {
			for _, bad := range m.badCredentials() {
				credtest.FailureResultOf(t, chk.RequestAvatarID(bad), cred.ErrUnauthorizedLogin)
			}
		}
	})
}

func plainCreds(u, p []byte) credentials.ICredentials { return credentials.NewUsernamePassword(u, p) }

// Ports test_cred.py HashlessFilePasswordDBCheckerTests.
func TestHashlessFilePasswordDBChecker(t *testing.T) {
	checkersMixin{networkHash: identity, newCreds: plainCreds}.run(t)
}

// Ports test_cred.py LocallyHashedFilePasswordDBCheckerTests.
func TestLocallyHashedFilePasswordDBChecker(t *testing.T) {
	checkersMixin{diskHash: hexlify, networkHash: identity, newCreds: plainCreds}.run(t)
}

// Ports test_cred.py NetworkHashedFilePasswordDBCheckerTests.
func TestNetworkHashedFilePasswordDBChecker(t *testing.T) {
	checkersMixin{networkHash: hexlify, newCreds: func(u, p []byte) credentials.ICredentials {
		return &networkHashedCredentials{username: u, password: p}
	}}.run(t)
}

// Lines that are too short are skipped, trailing white space is ignored, later records do
// not hide earlier ones without the cache (the first match wins, as Twisted's generator
// does), negative field indexes count from the end, and an empty user field is a user, not
// anonymous access.
func TestFilePasswordDBFormat(t *testing.T) {
	fn := writeFile(t,
		"goodbye\n",
		"hello:asdf \t\r\n",
		":world\n",
		"hello:second\n",
		"a:b:c:d\n",
		"last:nonewline")
	db := checkers.NewFilePasswordDB(fn)
	for _, c := range []struct{ user, pass, want string }{
		{"hello", "asdf", "hello"},
		{"", "world", ""},
		{"a", "b", "a"},
		{"last", "nonewline", "last"},
	} {
		id := credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword(c.user, c.pass))).(cred.AvatarID)
		if id != cred.UserID(c.want) || id.IsAnonymous() {
			t.Fatalf("user %q: avatar ID %#v", c.user, id)
		}
	}
	for _, c := range [][2]string{{"goodbye", ""}, {"hello", "second"}, {"hello", "asdf \t"}} {
		credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword(c[0], c[1])),
			cred.ErrUnauthorizedLogin)
	}
	last := checkers.NewFilePasswordDB(fn, checkers.UsernameField(-2), checkers.PasswordField(-1))
	id := credtest.SuccessResultOf(t, last.RequestAvatarID(credentials.NewUsernamePassword("c", "d"))).(cred.AvatarID)
	if id != cred.UserID("c") {
		t.Fatalf("negative fields: %#v", id)
	}
	// With the cache, later records replace earlier ones, as dict() does in Twisted.
	cached := checkers.NewFilePasswordDB(fn, checkers.Cache(true))
	credtest.SuccessResultOf(t, cached.RequestAvatarID(credentials.NewUsernamePassword("hello", "second")))
}

// The cache is refreshed when the file's modification time moves forward.
func TestFilePasswordDBCacheRefresh(t *testing.T) {
	fn := writeFile(t, "alice:one\n")
	db := checkers.NewFilePasswordDB(fn, checkers.Cache(true))
	st, err := os.Stat(fn)
	if err != nil {
		t.Fatal(err)
	}
	credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "one")))
	if err := os.WriteFile(fn, []byte("alice:two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The same modification time as when it was cached: the cache is kept (Twisted
	// compares with >).
	if err := os.Chtimes(fn, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "one")))
	if err := os.Chtimes(fn, time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	credtest.SuccessResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "two")))
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword("alice", "one")),
		cred.ErrUnauthorizedLogin)
}

// Misconfiguration fails closed: an empty delimiter, a directory instead of a file, and
// credentials of the wrong kind.
func TestFilePasswordDBMisconfigured(t *testing.T) {
	logged := captureLog(t)
	fn := writeFile(t, "alice:secret\n")
	empty := checkers.NewFilePasswordDB(fn, checkers.Delim(""))
	credtest.FailureResultOf(t, empty.RequestAvatarID(credentials.NewUsernamePassword("alice", "secret")),
		cred.ErrUnauthorizedLogin)
	dir := checkers.NewFilePasswordDB(t.TempDir())
	credtest.FailureResultOf(t, dir.RequestAvatarID(credentials.NewUsernamePassword("alice", "secret")),
		cred.ErrUnauthorizedLogin)
	db := checkers.NewFilePasswordDB(fn)
	credtest.FailureResultOf(t, db.RequestAvatarID(credentials.Anonymous{}), cred.ErrUnhandledCredentials)
	if strings.Contains(logged.String(), "secret") {
		t.Fatalf("the log shows a password:\n%s", logged)
	}
	if !strings.Contains(logged.String(), "empty field delimiter") {
		t.Fatalf("empty delimiter not logged:\n%s", logged)
	}
}

// Ports the interface lists of test_cred.py: plaintext databases check both password
// interfaces, hashing ones only IUsernamePassword.
func TestFilePasswordDBCredentialInterfaces(t *testing.T) {
	up := reflect.TypeFor[credentials.IUsernamePassword]()
	uhp := reflect.TypeFor[credentials.IUsernameHashedPassword]()
	if got := checkers.NewFilePasswordDB("x").CredentialInterfaces(); !reflect.DeepEqual(got, []reflect.Type{up, uhp}) {
		t.Fatalf("plain: %v", got)
	}
	if got := checkers.NewFilePasswordDB("x", checkers.Hash(saltedHash)).CredentialInterfaces(); !reflect.DeepEqual(got, []reflect.Type{up}) {
		t.Fatalf("hashed: %v", got)
	}
}

// An unknown user name costs the hash function as a wrong password does (run against
// another record's stored password), so that with a slow hash such as bcrypt the time a
// login takes does not tell which names exist. Twisted's FilePasswordDB answers an unknown
// name at once; this is a deliberate difference.
func TestFilePasswordDBUnknownUserCostsAHash(t *testing.T) {
	for _, cache := range []bool{false, true} {
		var stored [][]byte
		hash := func(_, _, s []byte) []byte { stored = append(stored, s); return nil }
		db := checkers.NewFilePasswordDB(onDiskFile(t), checkers.Hash(hash), checkers.Cache(cache))
		for _, name := range []string{"user2", "nobody"} {
			stored = nil
			credtest.FailureResultOf(t, db.RequestAvatarID(credentials.NewUsernamePassword(name, "wrong")),
				cred.ErrUnauthorizedLogin)
			if len(stored) != 1 {
				t.Fatalf("cache=%v, %s: the hash ran %d times, want once", cache, name, len(stored))
			}
		}
		if string(stored[0]) != onDiskUsers[0][1] {
			t.Errorf("cache=%v: the unknown name was hashed against %q, want the first record's password", cache, stored[0])
		}
		empty := checkers.NewFilePasswordDB(writeFile(t), checkers.Hash(hash), checkers.Cache(cache))
		stored = nil
		credtest.FailureResultOf(t, empty.RequestAvatarID(credentials.NewUsernamePassword("nobody", "x")),
			cred.ErrUnauthorizedLogin)
		if len(stored) != 0 {
			t.Errorf("cache=%v: an empty file has no record to hash against, yet the hash ran", cache)
		}
	}
}
