package credentials_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/cred/credentials"
)

// Ports test_simpleauth.py UsernamePasswordTests.test_initialisation.
func TestUsernamePasswordInitialisation(t *testing.T) {
	creds := credentials.NewUsernamePassword("foo", "bar")
	if string(creds.Username()) != "foo" || string(creds.Password()) != "bar" {
		t.Fatalf("got %q, %q", creds.Username(), creds.Password())
	}
	fromBytes := credentials.NewUsernamePassword([]byte("foo"), []byte("bar"))
	if string(fromBytes.Username()) != "foo" || string(fromBytes.Password()) != "bar" {
		t.Fatalf("got %q, %q", fromBytes.Username(), fromBytes.Password())
	}
}

// Ports test_simpleauth.py UsernamePasswordTests.test_correctPassword.
func TestUsernamePasswordCorrectPassword(t *testing.T) {
	creds := credentials.NewUsernamePassword("user", "pass")
	if ok, err := creds.CheckPassword([]byte("pass")); !ok || err != nil {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
}

// Ports test_simpleauth.py UsernamePasswordTests.test_wrongPassword.
func TestUsernamePasswordWrongPassword(t *testing.T) {
	creds := credentials.NewUsernamePassword("user", "pass")
	for _, p := range []string{"someotherpass", "pas", "pass\x00", "", "PASS"} {
		if ok, err := creds.CheckPassword([]byte(p)); ok || err != nil {
			t.Fatalf("CheckPassword(%q) = %v, %v", p, ok, err)
		}
	}
}

// Ports test_simpleauth.py UsernamePasswordTests.test_interface.
func TestUsernamePasswordInterface(t *testing.T) {
	typ := reflect.TypeFor[*credentials.UsernamePassword]()
	if !typ.Implements(reflect.TypeFor[credentials.IUsernamePassword]()) {
		t.Fatal("UsernamePassword does not provide IUsernamePassword")
	}
	// Siblings in Twisted: plaintext credentials are not hashed ones.
	if typ.Implements(reflect.TypeFor[credentials.IUsernameHashedPassword]()) {
		t.Fatal("UsernamePassword provides IUsernameHashedPassword")
	}
}

// Ports test_simpleauth.py UsernameHashedPasswordTests.test_initialisation.
func TestUsernameHashedPasswordInitialisation(t *testing.T) {
	creds := credentials.NewUsernameHashedPassword("foo", "bar")
	if string(creds.Username()) != "foo" || string(creds.Hashed()) != "bar" {
		t.Fatalf("got %q, %q", creds.Username(), creds.Hashed())
	}
}

// Ports test_simpleauth.py UsernameHashedPasswordTests.test_correctPassword.
func TestUsernameHashedPasswordCorrectPassword(t *testing.T) {
	creds := credentials.NewUsernameHashedPassword("user", "pass")
	if ok, err := creds.CheckPassword([]byte("pass")); !ok || err != nil {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
}

// Ports test_simpleauth.py UsernameHashedPasswordTests.test_wrongPassword.
func TestUsernameHashedPasswordWrongPassword(t *testing.T) {
	creds := credentials.NewUsernameHashedPassword("user", "pass")
	if ok, err := creds.CheckPassword([]byte("someotherpass")); ok || err != nil {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
}

// Ports test_simpleauth.py UsernameHashedPasswordTests.test_interface.
// (UsernameHashedPasswordTests.test_deprecation has no Go analogue: the type carries a
// "Deprecated:" doc comment, which vet-style tools report instead of a runtime warning.)
func TestUsernameHashedPasswordInterface(t *testing.T) {
	typ := reflect.TypeFor[*credentials.UsernameHashedPassword]()
	if !typ.Implements(reflect.TypeFor[credentials.IUsernameHashedPassword]()) {
		t.Fatal("UsernameHashedPassword does not provide IUsernameHashedPassword")
	}
	if typ.Implements(reflect.TypeFor[credentials.IUsernamePassword]()) {
		t.Fatal("UsernameHashedPassword provides IUsernamePassword")
	}
}

func TestAnonymousProvidesIAnonymous(t *testing.T) {
	var c credentials.ICredentials = credentials.Anonymous{}
	if _, ok := c.(credentials.IAnonymous); !ok {
		t.Fatal("Anonymous{} does not provide IAnonymous")
	}
	if _, ok := c.(credentials.IUsernamePassword); ok {
		t.Fatal("Anonymous{} provides IUsernamePassword")
	}
	if got := fmt.Sprint(credentials.Anonymous{}); got != "Anonymous()" {
		t.Fatalf("Sprint = %q", got)
	}
}

// No formatting verb and no logger shows the password.
func TestCredentialsNeverPrintPasswords(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	values := []any{
		credentials.NewUsernamePassword("alice", secret),
		credentials.NewUsernameHashedPassword("alice", secret),
		// Copies, as a struct field or slice element holds them.
		*credentials.NewUsernamePassword("alice", secret),
		*credentials.NewUsernameHashedPassword("alice", secret),
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Fatalf("%s of %T shows the password: %s", verb, v, out)
			}
			if verb != "%T %v" && !strings.Contains(out, "alice") && !strings.Contains(out, fmt.Sprintf("%x", "alice")) {
				t.Fatalf("%s of %T lost the user name: %s", verb, v, out)
			}
		}
		// Also inside other values.
		if out := fmt.Sprintf("%+v", struct{ C any }{v}); strings.Contains(out, secret) {
			t.Fatalf("nested %%+v shows the password: %s", out)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("login", "creds", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "creds", v)
		if strings.Contains(buf.String(), secret) || !strings.Contains(buf.String(), "alice") {
			t.Fatalf("slog output: %s", buf.String())
		}
	}
}

type tokenCreds struct {
	credentials.ImplementsUsernamePassword
	credentials.ImplementsAnonymous
}

func (tokenCreds) Username() []byte                   { return nil }
func (tokenCreds) Password() []byte                   { return nil }
func (tokenCreds) CheckPassword([]byte) (bool, error) { return false, nil }

// ProvidedBy lists the registered interfaces a value provides, in registration order,
// under Twisted's names; InterfaceName falls back to the Go name.
func TestProvidedByAndInterfaceName(t *testing.T) {
	var names []string
	for _, iface := range credentials.ProvidedBy(tokenCreds{}) {
		names = append(names, credentials.InterfaceName(iface))
	}
	want := []string{"twisted.cred.credentials.IUsernamePassword", "twisted.cred.credentials.IAnonymous"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("ProvidedBy names %v, want %v", names, want)
	}
	if got := credentials.ProvidedBy(nil); got != nil {
		t.Fatalf("ProvidedBy(nil) = %v", got)
	}
	type ILocal interface{ Local() }
	if got := credentials.InterfaceName(reflect.TypeFor[ILocal]()); got != "github.com/gotwisted/twisted/cred/credentials_test.ILocal" {
		t.Fatalf("InterfaceName = %q", got)
	}
	credentials.RegisterInterface(reflect.TypeFor[ILocal](), "example.ILocal")
	if got := credentials.InterfaceName(reflect.TypeFor[ILocal]()); got != "example.ILocal" {
		t.Fatalf("InterfaceName after RegisterInterface = %q", got)
	}
}
