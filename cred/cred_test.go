package cred_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gotwisted/twisted/cred"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// The error hierarchy of twisted.cred.error (core-semantics.md 5.5): UnauthorizedLogin is
// both a LoginFailed and an Unauthorized; UnhandledCredentials and LoginDenied are
// LoginFailed only. Each is trapped by its own class and its bases, by sentinel and by type
// token, through a Failure and through errors.Is/As.
func TestErrorHierarchy(t *testing.T) {
	type row struct {
		err                       error
		loginFailed, unauthorized bool
		isUL, isUC, isLD          bool
		twistedClass              string
	}
	rows := []row{
		{&cred.UnauthorizedLogin{}, true, true, true, false, false, "twisted.cred.error.UnauthorizedLogin"},
		{&cred.UnhandledCredentials{}, true, false, false, true, false, "twisted.cred.error.UnhandledCredentials"},
		{&cred.LoginDenied{}, true, false, false, false, true, "twisted.cred.error.LoginDenied"},
		{&cred.LoginFailedError{}, true, false, false, false, false, "twisted.cred.error.LoginFailed"},
		{&cred.UnauthorizedError{}, false, true, false, false, false, "twisted.cred.error.Unauthorized"},
	}
	for _, r := range rows {
		f := failure.New(fmt.Errorf("wrapped: %w", r.err))
		checks := []struct {
			name   string
			target error
			want   bool
		}{
			{"ErrLoginFailed", cred.ErrLoginFailed, r.loginFailed},
			{"Type[LoginFailed]", failure.Type[cred.LoginFailed](), r.loginFailed},
			{"ErrUnauthorized", cred.ErrUnauthorized, r.unauthorized},
			{"Type[Unauthorized]", failure.Type[cred.Unauthorized](), r.unauthorized},
			{"ErrUnauthorizedLogin", cred.ErrUnauthorizedLogin, r.isUL},
			{"Type[*UnauthorizedLogin]", failure.Type[*cred.UnauthorizedLogin](), r.isUL},
			{"ErrUnhandledCredentials", cred.ErrUnhandledCredentials, r.isUC},
			{"ErrLoginDenied", cred.ErrLoginDenied, r.isLD},
		}
		for _, c := range checks {
			if got := f.Check(c.target) != nil; got != c.want {
				t.Errorf("%T: Check(%s) = %v, want %v", r.err, c.name, got, c.want)
			}
			if got := errors.Is(r.err, c.target); got != c.want && c.name[0] == 'E' {
				t.Errorf("%T: errors.Is(%s) = %v, want %v", r.err, c.name, got, c.want)
			}
		}
		var lf cred.LoginFailed
		if got := errors.As(r.err, &lf); got != r.loginFailed {
			t.Errorf("%T: errors.As(LoginFailed) = %v", r.err, got)
		}
		tc, ok := r.err.(interface {
			RemoteType() string
			RemoteValue() string
		})
		if !ok || tc.RemoteType() != r.twistedClass || tc.RemoteValue() != "" {
			t.Errorf("%T: Twisted class %v", r.err, ok)
		}
	}
}

// Errors print their class, and the message when there is one; Twisted's empty message
// stays available for the wire.
func TestErrorMessages(t *testing.T) {
	if got := (&cred.UnauthorizedLogin{}).Error(); got != "cred: UnauthorizedLogin" {
		t.Fatalf("Error() = %q", got)
	}
	if got := (&cred.LoginDenied{Message: "quota"}).Error(); got != "cred: LoginDenied: quota" {
		t.Fatalf("Error() = %q", got)
	}
	if got := (&cred.UnauthorizedLogin{Message: "x"}).RemoteValue(); got != "x" {
		t.Fatalf("RemoteValue() = %q", got)
	}
	// pb-wire.md 4.8: the MRO after the class itself (PB adds builtins.Exception and on).
	want := []string{"twisted.cred.error.LoginFailed", "twisted.cred.error.Unauthorized"}
	if got := (&cred.UnauthorizedLogin{}).RemoteParents(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("parents %v, want %v", got, want)
	}
}

// A cred error trapped in an errback, the way applications use it.
func TestTrapUnauthorizedLoginInErrback(t *testing.T) {
	var trapped bool
	deferred.Fail(&cred.UnauthorizedLogin{}).AddErrback(func(f *failure.Failure) (any, error) {
		if err := f.Trap(cred.ErrLoginFailed); err != nil {
			return nil, err
		}
		trapped = true
		return nil, nil
	})
	if !trapped {
		t.Fatal("UnauthorizedLogin was not trapped as LoginFailed")
	}
}

// Avatar IDs: a user (even with an empty name) is never anonymous, and the zero ID is
// neither (checkers.ANONYMOUS is () in Twisted for this reason).
func TestAvatarID(t *testing.T) {
	cases := []struct {
		id               cred.AvatarID
		user, anon, zero bool
		name             []byte
		str, gostr       string
	}{
		{cred.UserID("alice"), true, false, false, []byte("alice"), "alice", `cred.UserID("alice")`},
		{cred.UserID([]byte("")), true, false, false, []byte{}, "", `cred.UserID("")`},
		{cred.AnonymousID, false, true, false, nil, "<anonymous>", "cred.AnonymousID"},
		{cred.AvatarID{}, false, false, true, nil, "<nobody>", "cred.AvatarID{}"},
	}
	for _, c := range cases {
		if c.id.IsUser() != c.user || c.id.IsAnonymous() != c.anon || c.id.IsZero() != c.zero {
			t.Errorf("%#v: user/anon/zero = %v/%v/%v", c.id, c.id.IsUser(), c.id.IsAnonymous(), c.id.IsZero())
		}
		if string(c.id.Name()) != string(c.name) || (c.name == nil) != (c.id.Name() == nil) {
			t.Errorf("%#v: Name() = %q", c.id, c.id.Name())
		}
		if c.id.String() != c.str || fmt.Sprintf("%#v", c.id) != c.gostr {
			t.Errorf("String/GoString = %q / %q", c.id.String(), fmt.Sprintf("%#v", c.id))
		}
	}
	if cred.UserID("") == cred.AnonymousID || cred.UserID("") == (cred.AvatarID{}) || cred.AnonymousID == (cred.AvatarID{}) {
		t.Fatal("distinct avatar IDs compare equal")
	}
	if cred.UserID("bob") != cred.UserID([]byte("bob")) {
		t.Fatal("UserID from string and bytes differ")
	}
	// Name returns a copy.
	id := cred.UserID("bob")
	id.Name()[0] = 'X'
	if id.String() != "bob" {
		t.Fatal("Name exposed the ID's storage")
	}
}

func TestConstantTimeEqual(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"secret", "secret", true},
		{"secret", "secreT", false},
		{"secret", "secret\x00", false},
		{"", "\x00", false},
	}
	for _, c := range cases {
		if got := cred.ConstantTimeEqual([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("ConstantTimeEqual(%q, %q) = %v", c.a, c.b, got)
		}
	}
	if !cred.ConstantTimeEqual(nil, []byte{}) {
		t.Error("nil and empty differ")
	}
}
