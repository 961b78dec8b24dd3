package banana

import (
	"bytes"
	"errors"
	"math/big"
	"reflect"
	"runtime"
	"testing"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rep(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// wireTests are raw bytes in, expressions or a named error out, in the style of net/http's
// request tests. Each case runs fed whole and fed one byte at a time; both must agree.
var wireTests = []struct {
	name    string
	dialect Dialect
	in      []byte
	want    []any // complete expressions
	err     error // sentinel, nil for success
	pending bool  // bytes left waiting for more (truncated input)
}{
	// Valid and lenient forms (pb-wire.md 1.1-1.5, 7.14).
	{name: "int", in: []byte{0x2a, Int}, want: []any{int64(42)}},
	{name: "empty prefix is zero", in: []byte{Int}, want: []any{int64(0)}},
	{name: "non-canonical prefix", in: []byte{5, 0, 0, Int}, want: []any{int64(5)}},
	{name: "INT above 2**31", in: []byte{0, 0, 0, 0, 0x10, Int}, want: []any{int64(1 << 32)}},
	{name: "LONGINT holding 5", in: []byte{5, LongInt}, want: []any{int64(5)}},
	{name: "NEG zero", in: []byte{0, Neg}, want: []any{int64(0)}},
	{name: "NEG 2**63 is MinInt64", in: append(rep(0, 9), 1, Neg), want: []any{int64(-1 << 63)}},
	{name: "INT 2**63 is big", in: append(rep(0, 9), 1, Int), want: []any{new(big.Int).Lsh(big.NewInt(1), 63)}},
	{name: "64 prefix bytes", in: append(rep(0x7f, 64), LongInt), want: []any{new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 448), big.NewInt(1))}},
	{name: "64 zero prefix bytes", in: append(rep(0, 64), Int), want: []any{int64(0)}},
	{name: "float with ignored prefix", in: []byte{5, 5, Float, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, want: []any{1.5}},
	{name: "empty list", in: []byte{List}, want: []any{[]any(nil)}},
	{name: "nested lists", in: []byte{1, List, 1, List, 0, List}, want: []any{[]any{[]any{[]any(nil)}}}},
	{name: "two expressions", in: []byte{1, Int, 2, Int}, want: []any{int64(1), int64(2)}},
	{name: "empty string", in: []byte{0, String}, want: []any{[]byte{}}},
	{name: "vocab in pb", dialect: DialectPB, in: []byte{1, Vocab}, want: []any{[]byte("None")}},

	// Truncated tokens: nothing yet, no error, the bytes wait.
	{name: "truncated prefix", in: []byte{5, 5}, pending: true},
	{name: "truncated string payload", in: []byte{5, String, 'a', 'b'}, pending: true},
	{name: "truncated float", in: []byte{Float, 0x3f, 0xf8}, pending: true},
	{name: "truncated list", in: []byte{3, List, 1, Int}, pending: true},
	{name: "64 pending prefix bytes wait", in: rep(1, 64), pending: true},

	// Hostile input: named errors.
	{name: "65 prefix bytes then type", in: append(rep(1, 65), Int), err: ErrPrefixTooLong},
	{name: "65 pending prefix bytes", in: rep(1, 65), err: ErrPrefixTooLong},
	{name: "huge prefix", in: rep(0x7f, 100000), err: ErrPrefixTooLong},
	{name: "string over limit", in: []byte{1, 0, 0x28, String}, err: ErrStringTooLong},        // 655361
	{name: "list over limit", in: []byte{1, 0, 0x28, List}, err: ErrListTooLong},              // 655361
	{name: "list of 2**60", in: append(rep(0, 8), 0x10, List), err: ErrListTooLong},           // 2**60
	{name: "string of 2**60", in: append(rep(0, 8), 0x10, String), err: ErrStringTooLong},     // 2**60
	{name: "list beyond 64 bits", in: append(rep(0x7f, 20), List), err: ErrListTooLong},       //
	{name: "string beyond 64 bits", in: append(rep(0x7f, 20), String), err: ErrStringTooLong}, //
	{name: "unknown type byte 88", in: []byte{1, 0x88}, err: ErrInvalidTypeByte},
	{name: "unknown type byte ff", in: []byte{0xff}, err: ErrInvalidTypeByte},
	{name: "unknown type inside list", in: []byte{2, List, 1, Int, 0x90}, err: ErrInvalidTypeByte},
	{name: "vocab 0", dialect: DialectPB, in: []byte{0, Vocab}, err: ErrUnknownVocab},
	{name: "vocab 32", dialect: DialectPB, in: []byte{0x20, Vocab}, err: ErrUnknownVocab},
	{name: "vocab huge", dialect: DialectPB, in: append(rep(0x7f, 12), Vocab), err: ErrUnknownVocab},
	{name: "vocab in none", dialect: DialectNone, in: []byte{1, Vocab}, err: ErrVocabNotAllowed},
	{name: "vocab unset", dialect: DialectUnset, in: []byte{1, Vocab}, err: ErrVocabNotAllowed},
	{name: "good expression then garbage", in: []byte{1, Int, 0x88}, want: []any{int64(1)}, err: ErrInvalidTypeByte},
}

func TestWire(t *testing.T) {
	for _, tt := range wireTests {
		t.Run(tt.name, func(t *testing.T) {
			for _, bytewise := range []bool{false, true} {
				d := Decoder{Dialect: tt.dialect}
				var got []any
				var err error
				if bytewise {
					for i := 0; i < len(tt.in) && err == nil; i++ {
						got, err = d.Feed(tt.in[i:i+1], got)
					}
				} else {
					got, err = d.Feed(tt.in, nil)
				}
				if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
					t.Fatalf("bytewise=%v: error %v, want %v", bytewise, err, tt.err)
				}
				if err != nil {
					var be *Error
					if !errors.As(err, &be) || be.Msg == "" {
						t.Errorf("error %v is not a *banana.Error with a message", err)
					}
					// The decoder stays failed.
					if _, err2 := d.Feed([]byte{1, Int}, nil); !errors.Is(err2, tt.err) {
						t.Errorf("after error, Feed gave %v", err2)
					}
				}
				if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
					t.Errorf("bytewise=%v: got %#v, want %#v", bytewise, got, tt.want)
				}
				if (d.Buffered() > 0 || d.Depth() > 0) != tt.pending && err == nil {
					t.Errorf("bytewise=%v: buffered %d, depth %d, pending want %v", bytewise, d.Buffered(), d.Depth(), tt.pending)
				}
			}
		})
	}
}

// 100 000 nested lists decode without recursion, and re-encoding refuses them with a
// named error instead of exhausting the stack.
func TestDeepNesting(t *testing.T) {
	const depth = 100000
	in := append(bytes.Repeat([]byte{1, List}, depth), 7, Int)
	var d Decoder
	exprs, err := d.Feed(in, nil)
	if err != nil || len(exprs) != 1 {
		t.Fatalf("%v, %d expressions", err, len(exprs))
	}
	x := exprs[0]
	for i := 0; i < depth; i++ {
		l, ok := x.([]any)
		if !ok || len(l) != 1 {
			t.Fatalf("level %d: %#v", i, x)
		}
		x = l[0]
	}
	if x != any(int64(7)) {
		t.Fatalf("innermost %#v", x)
	}
	if _, err := AppendExpr(nil, exprs[0], DialectNone); !errors.Is(err, ErrTooDeep) {
		t.Errorf("encode: %v", err)
	}
	// Byte by byte too.
	d = Decoder{}
	var got []any
	for i := range in {
		if got, err = d.Feed(in[i:i+1], got); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 {
		t.Errorf("bytewise: %d expressions", len(got))
	}
}

// A list claiming the maximum size reserves memory only for what has arrived, and a
// string's payload is not reserved before it arrives.
func TestMemoryBoundedByInput(t *testing.T) {
	measure := func(f func()) uint64 {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	hdr := AppendListHeader(nil, SizeLimit)
	n := measure(func() {
		var d Decoder
		for i := 0; i < 100; i++ {
			if _, err := d.Feed(append(hdr, 1, Int), nil); err != nil {
				t.Fatal(err)
			}
			d = Decoder{}
		}
	})
	if n > 100*4096 {
		t.Errorf("100 list headers of %d elements allocated %d bytes", SizeLimit, n)
	}
	shdr := AppendPrefix(nil, SizeLimit, String)
	n = measure(func() {
		for i := 0; i < 100; i++ {
			var d Decoder
			if _, err := d.Feed(append(shdr, 'x'), nil); err != nil {
				t.Fatal(err)
			}
		}
	})
	if n > 100*4096 {
		t.Errorf("100 string headers of %d bytes allocated %d bytes", SizeLimit, n)
	}
}

// A string split across many reads arrives intact, and consecutive expressions in one read
// all come out.
func TestSplitsAnywhere(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789"), 7000) // 70 000 bytes
	msg, _ := AppendExpr(nil, []any{payload, int64(1), []any{[]byte("remote"), 2.5}}, DialectPB)
	stream := append(append([]byte{}, msg...), msg...)
	for _, chunk := range []int{1, 2, 3, 7, 100, 4096, 65536, len(stream)} {
		d := Decoder{Dialect: DialectPB}
		var got []any
		var err error
		for i := 0; i < len(stream); i += chunk {
			end := min(i+chunk, len(stream))
			if got, err = d.Feed(stream[i:end], got); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != 2 || !bytes.Equal(got[1].([]any)[0].([]byte), payload) {
			t.Fatalf("chunk %d: %d expressions", chunk, len(got))
		}
	}
}

// A maximum-size string trickling in a few bytes at a time costs linear time: the waiting
// payload is not copied again on every read.
func TestLargeStringSmallReads(t *testing.T) {
	msg := AppendPrefix(nil, SizeLimit, String)
	msg = append(msg, make([]byte, SizeLimit)...)
	var d Decoder
	var got []any
	var err error
	for i := 0; i < len(msg); i += 16 {
		if got, err = d.Feed(msg[i:min(i+16, len(msg))], got); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || len(got[0].([]byte)) != SizeLimit {
		t.Fatalf("got %d expressions", len(got))
	}
}

// Ports pb-wire.md 6.5 X1: handshake bytes in both roles.
func TestNegotiation(t *testing.T) {
	server, client := NewConn(false, Options{}), NewConn(true, Options{})
	offer := server.ConnectionMade()
	if want := []byte{0x02, 0x80, 0x02, 0x82, 'p', 'b', 0x04, 0x82, 'n', 'o', 'n', 'e'}; !bytes.Equal(offer, want) {
		t.Fatalf("offer % x", offer)
	}
	if client.ConnectionMade() != nil {
		t.Fatal("client spoke first")
	}
	exprs, choice, err := client.Feed(offer)
	if err != nil || len(exprs) != 0 || !bytes.Equal(choice, []byte{0x02, 0x82, 'p', 'b'}) {
		t.Fatalf("client: %v % x %v", exprs, choice, err)
	}
	if !client.Ready() || client.Dialect() != DialectPB {
		t.Fatal("client not ready in pb")
	}
	version, _ := client.AppendExpr(nil, []any{[]byte("version"), int64(6)})
	if !bytes.Equal(version, []byte{0x02, 0x80, 0x13, 0x87, 0x06, 0x81}) {
		t.Fatalf("version % x", version)
	}
	if server.Ready() {
		t.Fatal("server ready too early")
	}
	exprs, out, err := server.Feed(append(choice, version...))
	if err != nil || out != nil || !server.Ready() || server.Dialect() != DialectPB {
		t.Fatalf("server: %v %v", out, err)
	}
	if len(exprs) != 1 || string(exprs[0].([]any)[0].([]byte)) != "version" {
		t.Fatalf("server got %v", exprs)
	}
}

func TestNegotiationCases(t *testing.T) {
	enc := func(x any) []byte { b, _ := AppendExpr(nil, x, DialectNone); return b }
	cases := []struct {
		name     string
		client   bool
		opts     Options
		in       []byte
		dialect  Dialect
		choice   []byte
		err      error
		graceful bool
	}{
		{name: "client picks server order", client: true, in: enc([]any{[]byte("none"), []byte("pb")}), dialect: DialectNone, choice: enc([]byte("none"))},
		{name: "client skips unknown", client: true, in: enc([]any{[]byte("foo"), []byte("pb")}), dialect: DialectPB, choice: enc([]byte("pb"))},
		{name: "client knows none offered", client: true, in: enc([]any{[]byte("foo")}), err: ErrNoDialect, graceful: true},
		{name: "client restricted to none", client: true, opts: Options{Dialects: []Dialect{DialectNone}}, in: enc([]any{[]byte("pb"), []byte("none")}), dialect: DialectNone, choice: enc([]byte("none"))},
		{name: "client offered a string", client: true, in: enc([]byte("pb")), err: ErrNoDialect, graceful: true},
		{name: "client offered an int", client: true, in: enc(int64(1)), err: ErrBadDialectOffer},
		{name: "client offered vocab", client: true, in: []byte{1, List, 0x10, Vocab}, err: ErrVocabNotAllowed},
		{name: "server gets pb", in: enc([]byte("pb")), dialect: DialectPB},
		{name: "server gets none", in: enc([]byte("none")), dialect: DialectNone},
		{name: "server gets unknown", in: enc([]byte("foo")), err: ErrNoDialect, graceful: true},
		{name: "server gets a list", in: enc([]any{[]byte("pb")}), err: ErrNoDialect, graceful: true},
		{name: "server gets vocab", in: []byte{0x10, Vocab}, err: ErrVocabNotAllowed},
		{name: "server refuses unoffered", opts: Options{Dialects: []Dialect{DialectNone}}, in: enc([]byte("pb")), err: ErrNoDialect, graceful: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := NewConn(c.client, c.opts)
			_, choice, err := conn.Feed(c.in)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if IsGracefulClose(err) != c.graceful {
				t.Errorf("graceful %v, want %v", IsGracefulClose(err), c.graceful)
			}
			if err == nil && (conn.Dialect() != c.dialect || !conn.Ready()) {
				t.Errorf("dialect %v ready %v", conn.Dialect(), conn.Ready())
			}
			if !bytes.Equal(choice, c.choice) {
				t.Errorf("choice % x, want % x", choice, c.choice)
			}
		})
	}
}

// The negotiated dialect applies to the very next token of the same read: a server that
// sends its offer and (wrongly early) a VOCAB message in one write is decoded as Python
// decodes it.
func TestDialectAppliesMidBuffer(t *testing.T) {
	client := NewConn(true, Options{})
	in := append(NewConn(false, Options{}).ConnectionMade(), 0x02, 0x80, 0x13, 0x87, 0x06, 0x81)
	exprs, _, err := client.Feed(in)
	if err != nil || len(exprs) != 1 {
		t.Fatalf("%v %v", exprs, err)
	}
	if got := exprs[0].([]any); string(got[0].([]byte)) != "version" || got[1] != any(int64(6)) {
		t.Errorf("got %v", got)
	}
}
