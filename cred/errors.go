package cred

// Twisted's twisted.cred.error hierarchy, as marker interfaces (see the failure package):
//
//	Exception
//	├── Unauthorized
//	│   └── UnauthorizedLogin   (also a LoginFailed: multiple inheritance)
//	└── LoginFailed
//	    ├── UnauthorizedLogin
//	    ├── UnhandledCredentials
//	    └── LoginDenied
//
// A base class is an interface with an unexported method; the concrete types implement
// the markers of every class they descend from. Each concrete type also has an Is method
// that answers for its ancestors' sentinels, so both spellings trap the same failures:
//
//	f.Trap(failure.Type[cred.LoginFailed]()) // by type token, like f.trap(LoginFailed)
//	f.Trap(cred.ErrLoginFailed)              // by sentinel, the same set of failures

// LoginFailed is the marker for twisted.cred.error.LoginFailed and its subclasses: the
// user's request to log in failed for some reason. *UnauthorizedLogin,
// *UnhandledCredentials, *LoginDenied and *LoginFailedError implement it.
type LoginFailed interface {
	error
	loginFailed()
}

// Unauthorized is the marker for twisted.cred.error.Unauthorized and its subclasses.
// *UnauthorizedLogin and *UnauthorizedError implement it.
type Unauthorized interface {
	error
	unauthorized()
}

// LoginFailedError is a plain twisted.cred.error.LoginFailed, for code that raises the base
// class itself.
type LoginFailedError struct{ Message string }

// UnauthorizedError is a plain twisted.cred.error.Unauthorized.
type UnauthorizedError struct{ Message string }

// UnauthorizedLogin is twisted.cred.error.UnauthorizedLogin: the user was not authorized
// to log in. Checkers return it for a wrong password and for an unknown user alike, so a
// client cannot tell which (nor should the message say).
type UnauthorizedLogin struct{ Message string }

// UnhandledCredentials is twisted.cred.error.UnhandledCredentials: the portal has no
// checker for the kind of credentials offered. It is a server configuration error.
type UnhandledCredentials struct{ Message string }

// LoginDenied is twisted.cred.error.LoginDenied: the realm refused a login whose
// credentials were good (too many sessions, a quota used up, the server too busy).
type LoginDenied struct{ Message string }

// Sentinels for Check, Trap and errors.Is. Each matches every error of its class and of
// its subclasses: errors.Is(&UnauthorizedLogin{}, ErrLoginFailed) is true.
var (
	ErrLoginFailed          error = &LoginFailedError{}
	ErrUnauthorized         error = &UnauthorizedError{}
	ErrUnauthorizedLogin    error = &UnauthorizedLogin{}
	ErrUnhandledCredentials error = &UnhandledCredentials{}
	ErrLoginDenied          error = &LoginDenied{}
)

func message(class, msg string) string {
	if msg == "" {
		return "cred: " + class
	}
	return "cred: " + class + ": " + msg
}

func (e *LoginFailedError) Error() string     { return message("LoginFailed", e.Message) }
func (e *UnauthorizedError) Error() string    { return message("Unauthorized", e.Message) }
func (e *UnauthorizedLogin) Error() string    { return message("UnauthorizedLogin", e.Message) }
func (e *UnhandledCredentials) Error() string { return message("UnhandledCredentials", e.Message) }
func (e *LoginDenied) Error() string          { return message("LoginDenied", e.Message) }

func (*LoginFailedError) loginFailed()     {}
func (*UnauthorizedError) unauthorized()   {}
func (*UnauthorizedLogin) loginFailed()    {}
func (*UnauthorizedLogin) unauthorized()   {}
func (*UnhandledCredentials) loginFailed() {}
func (*LoginDenied) loginFailed()          {}

// Is reports whether target is the sentinel (or any value) of LoginFailed itself.
func (e *LoginFailedError) Is(target error) bool {
	_, ok := target.(*LoginFailedError)
	return ok
}

// Is reports whether target is the sentinel (or any value) of Unauthorized itself.
func (e *UnauthorizedError) Is(target error) bool {
	_, ok := target.(*UnauthorizedError)
	return ok
}

// Is matches UnauthorizedLogin and both of its base classes.
func (e *UnauthorizedLogin) Is(target error) bool {
	switch target.(type) {
	case *UnauthorizedLogin, *LoginFailedError, *UnauthorizedError:
		return true
	}
	return false
}

// Is matches UnhandledCredentials and LoginFailed.
func (e *UnhandledCredentials) Is(target error) bool {
	switch target.(type) {
	case *UnhandledCredentials, *LoginFailedError:
		return true
	}
	return false
}

// Is matches LoginDenied and LoginFailed.
func (e *LoginDenied) Is(target error) bool {
	switch target.(type) {
	case *LoginDenied, *LoginFailedError:
		return true
	}
	return false
}

// RemoteType returns the qualified name of the Twisted exception class the error stands for
// ("twisted.cred.error.UnauthorizedLogin"), RemoteParents the names of its Python base
// classes (most derived first, up to but excluding builtins.Exception), and RemoteValue the
// exception's value as Twisted prints it: the message alone, empty for UnauthorizedLogin()
// (Error adds a prefix so Go logs never show an empty error). Perspective Broker uses them
// to send a cred error exactly as Twisted does, so a Python peer can trap it by class, and
// to match a failure from a Python peer against these errors.
func (e *UnauthorizedLogin) RemoteType() string { return "twisted.cred.error.UnauthorizedLogin" }

// RemoteParents: see UnauthorizedLogin.RemoteType.
func (e *UnauthorizedLogin) RemoteParents() []string {
	return []string{"twisted.cred.error.LoginFailed", "twisted.cred.error.Unauthorized"}
}

// RemoteValue: see UnauthorizedLogin.RemoteType.
func (e *UnauthorizedLogin) RemoteValue() string { return e.Message }

// RemoteType: see UnauthorizedLogin.RemoteType.
func (e *UnhandledCredentials) RemoteType() string {
	return "twisted.cred.error.UnhandledCredentials"
}

// RemoteParents: see UnauthorizedLogin.RemoteType.
func (e *UnhandledCredentials) RemoteParents() []string {
	return []string{"twisted.cred.error.LoginFailed"}
}

// RemoteValue: see UnauthorizedLogin.RemoteType.
func (e *UnhandledCredentials) RemoteValue() string { return e.Message }

// RemoteType: see UnauthorizedLogin.RemoteType.
func (e *LoginDenied) RemoteType() string { return "twisted.cred.error.LoginDenied" }

// RemoteParents: see UnauthorizedLogin.RemoteType.
func (e *LoginDenied) RemoteParents() []string { return []string{"twisted.cred.error.LoginFailed"} }

// RemoteValue: see UnauthorizedLogin.RemoteType.
func (e *LoginDenied) RemoteValue() string { return e.Message }

// RemoteType: see UnauthorizedLogin.RemoteType.
func (e *LoginFailedError) RemoteType() string { return "twisted.cred.error.LoginFailed" }

// RemoteParents: see UnauthorizedLogin.RemoteType.
func (e *LoginFailedError) RemoteParents() []string { return nil }

// RemoteValue: see UnauthorizedLogin.RemoteType.
func (e *LoginFailedError) RemoteValue() string { return e.Message }

// RemoteType: see UnauthorizedLogin.RemoteType.
func (e *UnauthorizedError) RemoteType() string { return "twisted.cred.error.Unauthorized" }

// RemoteParents: see UnauthorizedLogin.RemoteType.
func (e *UnauthorizedError) RemoteParents() []string { return nil }

// RemoteValue: see UnauthorizedLogin.RemoteType.
func (e *UnauthorizedError) RemoteValue() string { return e.Message }
