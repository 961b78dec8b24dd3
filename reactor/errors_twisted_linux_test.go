//go:build linux

package reactor

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gotwisted/twisted/failure"
)

// Every connection error the reactor produces reads as the Twisted exception the Python
// reactor produces in the same situation: class name, str() and getErrorMessage() equal
// the texts captured from Twisted 22.4 in testdata/errors.json. Most cases happen for real
// on loopback, like the probe's; the rest are built the way the reactor builds them
// (errnos the loopback cannot produce, timeouts, resolver failures). Error numbers and
// texts are Linux's, hence the build tag.
func TestErrorTextsAsTwisted(t *testing.T) {
	golden, _ := TwistedMessages(t)
	tmp := t.TempDir()
	cases := map[string]func(t *testing.T) (error, map[string]string){
		// Built as the reactor builds them.
		"TimeoutError":                 built(&TimeoutError{}),
		"UserError (built)":            built(&UserError{}),
		"getConnectError ETIMEDOUT":    built(connectError(unix.ETIMEDOUT)),
		"getConnectError ENETUNREACH":  built(connectError(unix.ENETUNREACH)),
		"getConnectError EHOSTUNREACH": built(connectError(unix.EHOSTUNREACH)),
		"getConnectError ENOENT":       built(connectError(unix.ENOENT)),
		"getConnectError EACCES":       built(connectError(unix.EACCES)),
		"DNSLookupError":               built(&DNSLookupError{Host: "nosuch.invalid", Err: &net.DNSError{Err: "no such host", Name: "nosuch.invalid", IsNotFound: true}}),
		"ConnectionDone (reactor)":     built(&ConnectionDone{}),
		"ConnectionLost (reactor)":     built(&ConnectionLost{Err: unix.ECONNRESET}),
		"ConnectionAborted":            built(&ConnectionAborted{}),
		"ConnectionFdescWentAway":      built(fdescWentAway()),

		// For real.
		"ConnectionRefusedError": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			f := &testFactory{}
			r.ConnectTCP("127.0.0.1", closedPort(t), f)
			spin(t, r, func() bool { return len(f.failed) > 0 })
			return f.failed[0], nil
		},
		"UNIX ENOENT": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			f := &testFactory{}
			r.ConnectUNIX(filepath.Join(tmp, "missing.sock"), f)
			spin(t, r, func() bool { return len(f.failed) > 0 })
			return f.failed[0], nil
		},
		"UNIX ECONNREFUSED": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			path := filepath.Join(tmp, "stale.sock")
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
				t.Fatal(err)
			}
			unix.Close(fd) // bound, never listening
			f := &testFactory{}
			r.ConnectUNIX(path, f)
			spin(t, r, func() bool { return len(f.failed) > 0 })
			return f.failed[0], nil
		},
		"BadFileError": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			f := &testFactory{}
			r.ConnectUNIX(filepath.Join(tmp, "nolock.sock"), f, CheckPID(true))
			spin(t, r, func() bool { return len(f.failed) > 0 })
			return f.failed[0], map[string]string{tmp: "<tmp>"}
		},
		"UserError": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			f := &testFactory{}
			c := r.ConnectTCP("127.0.0.1", closedPort(t), f)
			if err := c.StopConnecting(); err != nil {
				t.Fatal(err)
			}
			spin(t, r, func() bool { return len(f.failed) > 0 })
			return f.failed[0], nil
		},
		"ConnectBindError EADDRINUSE": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			_, used := listenLocal(t, r, &testFactory{})
			f := &testFactory{}
			r.ConnectTCP("127.0.0.1", closedPort(t), f, BindAddress("127.0.0.1", used))
			spin(t, r, func() bool { return len(f.failed) > 0 })
			return f.failed[0], nil
		},
		"CannotListenError TCP": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			_, used := listenLocal(t, r, &testFactory{})
			_, err := r.ListenTCP(used, &testFactory{}, Interface("127.0.0.1"))
			return err, map[string]string{":" + strconv.Itoa(used) + ":": ":<port>:"}
		},
		"CannotListenError TCP any": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			_, used := listenLocal(t, r, &testFactory{})
			_, err := r.ListenTCP(used, &testFactory{})
			return err, map[string]string{":" + strconv.Itoa(used) + ":": ":<port>:"}
		},
		"CannotListenError UNIX": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			path := filepath.Join(tmp, "used2.sock")
			p := listenUNIX(t, r, path)
			defer p.connectionLostNow()
			_, err := r.ListenUNIX(path, &testFactory{})
			return err, map[string]string{tmp: "<tmp>"}
		},
		"CannotListenError UNIX lock": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			path := filepath.Join(tmp, "used.sock")
			p := listenUNIX(t, r, path, WantPID(true))
			defer p.connectionLostNow()
			_, err := r.ListenUNIX(path, &testFactory{}, WantPID(true))
			return err, map[string]string{tmp: "<tmp>"}
		},
		"LoseConnection": func(t *testing.T) (error, map[string]string) {
			return connectionEnd(t, func(p *recorder) { p.Transport.LoseConnection() }, nil), nil
		},
		"AbortConnection": func(t *testing.T) (error, map[string]string) {
			return connectionEnd(t, func(p *recorder) { p.Transport.AbortConnection() }, nil), nil
		},
		"reset by peer": func(t *testing.T) (error, map[string]string) {
			// SO_LINGER 0 and an abort make the server's close send RST.
			return connectionEnd(t, nil, func(p *recorder) {
				fd := p.Transport.(*conn).fd
				if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}); err != nil {
					t.Error(err)
				}
				p.Transport.AbortConnection()
			}), nil
		},
		"reactor shutdown": func(t *testing.T) (error, map[string]string) {
			r := newReactor(t)
			_, port := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &recorder{} }})
			client := &recorder{onMade: func(*recorder) { r.Stop() }}
			r.ConnectTCP("127.0.0.1", port, &testFactory{build: func(net.Addr) Protocol { return client }})
			if err := r.Run(); err != nil {
				t.Fatal(err)
			}
			return client.reason, nil
		},
	}
	cases["ConnectionLost (shutdown)"] = cases["reactor shutdown"]
	for name := range golden {
		if _, ok := cases[name]; !ok {
			t.Errorf("no Go case for Twisted's %q", name)
		}
	}
	for name, produce := range cases {
		t.Run(name, func(t *testing.T) {
			want, ok := golden[name]
			if !ok {
				t.Fatalf("%q is not in testdata/errors.json", name)
			}
			err, repl := produce(t)
			if err == nil {
				t.Fatal("no error")
			}
			f, ok := err.(*failure.Failure)
			if !ok {
				f = failure.New(err)
			}
			text, msg := f.Unwrap().Error(), f.ErrorMessage()
			for from, to := range repl {
				text, msg = strings.ReplaceAll(text, from, to), strings.ReplaceAll(msg, from, to)
			}
			if class := reflect.TypeOf(f.Unwrap()).Elem().Name(); class != want.Class {
				t.Errorf("class %s, Twisted's is %s", class, want.Class)
			}
			if text != want.Str {
				t.Errorf("Error()        %q\nTwisted's str() %q", text, want.Str)
			}
			if msg != want.GetErrorMessage {
				t.Errorf("ErrorMessage()      %q\nTwisted's getErrorMessage() %q", msg, want.GetErrorMessage)
			}
		})
	}
}

func built(err error) func(*testing.T) (error, map[string]string) {
	return func(*testing.T) (error, map[string]string) { return err, nil }
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func listenUNIX(t *testing.T, r *Reactor, path string, opts ...ListenOption) *Port {
	lp, err := r.ListenUNIX(path, &testFactory{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	return lp.(*Port)
}

// connectionEnd connects a client to a loopback server, runs the hooks on each side's
// ConnectionMade and returns the client's ConnectionLost reason.
func connectionEnd(t *testing.T, onClient, onServer func(*recorder)) *failure.Failure {
	r := newReactor(t)
	_, port := listenLocal(t, r, &testFactory{build: func(net.Addr) Protocol { return &recorder{onMade: onServer} }})
	client := &recorder{onMade: onClient}
	r.ConnectTCP("127.0.0.1", port, &testFactory{build: func(net.Addr) Protocol { return client }})
	spin(t, r, func() bool { return client.reason != nil })
	return client.reason
}
