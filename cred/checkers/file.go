package checkers

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/credentials"
	deferred "github.com/gotwisted/twisted/defer"
)

// HashFunc transforms the plaintext password received over the network into the form
// stored in the password file, for comparison with it. It receives the user name, the
// network password and the stored value (so it can take a salt from it); the credentials
// are accepted when its result equals the stored value.
type HashFunc func(username, networkPassword, stored []byte) []byte

// FilePasswordDB is Twisted's FilePasswordDB: a text file of user names and passwords, one
// record per line, fields separated by a delimiter.
//
// With the defaults a line reads "username:password". Each line has trailing white space
// removed and is split on the delimiter; lines with too few fields are skipped. The file is
// read again on every lookup, or, with Cache(true), parsed once and again only when its
// modification time moves forward. A file that cannot be read makes every login fail with
// UnauthorizedLogin, and the reason is logged (the path and the OS error, never a line of
// the file).
//
// Without a Hash option the passwords are plaintext and the checker handles both
// IUsernamePassword and IUsernameHashedPassword credentials. With Hash, it handles only
// IUsernamePassword: it needs the plaintext password to hash.
//
// A FilePasswordDB is safe for concurrent use.
type FilePasswordDB struct {
	filename      string
	delim         []byte
	ufield        int
	pfield        int
	caseSensitive bool
	hash          HashFunc
	cache         bool

	mu          sync.Mutex
	credCache   map[string][]byte
	cacheMTime  time.Time
	cacheLoaded bool
	cacheDecoy  []byte // the first record's password, for lookup's decoy
}

// A FileOption configures a FilePasswordDB; the options are Twisted's keyword arguments.
type FileOption func(*FilePasswordDB)

// Delim sets the field delimiter (default ":"). An empty delimiter makes every lookup fail
// with UnauthorizedLogin, and says so in the log.
func Delim[T ~string | ~[]byte](delim T) FileOption {
	return func(db *FilePasswordDB) { db.delim = []byte(delim) }
}

// UsernameField sets the index of the user name among the fields (default 0). A negative
// index counts from the end, as in Python.
func UsernameField(i int) FileOption { return func(db *FilePasswordDB) { db.ufield = i } }

// PasswordField sets the index of the password among the fields (default 1). A negative
// index counts from the end.
func PasswordField(i int) FileOption { return func(db *FilePasswordDB) { db.pfield = i } }

// CaseSensitive sets whether user names are case sensitive (default true). When false,
// the file's names and the requested name are compared in lower case (ASCII letters, as
// Python's bytes.lower), and the avatar ID is the lower-cased name.
func CaseSensitive(on bool) FileOption {
	return func(db *FilePasswordDB) { db.caseSensitive = on }
}

// Hash sets the function that hashes network passwords for comparison with the stored
// ones (default nil: passwords are stored in plaintext).
func Hash(h HashFunc) FileOption { return func(db *FilePasswordDB) { db.hash = h } }

// Cache sets whether the parsed file is kept in memory between lookups (default false).
func Cache(on bool) FileOption { return func(db *FilePasswordDB) { db.cache = on } }

// NewFilePasswordDB returns a checker reading filename, configured by opts:
//
//	checkers.NewFilePasswordDB("passwd")                    // user:password lines
//	checkers.NewFilePasswordDB("users", checkers.Delim(" "),
//		checkers.UsernameField(3), checkers.PasswordField(0)) // "pw x y user" lines
func NewFilePasswordDB(filename string, opts ...FileOption) *FilePasswordDB {
	db := &FilePasswordDB{
		filename:      filename,
		delim:         []byte(":"),
		ufield:        0,
		pfield:        1,
		caseSensitive: true,
	}
	for _, o := range opts {
		o(db)
	}
	return db
}

// OnDiskUsernamePasswordDatabase is Twisted's old name for FilePasswordDB.
type OnDiskUsernamePasswordDatabase = FilePasswordDB

// CredentialInterfaces returns IUsernamePassword and IUsernameHashedPassword for plaintext
// files, only IUsernamePassword with a Hash.
func (db *FilePasswordDB) CredentialInterfaces() []reflect.Type {
	if db.hash != nil {
		return []reflect.Type{iUsernamePassword}
	}
	return []reflect.Type{iUsernamePassword, iUsernameHashedPassword}
}

// errUnreadable is logged, and turned into UnauthorizedLogin, when the file cannot be used.
type unreadableError struct {
	path string
	err  error
}

func (e *unreadableError) Error() string { return e.path + ": " + e.err.Error() }
func (e *unreadableError) Unwrap() error { return e.err }

// field picks parts[i] with Python's negative-index rule; ok is false when out of range.
func field(parts [][]byte, i int) ([]byte, bool) {
	if i < 0 {
		i += len(parts)
	}
	if i < 0 || i >= len(parts) {
		return nil, false
	}
	return parts[i], true
}

// lower is Python's bytes.lower: ASCII letters only.
func lower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// scan reads the file and calls yield with each (user, password) record until yield
// returns false.
func (db *FilePasswordDB) scan(yield func(user, password []byte) bool) error {
	if len(db.delim) == 0 {
		return &unreadableError{db.filename, errors.New("empty field delimiter")}
	}
	f, err := os.Open(db.filename)
	if err != nil {
		return &unreadableError{db.filename, err}
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimRight(line, " \t\n\r\v\f")
			parts := bytes.Split(line, db.delim)
			u, okU := field(parts, db.ufield)
			p, okP := field(parts, db.pfield)
			if okU && okP {
				if !db.caseSensitive {
					u = lower(u)
				}
				if !yield(u, p) {
					return nil
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &unreadableError{db.filename, err}
		}
	}
}

// GetUser looks username up and returns the name as the file has it (lower-cased if the
// database is not case sensitive) and the stored password. It fails with ErrNoSuchUser for
// a name the file does not list, and with *cred.UnauthorizedLogin when the file cannot be
// read (the reason goes to the log).
func (db *FilePasswordDB) GetUser(username []byte) (name, password []byte, err error) {
	name, password, _, err = db.lookup(username)
	return name, password, err
}

// lookup is GetUser that also returns, for a user the file does not list, a decoy: some
// other record's stored password (nil for an empty file), against which RequestAvatarID
// runs the hash function anyway, so that an unknown name costs what a wrong password
// costs (with bcrypt, tens of milliseconds that would otherwise tell names apart).
func (db *FilePasswordDB) lookup(username []byte) (name, password, decoy []byte, err error) {
	if !db.caseSensitive {
		username = lower(username)
	}
	if db.cache {
		return db.getCached(username)
	}
	var found bool
	err = db.scan(func(u, p []byte) bool {
		if bytes.Equal(u, username) {
			name, password, found = u, p, true
			return false
		}
		if decoy == nil {
			decoy = p
		}
		return true
	})
	if err != nil {
		return nil, nil, nil, db.unreadable(err)
	}
	if !found {
		return nil, nil, decoy, ErrNoSuchUser
	}
	return name, password, nil, nil
}

func (db *FilePasswordDB) getCached(username []byte) (name, password, decoy []byte, err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	st, err := os.Stat(db.filename)
	if err != nil {
		// Twisted lets os.path.getmtime's OSError escape here; failing closed with
		// UnauthorizedLogin, as for an unreadable file, is the safe reading.
		return nil, nil, nil, db.unreadable(&unreadableError{db.filename, err})
	}
	if !db.cacheLoaded || st.ModTime().After(db.cacheMTime) {
		users := make(map[string][]byte)
		var first []byte
		err := db.scan(func(u, p []byte) bool {
			users[string(u)] = p // later lines win, as in dict(...)
			if first == nil {
				first = p
			}
			return true
		})
		if err != nil {
			return nil, nil, nil, db.unreadable(err)
		}
		db.credCache, db.cacheMTime, db.cacheLoaded, db.cacheDecoy = users, st.ModTime(), true, first
	}
	p, ok := db.credCache[string(username)]
	if !ok {
		return nil, nil, db.cacheDecoy, ErrNoSuchUser
	}
	return username, p, nil, nil
}

func (db *FilePasswordDB) unreadable(err error) error {
	slog.Error("Unable to load credentials db", "error", err.Error())
	return &cred.UnauthorizedLogin{}
}

// RequestAvatarID checks creds against the file and succeeds with the user's avatar ID.
// Unknown users, wrong passwords and an unreadable file fail with *cred.UnauthorizedLogin.
// With a Hash, an unknown user costs one run of the hash function, as a wrong password
// does, so a slow hash (BcryptHash) does not reveal which names exist through timing;
// Twisted answers an unknown name at once.
func (db *FilePasswordDB) RequestAvatarID(creds credentials.ICredentials) *deferred.Deferred {
	c, ok := creds.(passwordCredentials)
	if !ok {
		return unhandled(db, creds)
	}
	u, p, decoy, err := db.lookup(c.Username())
	if errors.Is(err, ErrNoSuchUser) {
		if up, ok := creds.(credentials.IUsernamePassword); ok && db.hash != nil && decoy != nil {
			db.hash(up.Username(), up.Password(), decoy) // the cost of a wrong password; see lookup
		}
		return unauthorized()
	}
	if err != nil {
		return deferred.Fail(err)
	}
	if db.hash != nil {
		up, ok := creds.(credentials.IUsernamePassword)
		if !ok {
			return unauthorized()
		}
		if cred.ConstantTimeEqual(db.hash(up.Username(), up.Password(), p), p) {
			return deferred.Succeed(cred.UserID(u))
		}
		return unauthorized()
	}
	ok, err = c.CheckPassword(p)
	return matched(ok, err, cred.UserID(u))
}
