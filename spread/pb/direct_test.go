package pb

import (
	"bytes"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/banana"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Calls and answers that start a read are read straight from it (Broker.direct); the rest
// go through banana's framing. Which path a message takes must never show.

// clientStream is what a client sends after the handshake: calls of every kind, one
// after the other, each jellied as the client broker jellies them.
func clientStream(t *testing.T) []byte {
	t.Helper()
	var out []byte
	target := "root"
	call := func(id int64, name string, answer int64, args []any, kw Kwargs) {
		out = banana.AppendListHeader(out, 7)
		out = banana.AppendStr(out, cmdMessage, banana.DialectPB)
		out = banana.AppendInt(out, id)
		out = banana.AppendStr(out, target, banana.DialectPB)
		out = banana.AppendStr(out, name, banana.DialectPB)
		out = banana.AppendInt(out, answer)
		var err error
		if out, err = jelly.AppendJelly(out, jelly.Tuple(args), banana.DialectPB); err != nil {
			t.Fatal(err)
		}
		if out, err = jelly.AppendJelly(out, kwargsDict(kw), banana.DialectPB); err != nil {
			t.Fatal(err)
		}
	}
	call(1, "echo", 1, []any{benchIntList()}, nil)
	call(2, "echo", 1, []any{benchDict()}, nil)
	call(3, "echo", 1, []any{&iTwoWay{Label: "copy", Count: 2}}, nil) // a class instance: framed
	call(4, "kw", 1, []any{5}, Kwargs{"x": "y", "z": []any{1.5, nil, true}})
	call(5, "add", 0, []any{1, 2}, nil)
	call(6, "add", 1, []any{40, 2}, nil)
	call(7, "echo", 1, []any{bytes.Repeat([]byte("b"), 5000)}, nil)
	call(8, "echo", 1, []any{[]any{jelly.Tuple{"t", -1 << 40}, jelly.Set{int64(1)}, jelly.DictOf(1, 2)}}, nil)
	target = "receiver" // a MessageReceiver: it gets the arguments still jellied
	call(9, "echo", 1, []any{[]any{benchIntList(), new(big.Int).Lsh(big.NewInt(1), 70)}}, Kwargs{"k": 2.5})
	call(10, "add", 1, []any{1, 2}, nil)
	return out
}

// messageReceiver handles its messages itself, dispatching them to its Perspective
// methods as cred's avatars do.
type messageReceiver struct{}

func (r *messageReceiver) RemoteMessageReceived(b *Broker, message string, netArgs, netKw any) (any, error) {
	return b.Dispatch(r, PerspectivePrefix, []byte(message), nil, nil, netArgs, netKw)
}
func (*messageReceiver) PerspectiveEcho(x any, kw Kwargs) jelly.Tuple {
	return jelly.Tuple{x, kwargsDict(kw)}
}
func (*messageReceiver) PerspectiveAdd(a, b int) int { return a + b }

// serveStream feeds a server broker the handshake and then the stream in the given
// pieces, and returns all it wrote.
func serveStream(t *testing.T, pieces [][]byte) []byte {
	b := NewPBServerFactory(&badRoot{thing: &simpleRemote{}}).BuildProtocol(nil).(*Broker)
	tr := &directTransport{}
	reactor.MakeConnection(b, tr)
	b.SetNameForLocal("receiver", &messageReceiver{})
	b.DataReceived([]byte{0x02, 0x82, 'p', 'b'})
	for _, p := range pieces {
		b.DataReceived(p)
	}
	if b.aborted || b.disconnected {
		t.Fatalf("the server dropped the connection")
	}
	return tr.out
}

func TestDirectReadMatchesFraming(t *testing.T) {
	stream := clientStream(t)
	framed := make([][]byte, len(stream)) // one byte at a time: never direct
	for i := range stream {
		framed[i] = stream[i : i+1]
	}
	want := serveStream(t, framed)
	if got := serveStream(t, [][]byte{stream}); !bytes.Equal(got, want) {
		t.Fatalf("read whole, the server wrote\n% x\nread byte by byte\n% x", got, want)
	}
	// Every cut in two, and the stream in pieces of a few sizes.
	for i := 1; i < len(stream); i += 1 + i/50 {
		if got := serveStream(t, [][]byte{stream[:i], stream[i:]}); !bytes.Equal(got, want) {
			t.Fatalf("cut at %d: the server wrote something else", i)
		}
	}
	for _, size := range []int{7, 100, 1500, 4096} {
		var pieces [][]byte
		for i := 0; i < len(stream); i += size {
			pieces = append(pieces, stream[i:min(i+size, len(stream))])
		}
		if got := serveStream(t, pieces); !bytes.Equal(got, want) {
			t.Fatalf("pieces of %d: the server wrote something else", size)
		}
	}
}

// A message banana refuses is refused on either path: the connection is dropped.
func TestDirectReadRefusesWhatFramingRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  []byte
	}{
		{"string over the limit in the arguments", func() []byte {
			m := banana.AppendListHeader(nil, 7)
			m = banana.AppendStr(m, cmdMessage, banana.DialectPB)
			m = append(m, 1, banana.Int)
			m = banana.AppendStr(m, "root", banana.DialectPB)
			m = banana.AppendStr(m, "echo", banana.DialectPB)
			m = append(m, 1, banana.Int, 2, banana.List)
			m = banana.AppendStr(m, "tuple", banana.DialectPB)
			m = banana.AppendPrefix(m, banana.SizeLimit+1, banana.String)
			return append(m, make([]byte, banana.SizeLimit+1)...)
		}()},
		{"invalid type byte in an answer", []byte{3, 0x80, 0x1b, 0x87, 1, 0x81, 0x9f}},
		{"answer to a call never made", []byte{3, 0x80, 0x1b, 0x87, 9, 0x81, 1, 0x81}},
	} {
		for _, split := range []bool{false, true} {
			b := NewPBServerFactory(&badRoot{thing: &simpleRemote{}}).BuildProtocol(nil).(*Broker)
			reactor.MakeConnection(b, &directTransport{})
			b.DataReceived([]byte{0x02, 0x82, 'p', 'b'})
			if split {
				b.DataReceived(tt.msg[:1])
				b.DataReceived(tt.msg[1:])
			} else {
				b.DataReceived(tt.msg)
			}
			if !b.aborted {
				t.Errorf("%s (split %v): the connection survived", tt.name, split)
			}
		}
	}
}

// Methods with concrete parameter types: the direct path decodes their arguments straight
// into them (jelly's plans).
type typedRoot struct{ Root }

func (*typedRoot) RemoteSum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}
func (*typedRoot) RemoteSmall(b uint8, i int16, f float32, ok bool) jelly.Tuple {
	return jelly.Tuple{int64(b), int64(i), float64(f), ok}
}
func (*typedRoot) RemoteKeys(m map[string]int, sep string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, sep)
}
func (*typedRoot) RemoteBytes(b []byte, p *int, l [][]string) jelly.Tuple {
	n := -1
	if p != nil {
		n = *p
	}
	return jelly.Tuple{b, int64(n), int64(len(l))}
}

// callBoth makes one call through a pair of brokers twice, once with each message
// delivered whole (read straight from the input) and once a byte at a time (banana's
// framing), and returns both outcomes.
func callBoth(t *testing.T, name string, args ...any) (whole, framed any) {
	for i, byByte := range []bool{false, true} {
		p := newDirectPair(t, &typedRoot{})
		var got any
		p.root.CallRemote(name, args...).AddCallbacks(func(v any) (any, error) { got = v; return nil, nil },
			func(f *failure.Failure) (any, error) {
				got = fmt.Sprintf("%T: %s", f.Value, f.ErrorMessage())
				return nil, nil
			})
		if byByte {
			for len(p.ct.out) > 0 || len(p.st.out) > 0 {
				c, s := p.ct.out, p.st.out
				p.ct.out, p.st.out = nil, nil
				for j := range c {
					p.server.DataReceived(c[j : j+1])
				}
				for j := range s {
					p.client.DataReceived(s[j : j+1])
				}
			}
		} else {
			p.flush()
		}
		if i == 0 {
			whole = got
		} else {
			framed = got
		}
	}
	return whole, framed
}

func TestTypedCalls(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []any
		want any    // the result
		err  string // or a part of the error's message
	}{
		{name: "sum", args: []any{[]int{1, 2, 3, 1000}}, want: int64(1006)},
		{name: "sum", args: []any{jelly.Tuple{int64(-5), int64(1 << 40)}}, want: int64(1<<40 - 5)},
		{name: "sum", args: []any{[]any{}}, want: int64(0)},
		{name: "sum", args: []any{nil}, want: int64(0)},
		{name: "sum", args: []any{[]any{int64(1), "two"}}, err: "argument 1"},
		{name: "sum", args: []any{jelly.Set{int64(1)}}, want: int64(1)}, // a set: converted the ordinary way
		{name: "sum", args: []any{[]int{1}, 2}, err: "positional arguments"},
		{name: "small", args: []any{255, -300, 1.5, true}, want: jelly.Tuple{int64(255), int64(-300), 1.5, true}},
		{name: "small", args: []any{256, 0, 0, false}, err: "overflows"},
		{name: "small", args: []any{1, 1 << 15, 0, false}, err: "overflows"},
		{name: "small", args: []any{1, 2, 3, false}, want: jelly.Tuple{int64(1), int64(2), 3.0, false}},
		{name: "small", args: []any{1, 2, 3, 1}, err: "cannot use"},
		{name: "keys", args: []any{jelly.DictOf("b", 1, "a", 2), "+"}, want: "a+b"},
		{name: "keys", args: []any{jelly.DictOf("a", 1, []byte("a"), 2), ","}, want: "a"},
		{name: "keys", args: []any{jelly.DictOf(1, 1), ","}, err: "cannot use"},
		{name: "keys", args: []any{map[string]int{}, []byte("bytes sep")}, want: ""},
		{name: "bytes", args: []any{"text", 7, [][]string{{"x"}, nil}}, want: jelly.Tuple{[]byte("text"), int64(7), int64(2)}},
		{name: "bytes", args: []any{[]byte("raw"), nil, nil}, want: jelly.Tuple{[]byte("raw"), int64(-1), int64(0)}},
	} {
		whole, framed := callBoth(t, tt.name, tt.args...)
		if !reflect.DeepEqual(whole, framed) {
			t.Errorf("%s%v: whole %#v, framed %#v", tt.name, tt.args, whole, framed)
			continue
		}
		if tt.err != "" {
			if msg, _ := whole.(string); !strings.Contains(msg, tt.err) {
				t.Errorf("%s%v: got %#v, want an error with %q", tt.name, tt.args, whole, tt.err)
			}
		} else if !reflect.DeepEqual(whole, tt.want) {
			t.Errorf("%s%v: got %#v, want %#v", tt.name, tt.args, whole, tt.want)
		}
	}
}
