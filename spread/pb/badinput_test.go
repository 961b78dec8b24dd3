package pb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/banana"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/trial"
)

// Hostile and broken input: a scripted raw peer sends bytes a PB peer should never send,
// and the Go broker must answer as Twisted does (pb-wire.md 3.10): an error reply where
// Twisted replies, a dropped connection where Twisted drops it, never a panic, and no
// effect on other connections.

// rawPeer plays the client side of a Go server broker byte by byte.
type rawPeer struct {
	tc    *trial.T
	b     *Broker
	tr    *trial.FakeTransport
	dec   banana.Decoder
	taken int
}

func newRawPeer(tc *trial.T, root any) *rawPeer {
	b := NewPBServerFactory(root).BuildProtocol(nil).(*Broker)
	p := &rawPeer{tc: tc, b: b, tr: trial.NewFakeTransport(b, true)}
	p.dec.Dialect = banana.DialectPB
	reactor.MakeConnection(b, p.tr)
	tc.Equal(pyDescribe(p.recv()), "[[b'pb', b'none']]")
	p.sendRaw([]byte{0x02, 0x82, 'p', 'b'})
	p.send([]any{[]byte("version"), int64(6)})
	tc.Equal(len(p.recv()), 1) // the server's version
	return p
}

func (p *rawPeer) sendRaw(data []byte) { p.b.DataReceived(data) }

func (p *rawPeer) send(x any) {
	buf, err := banana.AppendExpr(nil, x, banana.DialectPB)
	p.tc.NoError(err)
	p.sendRaw(buf)
}

// recv returns the messages the broker wrote since the last call.
func (p *rawPeer) recv() []any {
	v := p.tr.Value()
	out, err := p.dec.Feed(v[p.taken:], nil)
	p.taken = len(v)
	p.tc.NoError(err)
	return append([]any(nil), out...)
}

// call sends a message and returns its request id.
func (p *rawPeer) message(reqID int64, obj any, name any, args []any, kw []any) {
	p.send([]any{[]byte("message"), reqID, obj, name, int64(1), append([]any{[]byte("tuple")}, args...),
		append([]any{[]byte("dictionary")}, kw...)})
}

// reply returns the single reply to the last message: its command and payload.
func (p *rawPeer) reply() (string, any) {
	msgs := p.recv()
	if len(msgs) != 1 {
		p.tc.Failf("want one reply, got %v", msgs)
	}
	m := msgs[0].([]any)
	return string(m[0].([]byte)), m[2]
}

// errorType returns the type and value of an error reply's CopyableFailure.
func (p *rawPeer) errorReply() (typ, value string) {
	cmd, payload := p.reply()
	p.tc.Equal(cmd, "error")
	v, err := jelly.Unjelly(payload)
	p.tc.NoError(err)
	cf := v.(*CopiedFailure)
	return cf.Type, cf.Value
}

func (p *rawPeer) aborted() bool { return p.b.aborted && p.tr.Disconnecting() }

type badRoot struct {
	Root
	thing *simpleRemote
	hung  *deferred.Deferred
}

func (r *badRoot) RemoteAdd(a, b int) int                { return a + b }
func (r *badRoot) RemoteEcho(x any) any                  { return x }
func (r *badRoot) RemoteGetThing() *simpleRemote         { return r.thing }
func (r *badRoot) RemoteHang() *deferred.Deferred        { r.hung = deferred.New(nil); return r.hung }
func (r *badRoot) RemoteBig(n int) []byte                { return bytes.Repeat([]byte("x"), n) }
func (r *badRoot) RemoteUnsendable() chan int            { return make(chan int) }
func (r *badRoot) RemotePanic() int                      { var m map[string]int; m["boom"] = 1; return 0 }
func (r *badRoot) RemoteManyResults() (int, int)         { return 1, 2 }
func (r *badRoot) RemoteGetCounter() *iCounter           { return &iCounter{} }
func (r *badRoot) RemoteKw(a int, kw Kwargs) jelly.Tuple { return jelly.Tuple{a, kwargsDict(kw)} }

var (
	vMessage = []byte("message")
	vRoot    = []byte("root")
)

func U(s string) []any { return []any{[]byte("unicode"), []byte(s)} }

// TestBadInputAborts lists what makes Twisted drop the connection at once.
func TestBadInputAborts(t *testing.T) {
	cases := []struct {
		name string
		send func(p *rawPeer)
	}{
		{"non-list expression", func(p *rawPeer) { p.send(int64(5)) }},
		{"empty list", func(p *rawPeer) { p.send([]any{}) }},
		{"command not bytes", func(p *rawPeer) { p.send([]any{int64(1), int64(2)}) }},
		{"unknown command", func(p *rawPeer) { p.send([]any{[]byte("frobnicate"), int64(1)}) }},
		{"message arity", func(p *rawPeer) { p.send([]any{vMessage, int64(1), vRoot}) }},
		{"answer arity", func(p *rawPeer) { p.send([]any{[]byte("answer"), int64(1)}) }},
		{"decref arity", func(p *rawPeer) { p.send([]any{[]byte("decref")}) }},
		{"method name as unicode", func(p *rawPeer) { p.message(1, vRoot, U("add"), nil, nil) }},
		{"method name invalid UTF-8", func(p *rawPeer) { p.message(1, vRoot, []byte{0xff, 0xfe}, nil, nil) }},
		{"answer for unknown request", func(p *rawPeer) { p.send([]any{[]byte("answer"), int64(77), int64(1)}) }},
		{"error for unknown request", func(p *rawPeer) { p.send([]any{[]byte("error"), int64(77), int64(1)}) }},
		{"decref unknown luid", func(p *rawPeer) { p.send([]any{[]byte("decref"), int64(42)}) }},
		{"decref root", func(p *rawPeer) { p.send([]any{[]byte("decref"), vRoot}) }},
		{"decache unknown", func(p *rawPeer) { p.send([]any{[]byte("decache"), int64(42)}) }},
		{"uncache unknown", func(p *rawPeer) { p.send([]any{[]byte("uncache"), int64(42)}) }},
		{"version mismatch", func(p *rawPeer) { p.send([]any{[]byte("version"), int64(7)}) }},
		{"bad vocab index", func(p *rawPeer) { p.sendRaw([]byte{0x7a, 0x87}) }},
		{"unknown type byte", func(p *rawPeer) { p.sendRaw([]byte{0x01, 0x8f}) }},
		{"700 KiB string", func(p *rawPeer) {
			buf := banana.AppendPrefix(nil, 700*1024, banana.String)
			p.sendRaw(append(buf, make([]byte, 1024)...))
		}},
		{"list over the size limit", func(p *rawPeer) { p.sendRaw([]byte{0x02, 0x01, 0x01, 0x01, 0x01, 0x80}) }},
		{"prefix too long", func(p *rawPeer) { p.sendRaw(bytes.Repeat([]byte{0x7f}, 65)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trial.Sync(t, func(tc *trial.T) {
				p := newRawPeer(tc, &badRoot{})
				c.send(p)
				tc.True(p.aborted(), "the connection was not dropped")
				// Whatever follows is ignored, without a panic.
				p.message(2, vRoot, []byte("add"), []any{int64(1), int64(2)}, nil)
				tc.Equal(len(p.recv()), 0)
			})
		})
	}
}

// TestBadInputErrors lists what Twisted answers with an error, keeping the connection.
func TestBadInputErrors(t *testing.T) {
	cases := []struct {
		name       string
		send       func(p *rawPeer)
		typ, value string
	}{
		{"never-exported id", func(p *rawPeer) { p.message(1, int64(999), []byte("x"), nil, nil) },
			pyError, "Invalid Object ID"},
		{"unknown name", func(p *rawPeer) { p.message(1, []byte("nothere"), []byte("x"), nil, nil) },
			pyError, "Invalid Object ID"},
		{"object id as unicode", func(p *rawPeer) { p.message(1, U("root"), []byte("add"), nil, nil) },
			pyError, "Invalid Object ID"},
		{"unknown method", func(p *rawPeer) { p.message(1, vRoot, []byte("nosuch"), nil, nil) },
			pyNoSuchMethod, "No such method: remote_nosuch"},
		{"too few arguments", func(p *rawPeer) { p.message(1, vRoot, []byte("add"), []any{int64(1)}, nil) },
			pyTypeError, "(*pb.badRoot).RemoteAdd: takes 2 positional arguments but 1 were given"},
		{"too many arguments", func(p *rawPeer) {
			p.message(1, vRoot, []byte("add"), []any{int64(1), int64(2), int64(3)}, nil)
		}, pyTypeError, "(*pb.badRoot).RemoteAdd: takes 2 positional arguments but 3 were given"},
		{"wrong argument type", func(p *rawPeer) { p.message(1, vRoot, []byte("add"), []any{U("a"), int64(1)}, nil) },
			pyTypeError, "(*pb.badRoot).RemoteAdd: argument 1: jelly: cannot convert: value: cannot use string as int"},
		{"integer overflow", func(p *rawPeer) {
			p.message(1, vRoot, []byte("add"), []any{int64(1), bigOne()}, nil)
		}, pyTypeError, ""},
		{"unexpected keyword", func(p *rawPeer) {
			p.message(1, vRoot, []byte("add"), []any{int64(1), int64(2)}, []any{[]any{U("z"), int64(1)}})
		}, pyTypeError, "(*pb.badRoot).RemoteAdd: got unexpected keyword arguments z (give the method a final pb.Kwargs parameter)"},
		{"keyword not a string", func(p *rawPeer) {
			p.message(1, vRoot, []byte("kw"), []any{int64(1)}, []any{[]any{int64(5), int64(1)}})
		}, pyTypeError, "call: keywords must be strings"},
		{"args not a sequence", func(p *rawPeer) {
			p.send([]any{vMessage, int64(1), vRoot, []byte("add"), int64(1), int64(5), []any{[]byte("dictionary")}})
		}, pyTypeError, "call: argument after * must be an iterable, not int64"},
		{"kwargs not a dict", func(p *rawPeer) {
			p.send([]any{vMessage, int64(1), vRoot, []byte("add"), int64(1), []any{[]byte("tuple")}, []any{[]byte("list")}})
		}, pyTypeError, "call: argument after ** must be a mapping, not []interface {}"},
		{"insecure argument", func(p *rawPeer) {
			p.message(1, vRoot, []byte("echo"), []any{[]any{[]byte("class"), []byte("os.system")}}, nil)
		}, pyInsecureJelly, ""},
		{"malformed argument", func(p *rawPeer) { p.message(1, vRoot, []byte("echo"), []any{[]any{}}, nil) },
			"", ""},
		{"bad unicode in argument", func(p *rawPeer) {
			p.message(1, vRoot, []byte("echo"), []any{[]any{[]byte("unicode"), []byte{0xff}}}, nil)
		}, "", ""},
		{"unknown cache in cachemessage", func(p *rawPeer) {
			p.send([]any{[]byte("cachemessage"), int64(1), int64(42), []byte("x"), int64(1), []any{[]byte("tuple")}, []any{[]byte("dictionary")}})
		}, pyKeyError, "42"},
		{"unknown cached id in argument", func(p *rawPeer) {
			p.message(1, vRoot, []byte("echo"), []any{[]any{[]byte("cached"), int64(42)}}, nil)
		}, pyKeyError, "42"},
		{"panic in the method", func(p *rawPeer) { p.message(1, vRoot, []byte("panic"), nil, nil) }, "", ""},
		{"unusable method signature", func(p *rawPeer) { p.message(1, vRoot, []byte("manyResults"), nil, nil) },
			pyTypeError, "(*pb.badRoot).RemoteManyResults: a remote method must return a value, an error, or (value, error)"},
		{"result that cannot be jellied", func(p *rawPeer) { p.message(1, vRoot, []byte("unsendable"), nil, nil) },
			"", ""},
		{"result over the size limit", func(p *rawPeer) {
			p.message(1, vRoot, []byte("big"), []any{int64(700 * 1024)}, nil)
		}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trial.Sync(t, func(tc *trial.T) {
				p := newRawPeer(tc, &badRoot{})
				c.send(p)
				typ, value := p.errorReply()
				if c.typ != "" {
					tc.Equal(typ, c.typ)
				}
				if c.value != "" {
					tc.Equal(value, c.value)
				}
				tc.False(p.aborted(), "the connection was dropped")
				// The connection still works.
				p.message(2, vRoot, []byte("add"), []any{int64(1), int64(2)}, nil)
				cmd, v := p.reply()
				tc.Equal([]any{cmd, v}, []any{"answer", int64(3)})
				tc.FlushLoggedErrors() // unexpected errors are logged, as in Twisted
			})
		})
	}
}

func bigOne() any {
	b, _ := new(big.Int).SetString("100000000000000000000", 10)
	return b
}

// TestIDReusedAfterDecref: an object released by the peer is gone; its id does not come
// back, and a second decref for it drops the connection.
func TestIDReusedAfterDecref(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		root := &badRoot{thing: &simpleRemote{}}
		p := newRawPeer(tc, root)
		p.message(1, vRoot, []byte("getThing"), nil, nil)
		_, v := p.reply()
		tc.Equal(pyDescribe(v), "[b'remote', int:1]")
		p.message(2, int64(1), []byte("thunk"), []any{int64(1)}, nil)
		_, v = p.reply()
		tc.Equal(v, int64(2))
		p.send([]any{[]byte("decref"), int64(1)})
		p.message(3, int64(1), []byte("thunk"), []any{int64(1)}, nil)
		_, value := p.errorReply()
		tc.Equal(value, "Invalid Object ID")
		p.message(4, vRoot, []byte("getThing"), nil, nil)
		_, v = p.reply()
		tc.Equal(pyDescribe(v), "[b'remote', int:2]", "a new luid, never a reused one")
		p.send([]any{[]byte("decref"), int64(1)})
		tc.True(p.aborted())
	})
}

// TestDidNotUnderstand: the reply to an unknown command is only logged.
func TestDidNotUnderstand(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		p := newRawPeer(tc, &badRoot{})
		p.send([]any{[]byte("didNotUnderstand"), []byte("foo")})
		tc.False(p.aborted())
		p.message(1, vRoot, []byte("add"), []any{int64(1), int64(2)}, nil)
		_, v := p.reply()
		tc.Equal(v, int64(3))
	})
}

// TestNoAnswerRequired: answerRequired 0 gets nothing back, not even an error.
func TestNoAnswerRequired(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		p := newRawPeer(tc, &badRoot{})
		for _, name := range []string{"add", "nosuch", "echo"} {
			p.send([]any{vMessage, int64(1), vRoot, []byte(name), int64(0), []any{[]byte("tuple"), int64(1), int64(2)}, []any{[]byte("dictionary")}})
		}
		tc.Equal(len(p.recv()), 0)
		tc.Equal(len(tc.FlushLoggedErrors()), 2, "the unexpected errors are still logged")
	})
}

// TestPeerDisconnectsMidCall: the answer to a call whose caller has gone is dropped, and
// a half-received message is simply forgotten.
func TestPeerDisconnectsMidCall(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		root := &badRoot{}
		p := newRawPeer(tc, root)
		p.message(1, vRoot, []byte("hang"), nil, nil)
		msg, _ := banana.AppendExpr(nil, []any{vMessage, int64(2), vRoot, []byte("add"), int64(1),
			[]any{[]byte("tuple"), int64(1), int64(2)}, []any{[]byte("dictionary")}}, banana.DialectPB)
		p.sendRaw(msg[:len(msg)/2])
		p.b.ConnectionLost(failure.New(&reactor.ConnectionLost{}))
		root.hung.Callback(5) // the answer has nowhere to go
		tc.Equal(len(p.recv()), 0)
		p.sendRaw(msg[len(msg)/2:])
	})
}

// TestClientBadReplies: what a Go client does with replies Twisted would choke on.
func TestClientBadReplies(t *testing.T) {
	cases := []struct {
		name  string
		reply func(id int64) any
		check func(tc *trial.T, f *failure.Failure)
	}{
		{"insecure answer", func(id int64) any {
			return []any{[]byte("answer"), id, []any{[]byte("class"), []byte("os.system")}}
		}, func(tc *trial.T, f *failure.Failure) { tc.True(errors.Is(f, jelly.InsecureJelly)) }},
		{"error payload None", func(id int64) any {
			return []any{[]byte("error"), id, []any{[]byte("None")}}
		}, func(tc *trial.T, f *failure.Failure) { tc.NoError(f.Trap(failure.Type[*ProtocolError]())) }},
		{"error payload bytes", func(id int64) any {
			return []any{[]byte("error"), id, []byte("oops")}
		}, func(tc *trial.T, f *failure.Failure) { tc.NoError(f.Trap(RemoteType("builtins.bytes"))) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trial.Sync(t, func(tc *trial.T) {
				f := NewPBClientFactory()
				b := f.BuildProtocol(nil).(*Broker)
				tr := trial.NewFakeTransport(b, false)
				reactor.MakeConnection(b, tr)
				offer, _ := banana.AppendExpr(nil, []any{[]byte("pb"), []byte("none")}, banana.DialectNone)
				b.DataReceived(offer)
				root := tc.SuccessResultOf(f.GetRootObject()).(*RemoteReference)
				d := root.CallRemote("x")
				buf, err := banana.AppendExpr(nil, c.reply(1), banana.DialectPB)
				tc.NoError(err)
				b.DataReceived(buf)
				c.check(tc, tc.FailureResultOf(d))
				tc.FlushLoggedErrors()
			})
		})
	}
}

// TestCallerArgumentTooLarge: a Go caller's argument that banana cannot send fails the
// call at once, and nothing is sent.
func TestCallerArgumentTooLarge(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, _, pump := connectedServerAndClient(tc)
		pump.Flush()
		root := rootRef(tc, c)
		f := tc.FailureResultOf(root.CallRemote("echo", bytes.Repeat([]byte("x"), 700*1024)))
		tc.True(errors.Is(f, banana.ErrStringTooLong), "got %v", f)
		tc.False(pump.Pump(), "something was sent")
		d := root.CallRemote("echo", "still fine")
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), "still fine")
	})
}

// TestOtherConnectionsUnaffected: a hostile connection is dropped while another
// connection to the same root carries on.
func TestOtherConnectionsUnaffected(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		root := &badRoot{thing: &simpleRemote{}}
		sf := NewPBServerFactory(root)
		cf := NewPBClientFactory()
		_, _, pump := trial.ConnectServerAndClient(tc, cf, sf)
		pump.Flush()
		good := tc.SuccessResultOf(cf.GetRootObject()).(*RemoteReference)
		bad := newRawPeer(tc, root)
		bad.sendRaw([]byte{0x7a, 0x87})
		tc.True(bad.aborted())
		d := good.CallRemote("add", 20, 22)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), int64(42))
	})
}

// TestFloodWithoutReading: a client that writes thousands of calls without reading any
// answer, over real TCP; every answer arrives in order once it reads, and another client
// is served meanwhile.
func TestFloodWithoutReading(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		sf := NewPBServerFactory(&badRoot{})
		sf.Reactor = r
		port, err := r.ListenTCP(0, sf, reactor.Interface("127.0.0.1"))
		tc.NoError(err)
		tc.AddCleanup(port.StopListening)
		addr := port.GetHost().String()
		const n = 20000
		done := deferred.New(nil)
		var flood []byte
		flood = append(flood, 0x02, 0x82, 'p', 'b')
		flood, _ = banana.AppendExpr(flood, []any{[]byte("version"), int64(6)}, banana.DialectPB)
		for i := 1; i <= n; i++ {
			flood, _ = banana.AppendExpr(flood, []any{vMessage, int64(i), vRoot, []byte("add"), int64(1),
				[]any{[]byte("tuple"), int64(i), int64(1)}, []any{[]byte("dictionary")}}, banana.DialectPB)
		}
		go func() {
			err := floodClient(addr, flood, n)
			r.CallFromThread(func() {
				if err != nil {
					done.Errback(err)
				} else {
					done.Callback(nil)
				}
			})
		}()
		// Meanwhile a well-behaved client gets its answers.
		cf := NewPBClientFactory()
		r.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, cf)
		tc.AddCleanup(func() *deferred.Deferred { return disconnectAndWait(cf) })
		good := deferred.Inline(func(c *deferred.Co) (any, error) {
			root, err := deferred.Await[*RemoteReference](c, cf.GetRootObject())
			if err != nil {
				return nil, err
			}
			v, err := c.Await(root.CallRemote("add", 1, 1))
			tc.Equal(v, int64(2))
			return nil, err
		})
		return deferred.Gather([]*deferred.Deferred{done, good})
	}, trial.Timeout(60*time.Second))
}

// floodClient writes all of flood before reading anything, then reads the n answers and
// checks each is ['answer', i, i+1].
func floodClient(addr string, flood []byte, n int) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(45 * time.Second))
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, werr = conn.Write(flood)
	}()
	time.Sleep(100 * time.Millisecond) // let the server's buffers fill before reading
	dec := banana.Decoder{Dialect: banana.DialectPB}
	buf := make([]byte, 64*1024)
	next := int64(1)
	var exprs []any
	for next <= int64(n) {
		k, err := conn.Read(buf)
		if err != nil {
			if err == io.EOF {
				err = fmt.Errorf("connection closed after %d answers", next-1)
			}
			return err
		}
		exprs, err = dec.Feed(buf[:k], exprs[:0])
		if err != nil {
			return err
		}
		for _, x := range exprs {
			m, ok := x.([]any)
			if !ok || len(m) != 3 || string(asBytes(m[0])) != "answer" {
				continue // the dialect offer and the version
			}
			if m[1] != next || m[2] != next+1 {
				return fmt.Errorf("answer %v to request %d, want %d", m, next, next+1)
			}
			next++
		}
	}
	wg.Wait()
	return werr
}

// FuzzBrokerMessages feeds arbitrary bytes to a server broker after the handshake: it
// may answer or drop the connection, never panic. Seeds: the golden sessions' client
// messages.
func FuzzBrokerMessages(f *testing.F) {
	// Hostile input is logged at length ("Peer will receive..."); not here.
	saved := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	f.Cleanup(func() { slog.SetDefault(saved) })
	for _, s := range loadGolden(f) {
		for _, r := range s.Records {
			if r.Dir == "C->S" && strings.HasPrefix(r.Sexp, "['message'") {
				b, _ := hex.DecodeString(r.Hex)
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Whole (messages read straight from the input where possible) and with the first
		// byte apart (banana's framing first): the same verdict on the connection.
		var dropped [2]bool
		for i, pieces := range [][][]byte{{data}, {data[:min(1, len(data))], data[min(1, len(data)):]}} {
			b := NewPBServerFactory(&badRoot{thing: &simpleRemote{}}).BuildProtocol(nil).(*Broker)
			tr := trial.NewFakeTransport(b, true)
			reactor.MakeConnection(b, tr)
			b.DataReceived([]byte{0x02, 0x82, 'p', 'b'})
			for _, p := range pieces {
				b.DataReceived(p)
			}
			dropped[i] = b.aborted || tr.Disconnecting()
			b.ConnectionLost(failure.New(&reactor.ConnectionDone{}))
		}
		if dropped[0] != dropped[1] {
			t.Fatalf("whole: dropped %v; split: dropped %v", dropped[0], dropped[1])
		}
	})
}
