package banana

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"reflect"
	"testing"
)

// newNoneConn returns a connection already in dialect "none", as BananaTestBase.setUp
// selects it.
func newNoneConn() *Conn {
	c := NewConn(true, Options{})
	c.selectDialect(DialectNone)
	return c
}

// roundTrip encodes x on a "none" connection and feeds the bytes back, all at once.
func roundTrip(t *testing.T, x any) any {
	t.Helper()
	c := newNoneConn()
	b, err := c.AppendExpr(nil, x)
	if err != nil {
		t.Fatalf("encode %v: %v", x, err)
	}
	exprs, _, err := c.Feed(b)
	if err != nil || len(exprs) != 1 {
		t.Fatalf("decode % x: %v (%d expressions)", b, err, len(exprs))
	}
	return exprs[0]
}

func bigOf(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return v
}

// Ports test_banana.py MathTests.test_int2b128.
func TestInt2b128(t *testing.T) {
	var vals []*big.Int
	for _, r := range [][2]int64{{0, 100}, {1000, 1100}, {1000000, 1000100}} {
		for i := r[0]; i < r[1]; i++ {
			vals = append(vals, big.NewInt(i))
		}
	}
	vals = append(vals, new(big.Int).Exp(big.NewInt(1024), big.NewInt(10), nil))
	for _, v := range vals {
		b, err := AppendBigInt(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		prefix := b[:len(b)-1]
		got := intValue(prefix, false)
		var gb *big.Int
		switch g := got.(type) {
		case int64:
			gb = big.NewInt(g)
		case *big.Int:
			gb = g
		}
		if gb.Cmp(v) != 0 {
			t.Errorf("%v: prefix % x decodes to %v", v, prefix, got)
		}
		if v.IsInt64() {
			if p := AppendPrefix(nil, uint64(v.Int64()), Int); !bytes.Equal(p[:len(p)-1], prefix) {
				t.Errorf("%v: AppendPrefix % x, AppendBigInt % x", v, p, prefix)
			}
		}
	}
}

// Ports test_banana.py BananaTests.test_string.
func TestString(t *testing.T) {
	if got := roundTrip(t, []byte("hello")); !bytes.Equal(got.([]byte), []byte("hello")) {
		t.Errorf("got %q", got)
	}
}

// Ports test_banana.py BananaTests.test_unsupportedUnicode: banana has no text type.
func TestUnsupportedUnicode(t *testing.T) {
	_, err := newNoneConn().AppendExpr(nil, "hello")
	var be *Error
	if !errors.Is(err, ErrUnsupportedType) || !errors.As(err, &be) ||
		!bytes.Contains([]byte(be.Msg), []byte("Banana cannot send builtins.str objects")) {
		t.Errorf("got %v", err)
	}
}

// Ports test_banana.py BananaTests.test_unsupportedBuiltinType and
// test_unsupportedUserType: the message names the type.
func TestUnsupportedUserType(t *testing.T) {
	type Foo struct{ A int }
	for _, x := range []any{Foo{1}, map[string]int{}, reflect.TypeOf(0), nil} {
		_, err := AppendExpr(nil, x, DialectNone)
		if !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("%T: got %v", x, err)
		}
	}
	_, err := AppendExpr(nil, Foo{1}, DialectNone)
	if !bytes.Contains([]byte(err.Error()), []byte("banana.Foo")) {
		t.Errorf("message does not name the type: %v", err)
	}
}

// Ports test_banana.py BananaTests.test_int (and test_integer, test_negative).
func TestInt(t *testing.T) {
	for _, v := range []int64{10151, 1015, -1015} {
		if got := roundTrip(t, v); got != any(v) {
			t.Errorf("%d came back as %#v", v, got)
		}
	}
}

// Ports test_banana.py BananaTests.test_encodeTooLargeLong and test_encodeTooSmallLong.
func TestEncodeTooLargeLong(t *testing.T) {
	smallest := new(big.Int).Lsh(big.NewInt(1), 7*PrefixLimit) // 2**448
	for _, v := range []*big.Int{smallest, new(big.Int).Neg(smallest)} {
		if _, err := AppendExpr(nil, v, DialectNone); !errors.Is(err, ErrIntTooLarge) {
			t.Errorf("%v: got %v", v, err)
		}
	}
	largest := new(big.Int).Sub(smallest, big.NewInt(1))
	for _, v := range []*big.Int{largest, new(big.Int).Neg(largest)} {
		if got := roundTrip(t, v); got.(*big.Int).Cmp(v) != 0 {
			t.Errorf("%v came back as %v", v, got)
		}
	}
}

// Ports test_banana.py BananaTests.test_decodeTooLargeLong and test_decodeTooSmallLong:
// 2**448 written with a doubled prefix limit (65 prefix bytes) is refused on receipt.
func TestDecodeTooLargeLong(t *testing.T) {
	for _, typ := range []byte{LongInt, LongNeg} {
		enc := append(make([]byte, 64), 1, typ) // 2**448: 64 zero groups then 1
		_, _, err := newNoneConn().Feed(enc)
		if !errors.Is(err, ErrPrefixTooLong) {
			t.Errorf("type %x: got %v", typ, err)
		}
	}
}

// Ports test_banana.py BananaTests.test_float.
func TestFloat(t *testing.T) {
	if got := roundTrip(t, 1015.0); got != any(1015.0) {
		t.Errorf("got %#v", got)
	}
}

var testList = []any{int64(1), int64(2), []any{int64(3), int64(4)}, []any{30.5, 40.2}, int64(5),
	[]any{[]byte("six"), []byte("seven"), []any{[]byte("eight"), int64(9)}}, []any{int64(10)}, []any(nil)}

// Ports test_banana.py BananaTests.test_list.
func TestList(t *testing.T) {
	if got := roundTrip(t, testList); !reflect.DeepEqual(got, testList) {
		t.Errorf("got %#v", got)
	}
}

// Ports test_banana.py BananaTests.test_partial: the list plus sys.maxsize*3, *2 and *-2,
// fed one byte at a time.
func TestPartial(t *testing.T) {
	maxsize := big.NewInt(math.MaxInt64)
	foo := append(append([]any{}, testList[:7]...),
		new(big.Int).Mul(maxsize, big.NewInt(3)),
		new(big.Int).Mul(maxsize, big.NewInt(2)),
		new(big.Int).Mul(maxsize, big.NewInt(-2)))
	c := newNoneConn()
	b, err := c.AppendExpr(nil, foo)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	for i := range b {
		exprs, _, err := c.Feed(b[i : i+1])
		if err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		got = append(got, exprs...)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], foo) {
		t.Errorf("got %#v", got)
	}
}

// feedBytewise feeds data one byte at a time and returns the first error.
func feedBytewise(c *Conn, data []byte) error {
	for i := range data {
		if _, _, err := c.Feed(data[i : i+1]); err != nil {
			return err
		}
	}
	return nil
}

// Ports test_banana.py BananaTests.test_oversizedList.
func TestOversizedList(t *testing.T) {
	if err := feedBytewise(newNoneConn(), []byte{2, 1, 1, 1, 1, 0x80}); !errors.Is(err, ErrListTooLong) {
		t.Errorf("got %v", err)
	}
}

// Ports test_banana.py BananaTests.test_oversizedString.
func TestOversizedString(t *testing.T) {
	if err := feedBytewise(newNoneConn(), []byte{2, 1, 1, 1, 1, 0x82}); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("got %v", err)
	}
}

// Ports test_banana.py BananaTests.test_crashString: a list of 2**34 elements must not
// crash or allocate; an error is fine.
func TestCrashString(t *testing.T) {
	allocs := testing.AllocsPerRun(10, func() {
		_, _, err := newNoneConn().Feed([]byte{0, 0, 0, 0, 4, 0x80})
		if !errors.Is(err, ErrListTooLong) {
			t.Errorf("got %v", err)
		}
	})
	if allocs > 3 { // the Conn itself
		t.Errorf("%v allocations", allocs)
	}
}

// Ports test_banana.py BananaTests.test_crashNegativeLong.
func TestCrashNegativeLong(t *testing.T) {
	if got := roundTrip(t, int64(-2147483648)); got != any(int64(-2147483648)) {
		t.Errorf("got %#v", got)
	}
}

// Ports test_banana.py BananaTests.test_sizedIntegerTypes: exact bytes at the INT/LONGINT
// and NEG/LONGNEG boundaries.
func TestSizedIntegerTypes(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want []byte
	}{
		{2147483645, []byte{0x7d, 0x7f, 0x7f, 0x7f, 0x07, Int}},
		{2147483646, []byte{0x7e, 0x7f, 0x7f, 0x7f, 0x07, Int}},
		{2147483647, []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x07, Int}},
		{2147483648, []byte{0x00, 0x00, 0x00, 0x00, 0x08, LongInt}},
		{2147483649, []byte{0x01, 0x00, 0x00, 0x00, 0x08, LongInt}},
		{2147483650, []byte{0x02, 0x00, 0x00, 0x00, 0x08, LongInt}},
		{-2147483646, []byte{0x7e, 0x7f, 0x7f, 0x7f, 0x07, Neg}},
		{-2147483647, []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x07, Neg}},
		{-2147483648, []byte{0x00, 0x00, 0x00, 0x00, 0x08, Neg}},
		{-2147483649, []byte{0x01, 0x00, 0x00, 0x00, 0x08, LongNeg}},
		{-2147483650, []byte{0x02, 0x00, 0x00, 0x00, 0x08, LongNeg}},
		{-2147483651, []byte{0x03, 0x00, 0x00, 0x00, 0x08, LongNeg}},
	} {
		if got := AppendInt(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("%d: got % x, want % x", c.v, got, c.want)
		}
		if got, _ := AppendBigInt(nil, big.NewInt(c.v)); !bytes.Equal(got, c.want) {
			t.Errorf("%d (big): got % x, want % x", c.v, got, c.want)
		}
	}
}

// Ports test_banana.py DialectTests.test_dialectNotSet: VOCAB before a dialect is chosen.
func TestDialectNotSet(t *testing.T) {
	c := NewConn(true, Options{})
	if _, _, err := c.Feed([]byte{0x10, Vocab}); !errors.Is(err, ErrVocabNotAllowed) {
		t.Errorf("got %v", err)
	}
	if _, _, err := newNoneConn().Feed([]byte{0x10, Vocab}); !errors.Is(err, ErrVocabNotAllowed) {
		t.Errorf("dialect none: got %v", err)
	}
}

func newPBConn() *Conn {
	c := NewConn(true, Options{})
	c.selectDialect(DialectPB)
	return c
}

// Ports test_banana.py DialectTests.test_receivePb.
func TestReceivePb(t *testing.T) {
	exprs, _, err := newPBConn().Feed([]byte{0x10, Vocab})
	if err != nil || len(exprs) != 1 || string(exprs[0].([]byte)) != "remote" {
		t.Errorf("got %v %v", exprs, err)
	}
}

// Ports test_banana.py DialectTests.test_receiveIllegalPb: index 122 is not a word.
func TestReceiveIllegalPb(t *testing.T) {
	if _, _, err := newPBConn().Feed([]byte{0x7a, Vocab}); !errors.Is(err, ErrUnknownVocab) {
		t.Errorf("got %v", err)
	}
}

// Ports test_banana.py DialectTests.test_sendPb.
func TestSendPb(t *testing.T) {
	b, err := newPBConn().AppendExpr(nil, []byte("remote"))
	if err != nil || !bytes.Equal(b, []byte{0x10, Vocab}) {
		t.Errorf("got % x %v", b, err)
	}
}

// Ports test_banana.py GlobalCoderTests.test_statelessDecode: a failed decode leaves no
// state behind.
func TestStatelessDecode(t *testing.T) {
	bad := append(bytes.Repeat([]byte{0x7f}, 65), LongInt)
	if _, err := Decode(bad); !errors.Is(err, ErrPrefixTooLong) {
		t.Errorf("got %v", err)
	}
	if v, err := Decode([]byte{1, Int}); err != nil || v != any(int64(1)) {
		t.Errorf("got %v %v", v, err)
	}
}

// The module-level helpers use dialect "none": no VOCAB (pb-wire.md 1.11).
func TestEncodeUsesNoneDialect(t *testing.T) {
	b, err := Encode([]any{[]byte("None")})
	want := []byte{0x01, 0x80, 0x04, 0x82, 'N', 'o', 'n', 'e'}
	if err != nil || !bytes.Equal(b, want) {
		t.Errorf("got % x %v", b, err)
	}
}

// Every vocabulary word compresses in pb and decodes back to its bytes (pb-wire.md 1.10).
func TestVocabulary(t *testing.T) {
	for i := 1; i < len(Vocabulary); i++ {
		w := Vocabulary[i]
		b := AppendStr(nil, w, DialectPB)
		if !bytes.Equal(b, []byte{byte(i), Vocab}) {
			t.Errorf("%s: % x", w, b)
		}
		if b2 := AppendString(nil, []byte(w), DialectPB); !bytes.Equal(b, b2) {
			t.Errorf("%s: AppendString % x", w, b2)
		}
		if b := AppendStr(nil, w, DialectNone); b[len(b)-len(w)-1] != String {
			t.Errorf("%s compressed in dialect none: % x", w, b)
		}
		exprs, _, err := newPBConn().Feed([]byte{byte(i), Vocab})
		if err != nil || string(exprs[0].([]byte)) != w {
			t.Errorf("%d: %v %v", i, exprs, err)
		}
	}
	for _, s := range []string{"", "unicode", "root", "Remote", "remotes", "boolean"} {
		if VocabIndex(s) != 0 {
			t.Errorf("%q is not a word", s)
		}
	}
}

// Decoded byte strings are the caller's: modifying one does not corrupt the vocabulary.
func TestDecodedVocabIsACopy(t *testing.T) {
	c := newPBConn()
	exprs, _, _ := c.Feed([]byte{0x10, Vocab})
	exprs[0].([]byte)[0] = 'X'
	exprs, _, _ = c.Feed([]byte{0x10, Vocab})
	if string(exprs[0].([]byte)) != "remote" {
		t.Errorf("vocabulary corrupted: %q", exprs[0])
	}
}

// Floats: exact bytes from pb-wire.md 1.4, Go's NaN sent as CPython's, other NaN bits
// kept.
func TestFloatBytes(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want uint64
	}{
		{0, 0}, {math.Copysign(0, -1), 0x8000000000000000}, {1.5, 0x3ff8000000000000},
		{-2.25, 0xc002000000000000}, {math.Inf(1), 0x7ff0000000000000},
		{math.Inf(-1), 0xfff0000000000000}, {math.NaN(), 0x7ff8000000000000},
		{0.1, 0x3fb999999999999a}, {math.Float64frombits(0xfff8000000000000), 0xfff8000000000000},
	} {
		b := AppendFloat(nil, c.f)
		if len(b) != 9 || b[0] != Float {
			t.Fatalf("% x", b)
		}
		var got uint64
		for _, x := range b[1:] {
			got = got<<8 | uint64(x)
		}
		if got != c.want {
			t.Errorf("%v: %016x, want %016x", c.f, got, c.want)
		}
	}
}

// Exactly SizeLimit is allowed both ways; one more is refused both ways; the limit is
// configurable per connection.
func TestSizeLimitBoundary(t *testing.T) {
	s := make([]byte, SizeLimit)
	b, err := AppendExpr(nil, s, DialectNone)
	if err != nil {
		t.Fatal(err)
	}
	exprs, _, err := newNoneConn().Feed(b)
	if err != nil || len(exprs[0].([]byte)) != SizeLimit {
		t.Fatalf("%v", err)
	}
	if _, err := AppendExpr(nil, make([]byte, SizeLimit+1), DialectNone); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("send: %v", err)
	}
	if _, err := AppendExpr(nil, make([]any, SizeLimit+1), DialectNone); !errors.Is(err, ErrListTooLong) {
		t.Errorf("send list: %v", err)
	}
	small := NewConn(true, Options{SizeLimit: 10})
	small.selectDialect(DialectNone)
	if _, err := small.AppendExpr(nil, make([]byte, 11)); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("configured send: %v", err)
	}
	if _, _, err := small.Feed([]byte{11, String}); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("configured receive: %v", err)
	}
	big := NewConn(true, Options{SizeLimit: SizeLimit + 1})
	big.selectDialect(DialectNone)
	b, err = big.AppendExpr(nil, make([]byte, SizeLimit+1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := big.Feed(b); err != nil {
		t.Errorf("raised limit: %v", err)
	}
}

// An error leaves the encoder's buffer as it was.
func TestAppendExprErrorKeepsBuffer(t *testing.T) {
	buf := []byte{1, 2, 3}
	out, err := AppendExpr(buf, []any{int64(1), "text"}, DialectNone)
	if err == nil || !bytes.Equal(out, []byte{1, 2, 3}) {
		t.Errorf("got % x %v", out, err)
	}
}

// Typed slices, unsigned and big values encode like their []any / int64 equivalents.
func TestEncoderTypes(t *testing.T) {
	cases := []struct{ a, b any }{
		{[]int{1, 2}, []any{int64(1), int64(2)}},
		{[][]byte{[]byte("a")}, []any{[]byte("a")}},
		{uint64(math.MaxUint64), bigOf("18446744073709551615")},
		{true, int64(1)},
		{false, int64(0)},
		{float32(1.5), 1.5},
		{*big.NewInt(-5), int64(-5)},
	}
	for _, c := range cases {
		a, err1 := AppendExpr(nil, c.a, DialectPB)
		b, err2 := AppendExpr(nil, c.b, DialectPB)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%#v: % x (%v) vs % x (%v)", c.a, a, err1, b, err2)
		}
	}
}
