package basic_test

import (
	"bufio"
	"bytes"
	"context"
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
	"github.com/gotwisted/twisted/trial"
)

// Interop with real Twisted (Debian's python3-twisted): testdata/twisted_peer.py plays a
// LineReceiver, NetstringReceiver or Int32StringReceiver client or server.

var peerScript = filepath.Join("testdata", "twisted_peer.py")

// The messages twisted_peer.py sends, in order, then "quit".
var peerMessages = [][]byte{[]byte("hello"), {}, []byte("with spaces and : commas,"),
	[]byte("\x00\x01binary\xff"), bytes.Repeat([]byte("x"), 3000)}

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

// runPython prepares twisted_peer.py with args, killed after a minute at most.
func runPython(t testing.TB, python string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return exec.CommandContext(ctx, python, append([]string{"-u", peerScript}, args...)...)
}

// startPythonServer starts twisted_peer.py as a server of kind and returns it with its
// output, whose first line is the port it listens on.
func startPythonServer(t *testing.T, python, kind string) (*exec.Cmd, *bufio.Scanner, string) {
	t.Helper()
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
	return srv, sc, sc.Text()
}

// startPythonClient starts twisted_peer.py as a client (mode "client" or "client-long")
// of a Go server listening on port; its output goes to the returned buffer.
func startPythonClient(tc *trial.T, python, mode, kind string, port reactor.ListeningPort) (*exec.Cmd, *bytes.Buffer) {
	cli := runPython(tc.TB(), python, mode, kind, strconv.Itoa(port.GetHost().(*net.TCPAddr).Port))
	out := &bytes.Buffer{}
	cli.Stdout = out
	tc.NoError(cli.Start())
	return cli, out
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
			srv, _, port := startPythonServer(t, python, kind)
			want, err := runPython(t, python, "client", kind, port).Output()
			if err != nil {
				t.Fatalf("Twisted client against Twisted server: %v", err)
			}
			_ = srv.Wait()

			// The same client against the Go server.
			trial.Run(t, func(tc *trial.T) *deferred.Deferred {
				p, st := newPeer(kind, true)
				port := trial.Must(tc.Reactor().ListenTCP(0, protocol.ForProtocol(func() protocol.IProtocol { return p }), reactor.Interface("127.0.0.1")))
				tc.AddCleanup(port.StopListening)
				cli, out := startPythonClient(tc, python, "client", kind, port)
				return st.done.AddCallback(func(any) (any, error) {
					tc.NoError(cli.Wait(), "Twisted client")
					tc.Equal(lines(out.Bytes()), lines(want))
					tc.Equal(len(st.got), len(peerMessages)+1)
					tc.ErrorIs(st.reason, failure.Type[*reactor.ConnectionDone]())
					return nil, nil
				})
			})
		})
	}
}

// A Go client of each kind talks to a real Twisted server.
func TestInteropGoClientTwistedServer(t *testing.T) {
	python := twistedtest.Python(t)
	for _, kind := range []string{"line", "netstring", "int32"} {
		t.Run(kind, func(t *testing.T) {
			srv, serverOut, port := startPythonServer(t, python, kind)
			defer srv.Wait()
			trial.Run(t, func(tc *trial.T) *deferred.Deferred {
				p, st := newPeer(kind, false)
				f := &protocol.ClientFactory{}
				f.Protocol = func() protocol.IProtocol { return p }
				tc.Reactor().ConnectTCP("127.0.0.1", trial.Must(strconv.Atoi(port)), f)
				return st.done.AddCallback(func(any) (any, error) {
					var want []string
					for _, m := range peerMessages {
						want = append(want, "echo: "+string(m))
					}
					tc.Equal(strs(st.got), want)
					tc.ErrorIs(st.reason, failure.Type[*reactor.ConnectionDone]())
					serverOut.Scan()
					tc.Equal(serverOut.Text(), "lost: ConnectionDone")
					return nil, nil
				})
			})
		})
	}
}

// A Twisted client sending a line over MaxLength is disconnected by the Go LineReceiver
// server; the line is never delivered.
func TestInteropLongLineDropsConnection(t *testing.T) {
	python := twistedtest.Python(t)
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		p, st := newPeer("line", true)
		port := trial.Must(tc.Reactor().ListenTCP(0, protocol.ForProtocol(func() protocol.IProtocol { return p }), reactor.Interface("127.0.0.1")))
		tc.AddCleanup(port.StopListening)
		cli, out := startPythonClient(tc, python, "client-long", "line", port)
		return st.done.AddCallback(func(any) (any, error) {
			tc.NoError(cli.Wait(), "Twisted client")
			tc.Equal(len(st.got), 0)
			tc.Equal(lines(out.Bytes()), []string{"lost: ConnectionDone"})
			return nil, nil
		})
	})
}
