package pb

import (
	"crypto/md5"
	"crypto/rand"
	"fmt"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/credentials"
)

// ChallengeSize is the length of the challenge a PB server sends for a password login: an
// MD5 digest.
const ChallengeSize = md5.Size

// Respond answers a PB login challenge: MD5(MD5(password) ‖ challenge), the 16-byte binary
// digests (Twisted's pb.respond). The password never crosses the wire.
func Respond(challenge, password []byte) []byte {
	hashed := md5.Sum(password)
	return respondMD5(challenge, hashed[:])
}

// respondMD5 is Respond for a password the caller already hashed with MD5.
func respondMD5(challenge, md5Password []byte) []byte {
	h := md5.New()
	h.Write(md5Password)
	h.Write(challenge)
	return h.Sum(nil)
}

// Challenge returns a fresh login challenge: 16 random bytes (Twisted's pb.challenge sends
// the MD5 of random letters from a non-cryptographic generator; any 16 bytes do, and these
// come from crypto/rand).
func Challenge() []byte {
	c := make([]byte, ChallengeSize)
	// Since Go 1.24 crypto/rand.Read never returns an error (it crashes the program if the
	// system's generator fails), so there is nothing to handle.
	_, _ = rand.Read(c)
	return c
}

// IUsernameMD5Password is Twisted's pb.IUsernameMD5Password: a username and a
// challenge-response that a checker can verify against the plaintext password
// (CheckPassword) or against its MD5 digest (CheckMD5Password), so a password database
// may store either.
type IUsernameMD5Password interface {
	Username() []byte
	CheckPassword(password []byte) (bool, error)
	CheckMD5Password(md5Password []byte) (bool, error)
	providesUsernameMD5Password()
}

// ImplementsUsernameMD5Password, embedded in a struct, declares that it provides
// IUsernameMD5Password.
type ImplementsUsernameMD5Password struct{}

func (ImplementsUsernameMD5Password) providesUsernameMD5Password() {}

// challengeCredentials are the credentials of one password login on the server side: the
// username the client sent, the challenge the server sent, and the client's response.
// They provide IUsernameHashedPassword and IUsernameMD5Password, as Twisted's
// _PortalAuthChallenger does, so any checker that keeps plaintext passwords (or their MD5)
// can check them.
type challengeCredentials struct {
	credentials.ImplementsUsernameHashedPassword
	ImplementsUsernameMD5Password
	username, challenge, response []byte
}

// Username returns the name the client logged in as.
func (c *challengeCredentials) Username() []byte { return c.username }

// CheckPassword reports whether the response was computed from password.
func (c *challengeCredentials) CheckPassword(password []byte) (bool, error) {
	hashed := md5.Sum(password)
	return c.CheckMD5Password(hashed[:])
}

// CheckMD5Password reports whether the response was computed from a password whose MD5
// digest is md5Password. The comparison takes constant time.
func (c *challengeCredentials) CheckMD5Password(md5Password []byte) (bool, error) {
	return cred.ConstantTimeEqual(respondMD5(c.challenge, md5Password), c.response), nil
}

// String shows the username only.
func (c *challengeCredentials) String() string {
	return fmt.Sprintf("pb challenge credentials for %q", c.username)
}
