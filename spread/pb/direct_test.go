package pb

import (
	"bytes"
	"testing"

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
	call := func(id int64, name string, answer int64, args []any, kw Kwargs) {
		out = banana.AppendListHeader(out, 7)
		out = banana.AppendStr(out, cmdMessage, banana.DialectPB)
		out = banana.AppendInt(out, id)
		out = banana.AppendStr(out, "root", banana.DialectPB)
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
	return out
}

// serveStream feeds a server broker the handshake and then the stream in the given
// pieces, and returns all it wrote.
func serveStream(t *testing.T, pieces [][]byte) []byte {
	b := NewPBServerFactory(&badRoot{thing: &simpleRemote{}}).BuildProtocol(nil).(*Broker)
	tr := &directTransport{}
	reactor.MakeConnection(b, tr)
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
