package cred

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"strconv"
)

// AvatarID identifies the avatar a checker authenticated: a user name, or AnonymousID.
//
// Twisted uses bytes for user names and the empty tuple () for anonymous access, and
// explains why the anonymous ID is neither None nor "": a bug that returns a default value,
// or a password file with a line like ":world", must never grant anonymous access. AvatarID
// keeps that property in Go's type system. The zero AvatarID is neither a user nor
// anonymous: it identifies nobody, and the portal refuses a login whose checker produced it.
// A user with an empty name (UserID("")) is a user, never AnonymousID.
//
// AvatarID is a small comparable value: use it as a map key, compare it with ==.
type AvatarID struct {
	name string
	kind idKind
}

type idKind uint8

const (
	noID idKind = iota
	userID
	anonymousID
)

// AnonymousID is the avatar ID of an authenticated anonymous user (Twisted's
// checkers.ANONYMOUS). checkers.AllowAnonymousAccess produces it.
var AnonymousID = AvatarID{kind: anonymousID}

// UserID returns the avatar ID of the user called name. Names are bytes, as in Twisted; the
// name is copied.
func UserID[T ~string | ~[]byte](name T) AvatarID {
	return AvatarID{name: string(name), kind: userID}
}

// IsUser reports whether id names a user.
func (id AvatarID) IsUser() bool { return id.kind == userID }

// IsAnonymous reports whether id is AnonymousID.
func (id AvatarID) IsAnonymous() bool { return id.kind == anonymousID }

// IsZero reports whether id is the zero AvatarID, which identifies nobody.
func (id AvatarID) IsZero() bool { return id.kind == noID }

// Name returns a user's name as a new byte slice, or nil for AnonymousID and the zero ID.
func (id AvatarID) Name() []byte {
	if id.kind != userID {
		return nil
	}
	return []byte(id.name)
}

// String returns a user's name, "<anonymous>" for AnonymousID and "<nobody>" for the zero
// ID (the brackets cannot be confused with a name only if your names exclude them; test
// with IsAnonymous, never by comparing strings).
func (id AvatarID) String() string {
	switch id.kind {
	case userID:
		return id.name
	case anonymousID:
		return "<anonymous>"
	}
	return "<nobody>"
}

// GoString renders id as the Go expression that builds it.
func (id AvatarID) GoString() string {
	switch id.kind {
	case userID:
		return "cred.UserID(" + strconv.Quote(id.name) + ")"
	case anonymousID:
		return "cred.AnonymousID"
	}
	return "cred.AvatarID{}"
}

// LogValue logs an AvatarID as its String.
func (id AvatarID) LogValue() slog.Value { return slog.StringValue(id.String()) }

// ConstantTimeEqual reports whether a and b are equal, taking time that does not depend on
// their contents, nor on whether their lengths match (it depends on the lengths only as
// SHA-256 does, one step per 64-byte block). Checkers compare passwords and password
// hashes with it, so response times do not tell an attacker how many leading bytes were
// right, nor whether the guess had the right length.
//
// (Twisted compares with ==; this is a deliberate improvement with the same results.)
func ConstantTimeEqual(a, b []byte) bool {
	// Hashing first hides the lengths too: subtle.ConstantTimeCompare returns early when
	// the lengths differ.
	ha, hb := sha256.Sum256(a), sha256.Sum256(b)
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
