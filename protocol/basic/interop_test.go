package basic_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/twistedtest"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor"
)

// Interop with real Twisted (Debian's python3-twisted): testdata/twisted_peer.py plays a
// LineReceiver, NetstringReceiver or Int32StringReceiver client or server.

var peerScript = filepath.Join("testdata", "twisted_peer.py")

// The messages twisted_peer.py sends, in order, then "quit".
var peerMessages = [][]byte{[]byte("hello"), {}, []byte("with spaces and : commas,"),
	[]byte("\x00\x01binary\xff"), bytes.Repeat([]byte("x"), 3000)}

func newInteropReactor(t *testing.T) *reactor.Reactor {
	t.Helper()
	r, err := reactor.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range r.RemoveAll() {
			d.ConnectionLost(failure.New(&reactor.ConnectionLost{Msg: "test cleanup"}))
		}
		_ = r.Close()
	})
	return r
}

func runFor(t *testing.T, r *reactor.Reactor, d *deferred.Deferred) {
	t.Helper()
	safety := r.CallLater(30*time.Second, func() { d.Errback(errors.New("safety limit reached")) })
	var failed error
	d.AddErrback(func(f *failure.Failure) (any, error) { failed = f; return nil, nil })
	if err := r.RunUntil(d); err != nil {
		t.Fatal(err)
	}
	if safety.Active() {
		_ = safety.Cancel()
	}
	if failed != nil {
		t.Fatal(failed)
	}
}

// peer is a Go protocol of one of the three kinds. As a server it answers each message M
// with "echo: M" and loses the connection after "quit"; as a client it sends the messages
// and "quit" and records the replies. done fires when the connection is lost.
type peer interface {
	protocol.IProtocol
	send(m []byte)
	received() [][]byte
}

type peerState struct {
	server bool
	got    [][]byte
	done   *deferred.Deferred
	reason *failure.Failure
	sendFn func([]byte)
	loseFn func()
}

func (s *peerState) onMessage(m []byte) {
	if !s.server {
		s.got = append(s.got, m)
		return
	}
	s.got = append(s.got, m)
	if string(m) == "quit" {
		s.loseFn()
		return
	}
	s.sendFn(append([]byte("echo: "), m...))
}

func (s *peerState) onMade() {
	if s.server {
		return
	}
	for _, m := range peerMessages {
		s.sendFn(m)
	}
	s.sendFn([]byte("quit"))
}

func (s *peerState) onLost(reason *failure.Failure) {
	s.reason = reason
	s.done.Callback(nil)
}

func (s *peerState) received() [][]byte { return s.got }

type linePeer struct {
	basic.LineReceiver
	peerState
}

func (p *linePeer) LineReceived(line []byte)               { p.onMessage(line) }
func (p *linePeer) ConnectionMade()                        { p.onMade() }
func (p *linePeer) ConnectionLost(reason *failure.Failure) { p.onLost(reason) }
func (p *linePeer) send(m []byte)                          { p.SendLine(m) }

type netstringPeer struct {
	basic.NetstringReceiver
	peerState
}

func (p *netstringPeer) StringReceived(s []byte)                { p.onMessage(s) }
func (p *netstringPeer) ConnectionMade()                        { p.onMade() }
func (p *netstringPeer) ConnectionLost(reason *failure.Failure) { p.onLost(reason) }
func (p *netstringPeer) send(m []byte)                          { p.SendString(m) }

type int32Peer struct {
	basic.Int32StringReceiver
	peerState
}

func (p *int32Peer) StringReceived(s []byte)                { p.onMessage(s) }
func (p *int32Peer) ConnectionMade()                        { p.onMade() }
func (p *int32Peer) ConnectionLost(reason *failure.Failure) { p.onLost(reason) }
func (p *int32Peer) send(m []byte)                          { _ = p.SendString(m) }

func newPeer(kind string, server bool) (peer, *peerState) {
	st := peerState{server: server, done: deferred.New(nil)}
	switch kind {
	case "line":
		p := &linePeer{peerState: st}
		p.Handler = p
		p.sendFn, p.loseFn = p.SendLine, func() { p.Transport.LoseConnection() }
		return p, &p.peerState
	case "netstring":
		p := &netstringPeer{peerState: st}
		p.Handler = p
		p.sendFn, p.loseFn = p.SendString, func() { p.Transport.LoseConnection() }
		return p, &p.peerState
	default:
		p := &int32Peer{peerState: st}
		p.Handler = p
		p.sendFn = func(m []byte) { _ = p.SendString(m) }
		p.loseFn = func() { p.Transport.LoseConnection() }
		return p, &p.peerState
	}
}

// pythonPeer runs twisted_peer.py with args and returns its stdout lines when it exits.
func runPython(t *testing.T, python string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, python, append([]string{"-u", peerScript}, args...)...)
	return cmd
}

func lines(out []byte) []string {
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// A real Twisted client talks to a Go server of each kind and prints exactly what it
// prints against a Twisted server.
func TestInteropTwistedClientGoServer(t *testing.T) {
	python := twistedtest.Python(t)
	for _, kind := range []string{"line", "netstring", "int32"} {
		t.Run(kind, func(t *testing.T) {
			// What Twisted prints against Twisted.
			srv := runPython(t, python, "server", kind)
			stdout, err := srv.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			if !sc.Scan() {
				t.Fatal("Twisted server printed no port")
			}
			want, err := runPython(t, python, "client", kind, sc.Text()).Output()
			if err != nil {
				t.Fatalf("Twisted client against Twisted server: %v", err)
			}
			_ = srv.Wait()

			// The same client against the Go server.
			r := newInteropReactor(t)
			p, st := newPeer(kind, true)
			port, err := r.ListenTCP(0, protocol.ForProtocol(func() protocol.IProtocol { return p }), reactor.Interface("127.0.0.1"))
			if err != nil {
				t.Fatal(err)
			}
			cli := runPython(t, python, "client", kind, strconv.Itoa(port.GetHost().(*net.TCPAddr).Port))
			var out bytes.Buffer
			cli.Stdout = &out
			if err := cli.Start(); err != nil {
				t.Fatal(err)
			}
			runFor(t, r, st.done)
			if err := cli.Wait(); err != nil {
				t.Fatalf("Twisted client: %v", err)
			}
			equal(t, lines(want), lines(out.Bytes()))
			equal(t, len(peerMessages)+1, len(st.got))
			if st.reason.Check(failure.Type[*reactor.ConnectionDone]()) == nil {
				t.Errorf("server lost the connection with %v", st.reason)
			}
		})
	}
}

// A Go client of each kind talks to a real Twisted server.
func TestInteropGoClientTwistedServer(t *testing.T) {
	python := twistedtest.Python(t)
	for _, kind := range []string{"line", "netstring", "int32"} {
		t.Run(kind, func(t *testing.T) {
			srv := runPython(t, python, "server", kind)
			stdout, err := srv.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			if !sc.Scan() {
				t.Fatal("Twisted server printed no port")
			}
			port, _ := strconv.Atoi(sc.Text())
			r := newInteropReactor(t)
			p, st := newPeer(kind, false)
			f := &protocol.ClientFactory{}
			f.Protocol = func() protocol.IProtocol { return p }
			r.ConnectTCP("127.0.0.1", port, f)
			runFor(t, r, st.done)
			var want []string
			for _, m := range peerMessages {
				want = append(want, "echo: "+string(m))
			}
			equal(t, want, strs(st.got))
			if st.reason.Check(failure.Type[*reactor.ConnectionDone]()) == nil {
				t.Errorf("client lost the connection with %v", st.reason)
			}
			sc.Scan()
			equal(t, "lost: ConnectionDone", sc.Text())
			_ = srv.Wait()
		})
	}
}

// A Twisted client sending a line over MaxLength is disconnected by the Go LineReceiver
// server; the line is never delivered.
func TestInteropLongLineDropsConnection(t *testing.T) {
	python := twistedtest.Python(t)
	r := newInteropReactor(t)
	p, st := newPeer("line", true)
	port, err := r.ListenTCP(0, protocol.ForProtocol(func() protocol.IProtocol { return p }), reactor.Interface("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	cli := runPython(t, python, "client-long", "line", strconv.Itoa(port.GetHost().(*net.TCPAddr).Port))
	var out bytes.Buffer
	cli.Stdout = &out
	if err := cli.Start(); err != nil {
		t.Fatal(err)
	}
	runFor(t, r, st.done)
	if err := cli.Wait(); err != nil {
		t.Fatalf("Twisted client: %v", err)
	}
	equal(t, 0, len(st.got))
	equal(t, []string{"lost: ConnectionDone"}, lines(out.Bytes()))
}
