package pb

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The test vectors of pb-wire.md 4.3, verified there against Twisted's pb.respond.
func TestRespondVectors(t *testing.T) {
	fixed := []byte{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}
	mustHex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		challenge []byte
		password  string
		response  string
	}{
		{fixed, "secret", "6cdd36f071fa397a59ecc2d868545855"},
		{fixed, "guest", "9ce2a72746d2e17ce096bacbcc0dadaa"},
		{fixed, "", "2019d485bd5a0bcb87fa5c1c8ced768b"},
		{fixed, "pass", "bce11df71c4c78b82bef57d7c37e36d2"},
		{mustHex("19fc8eff82037f1fc0d8ea1d32b5e339"), "guest", "383a3d7bfa412af619bf278222bf041d"},
	}
	for _, c := range cases {
		if got := hex.EncodeToString(Respond(c.challenge, []byte(c.password))); got != c.response {
			t.Errorf("Respond(%x, %q) = %s, want %s", c.challenge, c.password, got, c.response)
		}
	}
}

func TestChallengeIsFreshAndSized(t *testing.T) {
	a, b := Challenge(), Challenge()
	if len(a) != ChallengeSize || len(b) != ChallengeSize {
		t.Fatalf("challenge sizes %d, %d", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Fatal("two challenges are equal")
	}
}

// Ports the checkPassword/checkMD5Password pair of _PortalAuthChallenger: a response made
// from the right password passes both checks (plaintext and MD5 storage), anything else
// fails both, garbage included.
func TestChallengeCredentials(t *testing.T) {
	challenge := Challenge()
	md5Secret, _ := hex.DecodeString("5ebe2294ecd0e0f08eab7690d2a6ee69") // MD5("secret")
	good := &challengeCredentials{username: []byte("alice"), challenge: challenge,
		response: Respond(challenge, []byte("secret"))}
	if ok, err := good.CheckPassword([]byte("secret")); !ok || err != nil {
		t.Fatalf("CheckPassword(secret) = %v, %v", ok, err)
	}
	if ok, err := good.CheckMD5Password(md5Secret); !ok || err != nil {
		t.Fatalf("CheckMD5Password = %v, %v", ok, err)
	}
	if ok, _ := good.CheckPassword([]byte("Secret")); ok {
		t.Fatal("wrong password accepted")
	}
	for _, response := range [][]byte{nil, {}, []byte("garbage"), bytes.Repeat([]byte{0}, 16),
		Respond(Challenge(), []byte("secret")), bytes.Repeat([]byte("x"), 1<<16)} {
		bad := &challengeCredentials{username: []byte("alice"), challenge: challenge, response: response}
		if ok, _ := bad.CheckPassword([]byte("secret")); ok {
			t.Fatalf("response %x accepted", response[:min(len(response), 20)])
		}
	}
	if s := good.String(); bytes.Contains([]byte(s), []byte("secret")) {
		t.Fatalf("String shows the password: %s", s)
	}
}
