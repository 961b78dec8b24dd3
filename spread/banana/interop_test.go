package banana

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/gotwisted/twisted/internal/twistedtest"
)

// echoPeer is a real Twisted Banana protocol on stdin/stdout: it negotiates in the given
// role and echoes every expression it receives with sendEncoded.
const echoPeer = `
import sys, os
from twisted.spread import banana

class T:
    def write(self, data):
        os.write(1, data)
    def loseConnection(self):
        os._exit(0)

b = banana.Banana(isClient=int(sys.argv[1]))
b.expressionReceived = b.sendEncoded
b.makeConnection(T())
while True:
    chunk = os.read(0, 4096)
    if not chunk:
        break
    b.dataReceived(chunk)
`

type peer struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.Reader
	cancel context.CancelFunc
}

func startPeer(t *testing.T, isClient bool) *peer {
	t.Helper()
	py := twistedtest.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	role := "0"
	if isClient {
		role = "1"
	}
	cmd := exec.CommandContext(ctx, py, "-c", echoPeer, role)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, cmd: cmd, stdin: stdin, stdout: stdout, cancel: cancel}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			t.Errorf("python peer: %v\n%s", err, stderr.String())
		}
		cancel()
	})
	return p
}

// read feeds the peer's output to c until want expressions have arrived, returning them
// and the raw bytes read.
func (p *peer) read(c *Conn, want int) ([]any, []byte) {
	p.t.Helper()
	var got []any
	var raw []byte
	buf := make([]byte, 4096)
	for len(got) < want {
		n, err := p.stdout.Read(buf)
		if err != nil {
			p.t.Fatalf("reading from python: %v (have %d of %d expressions)", err, len(got), want)
		}
		raw = append(raw, buf[:n]...)
		exprs, toSend, err := c.Feed(buf[:n])
		if err != nil {
			p.t.Fatalf("decoding python's bytes: %v", err)
		}
		got = append(got, exprs...)
		if len(toSend) > 0 {
			p.write(toSend)
		}
	}
	return got, raw
}

func (p *peer) write(b []byte) {
	if _, err := p.stdin.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

var echoExpr = []any{[]byte("remote"), int64(1), int64(-1 << 40), 2.5,
	[]any{[]byte("version"), []byte("not a word"), []any(nil)}, []byte("")}

// A Go client negotiates with a real Twisted Banana server, in each dialect, and both
// sides encode the same expression to the same bytes.
func TestInteropGoClient(t *testing.T) {
	for _, d := range []Dialect{DialectPB, DialectNone} {
		t.Run(d.String(), func(t *testing.T) {
			p := startPeer(t, false)
			c := NewConn(true, Options{Dialects: []Dialect{d}})
			if got := c.ConnectionMade(); got != nil {
				t.Fatalf("client sent % x first", got)
			}
			// Python's offer arrives and our choice goes back inside read.
			buf := make([]byte, 64)
			n, err := io.ReadAtLeast(p.stdout, buf, 12)
			if err != nil {
				t.Fatal(err)
			}
			if want := NewConn(false, Options{}).ConnectionMade(); !bytes.Equal(buf[:n], want) {
				t.Fatalf("python offered % x, we offer % x", buf[:n], want)
			}
			exprs, choice, err := c.Feed(buf[:n])
			if err != nil || len(exprs) != 0 || !c.Ready() || c.Dialect() != d {
				t.Fatalf("negotiation: %v %v %v", exprs, err, c.Dialect())
			}
			p.write(choice)
			msg, err := c.AppendExpr(nil, echoExpr)
			if err != nil {
				t.Fatal(err)
			}
			// Byte by byte, so Python's decoder sees every split too.
			for i := range msg {
				p.write(msg[i : i+1])
			}
			got, raw := p.read(c, 1)
			if !bytes.Equal(raw, msg) {
				t.Errorf("python encodes\n % x\nwe encode\n % x", raw, msg)
			}
			if again, _ := c.AppendExpr(nil, got[0]); !bytes.Equal(again, msg) {
				t.Errorf("echo decoded to %#v", got[0])
			}
		})
	}
}

// A Go server negotiates with a real Twisted Banana client, which picks pb.
func TestInteropGoServer(t *testing.T) {
	p := startPeer(t, true)
	s := NewConn(false, Options{})
	p.write(s.ConnectionMade())
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(p.stdout, buf, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:n], []byte{0x02, 0x82, 'p', 'b'}) {
		t.Fatalf("python chose % x", buf[:n])
	}
	if _, _, err := s.Feed(buf[:n]); err != nil || s.Dialect() != DialectPB {
		t.Fatalf("%v %v", err, s.Dialect())
	}
	msg, _ := s.AppendExpr(nil, echoExpr)
	p.write(msg)
	_, raw := p.read(s, 1)
	if !bytes.Equal(raw, msg) {
		t.Errorf("python encodes\n % x\nwe encode\n % x", raw, msg)
	}
}

// A Twisted client offered only unknown dialects closes the connection (exits here).
func TestInteropClientRefusesUnknownDialect(t *testing.T) {
	p := startPeer(t, true)
	offer, _ := AppendExpr(nil, []any{[]byte("foo")}, DialectNone)
	p.write(offer)
	if b, err := io.ReadAll(p.stdout); err != nil || len(b) != 0 {
		t.Errorf("python answered % x (%v)", b, err)
	}
}
