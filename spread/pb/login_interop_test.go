package pb

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/twisted/cred"
	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/cred/portal"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/twistedtest"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// Login interop against real Twisted, both ways: the Python client of
// testdata/login_client.py logs in to a Go server, and a Go client logs in to the Python
// server of testdata/login_server.py. The Python pair runs first, so what the Go side must
// print (and what its realm must see) is what Twisted does.

// loginAttempts is what the Python client tries, each on its own connection: a good
// login, a wrong password, an unknown user, an anonymous login, another user.
var loginAttempts = []string{"alice:secret", "alice:wrong", "mallory:x", "anonymous", "bob:hunter2"}

// loginPyServer is a running login_server.py: its port and the events it printed.
type loginPyServer struct {
	port   int
	mu     sync.Mutex
	events []string
}

func (s *loginPyServer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// startLoginPyServer starts testdata/login_server.py; it stops when the test ends.
func startLoginPyServer(tc *trial.T, args ...string) *loginPyServer {
	py := twistedtest.Python(tc.TB())
	cmd := exec.Command(py, append([]string{pyScript("login_server.py")}, args...)...)
	stdin, err := cmd.StdinPipe()
	tc.NoError(err)
	stdout, err := cmd.StdoutPipe()
	tc.NoError(err)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	tc.NoError(cmd.Start())
	s := &loginPyServer{}
	done := make(chan struct{})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "PORT ") {
				ready <- line
				continue
			}
			s.mu.Lock()
			s.events = append(s.events, line)
			s.mu.Unlock()
		}
		close(ready)
		cmd.Wait()
		close(done)
	}()
	tc.TB().Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if tc.TB().Failed() {
			tc.TB().Logf("login_server.py log:\n%s", stderr.String())
		}
	})
	var line string
	select {
	case line = <-ready:
	case <-time.After(30 * time.Second):
	}
	s.port, err = strconv.Atoi(strings.TrimPrefix(line, "PORT "))
	tc.NoError(err, "login_server.py said %q; stderr:\n%s", line, stderr.String())
	return s
}

// lockedBuffer collects a child's standard error, written from exec's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond on the reactor (every 10 ms, at most 5 s) and fires when it holds.
func waitFor(r *reactor.Reactor, cond func() bool) *deferred.Deferred {
	d := deferred.New(nil)
	deadline := time.Now().Add(5 * time.Second)
	var poll func()
	poll = func() {
		if cond() || time.Now().After(deadline) {
			d.Callback(nil)
			return
		}
		r.CallLater(10*time.Millisecond, poll)
	}
	poll()
	return d
}

// --- a Go server equivalent to login_server.py

type interopAvatar struct {
	Avatar
	name   []byte
	mind   *RemoteReference
	events *[]string
}

func (a *interopAvatar) PerspectiveWhoami() []byte   { return a.name }
func (a *interopAvatar) PerspectiveAdd(x, y int) int { return x + y }
func (a *interopAvatar) PerspectiveCallMind(text string) *deferred.Deferred {
	return a.mind.CallRemote("hello", text)
}
func (a *interopAvatar) logout() {
	*a.events = append(*a.events, "LOGOUT "+string(a.name))
	a.mind = nil
}

type interopRealm struct{ events []string }

func (r *interopRealm) RequestAvatar(id cred.AvatarID, mind any, ifaces ...reflect.Type) (any, error) {
	if !slices.Contains(ifaces, IPerspective) {
		return nil, fmt.Errorf("no IPerspective in %v", ifaces)
	}
	name := id.Name()
	if id.IsAnonymous() {
		name = []byte("<anonymous>")
	}
	ref, _ := mind.(*RemoteReference)
	mindClass := "NoneType"
	if ref != nil {
		mindClass = "RemoteReference"
	}
	r.events = append(r.events, fmt.Sprintf("LOGIN %s mind=%s", name, mindClass))
	a := &interopAvatar{name: name, mind: ref, events: &r.events}
	return portal.LoginResult{Interface: IPerspective, Avatar: a, Logout: a.logout}, nil
}

// runLoginClient runs login_client.py against port and returns its output lines.
func runLoginClient(tc *trial.T, port int) *deferred.Deferred {
	args := append([]string{pyScript("login_client.py"), strconv.Itoa(port)}, loginAttempts...)
	return runPython(tc, args...).AddCallback(func(out any) (any, error) {
		return strings.Split(strings.TrimSpace(out.(string)), "\n"), nil
	})
}

// A real Twisted client logs in to a Go server, with and without anonymous access: the
// good logins work (the avatar answers, and calls the client's mind back), the wrong
// password and the unknown user fail with UnauthorizedLogin, anonymous access fails with
// UnhandledCredentials where the portal has no anonymous checker; the realm sees the same
// logins and logouts (on disconnect) as Twisted's realm does.
func TestLoginInteropPythonClientGoServer(t *testing.T) {
	for _, anonymous := range []bool{true, false} {
		t.Run(fmt.Sprintf("anonymous=%v", anonymous), func(t *testing.T) {
			trial.Run(t, func(tc *trial.T) *deferred.Deferred {
				var args []string
				if anonymous {
					args = append(args, "--anonymous")
				}
				pyServer := startLoginPyServer(tc, args...)
				r := tc.Reactor()
				realm := &interopRealm{}
				p := portal.NewPortal(realm, checkers.NewInMemoryUsernamePasswordDatabaseDontUse(
					map[string]string{"alice": "secret", "bob": "hunter2"}))
				if anonymous {
					p.RegisterChecker(checkers.AllowAnonymousAccess{})
				}
				f := NewPBServerFactory(p)
				f.Reactor = r
				port, err := r.ListenTCP(0, f, reactor.Interface("127.0.0.1"))
				tc.NoError(err)
				tc.AddCleanup(port.StopListening)
				goPort := port.GetHost().(*net.TCPAddr).Port

				var want, got []string
				return runLoginClient(tc, pyServer.port).AddCallback(func(v any) (any, error) {
					want = v.([]string)
					tc.True(slices.Contains(want, "DONE"), "Python pair: %q", want)
					return runLoginClient(tc, goPort), nil
				}).AddCallback(func(v any) (any, error) {
					got = v.([]string)
					tc.Equal(got, want, "the Python client's report against the Go server")
					wantEvents := pyServer.lines()
					return waitFor(r, func() bool { return len(realm.events) >= len(wantEvents) }).
						AddCallback(func(any) (any, error) {
							tc.Equal(realm.events, wantEvents, "the realm's logins and logouts")
							// Failed logins are logged by the server, as in Twisted.
							logged := tc.FlushLoggedErrors(cred.ErrLoginFailed)
							wantLogged := 2
							if !anonymous {
								wantLogged = 3
							}
							tc.Equal(len(logged), wantLogged)
							return nil, nil
						}), nil
				})
			}, trial.Timeout(100*time.Second))
		})
	}
}

// interopMind is the Go client's mind: the server calls it back.
type interopMind struct {
	Referenceable
	heard []string
}

func (m *interopMind) RemoteHello(text string) string {
	m.heard = append(m.heard, text)
	return "hello back, " + text
}

// A Go client logs in to a real Twisted server: the same attempts as login_client.py, with
// the same outcomes; the server's realm calls the Go mind back, and logs each avatar out
// when the Go client disconnects.
func TestLoginInteropGoClientPythonServer(t *testing.T) {
	for _, anonymous := range []bool{true, false} {
		t.Run(fmt.Sprintf("anonymous=%v", anonymous), func(t *testing.T) {
			trial.Run(t, func(tc *trial.T) *deferred.Deferred {
				var args []string
				if anonymous {
					args = append(args, "--anonymous")
				}
				pyServer := startLoginPyServer(tc, args...)
				r := tc.Reactor()
				return deferred.Inline(func(c *deferred.Co) (any, error) {
					var wantEvents []string
					for _, attempt := range loginAttempts {
						var creds credentials.ICredentials = credentials.Anonymous{}
						name := "<anonymous>"
						if attempt != "anonymous" {
							u, pw, _ := strings.Cut(attempt, ":")
							creds, name = credentials.NewUsernamePassword(u, pw), u
						}
						good := attempt == "alice:secret" || attempt == "bob:hunter2" || (attempt == "anonymous" && anonymous)
						f := NewPBClientFactory()
						f.Reactor = r
						r.ConnectTCP("127.0.0.1", pyServer.port, f)
						mind := &interopMind{}
						avatar, err := deferred.Await[*RemoteReference](c, f.Login(creds, mind))
						switch {
						case good:
							if err != nil {
								tc.Errorf("%s: %v", attempt, err)
								break
							}
							who, _ := c.Await(avatar.CallRemote("whoami"))
							tc.Equal(who, []byte(name), attempt)
							sum, _ := c.Await(avatar.CallRemote("add", 100, 23))
							tc.Equal(sum, int64(123), attempt)
							back, _ := c.Await(avatar.CallRemote("callMind", "ping"))
							tc.Equal(back, "hello back, ping", attempt)
							tc.Equal(mind.heard, []string{"ping"}, attempt)
							wantEvents = append(wantEvents, "LOGIN "+name+" mind=RemoteReference", "LOGOUT "+name)
						case attempt == "anonymous":
							fl, _ := err.(*failure.Failure)
							tc.True(fl != nil && fl.Check(cred.ErrUnhandledCredentials) != nil, "%s: %v", attempt, err)
							var uc *cred.UnhandledCredentials
							if errors.As(err, &uc) {
								tc.Equal(uc.Message, "No checker for twisted.cred.credentials.IAnonymous")
							}
						default:
							fl, _ := err.(*failure.Failure)
							tc.True(fl != nil && fl.Check(cred.ErrUnauthorizedLogin) != nil, "%s: %v", attempt, err)
							tc.True(fl != nil && fl.Check(failure.Type[cred.LoginFailed]()) != nil, "%s: by base class", attempt)
						}
						if _, err := c.Await(disconnectAndWait(f)); err != nil {
							return nil, err
						}
						if avatar != nil {
							avatar.Release() // already gone with the connection; harmless
						}
					}
					if _, err := c.Await(waitFor(r, func() bool { return len(pyServer.lines()) >= len(wantEvents) })); err != nil {
						return nil, err
					}
					tc.Equal(pyServer.lines(), wantEvents, "the Python realm's logins and logouts")
					return nil, nil
				})
			}, trial.Timeout(100*time.Second))
		})
	}
}
