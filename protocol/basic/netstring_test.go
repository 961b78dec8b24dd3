package basic_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

// testNetstring ports test_basic.py's TestNetstring: it records and echoes each string.
type testNetstring struct {
	basic.NetstringReceiver
	received [][]byte
	closed   bool
}

func newTestNetstring() (*testNetstring, *reactortest.StringTransport) {
	n := &testNetstring{}
	n.Handler = n
	n.MaxLength = 50
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(n, tr)
	return n, tr
}

func (n *testNetstring) ConnectionMade() { n.received = nil }

func (n *testNetstring) StringReceived(s []byte) {
	n.received = append(n.received, s)
	n.Transport.Write(s)
}

func (n *testNetstring) ConnectionLost(*failure.Failure) { n.closed = true }

// Ports test_basic.py NetstringReceiverTests.test_buffer: strings sent and received in
// chunks of every size from 1 to 9.
func TestNetstringReceiverBuffer(t *testing.T) {
	strings := [][]byte{[]byte("hello"), []byte("world"), []byte("how"), []byte("are"),
		[]byte("you123"), []byte(":today"), bytes.Repeat([]byte("a"), 515)}
	for size := 1; size < 10; size++ {
		a, tr := newTestNetstring()
		a.MaxLength = 699
		for _, s := range strings {
			a.SendString(s)
		}
		out := tr.Value()
		feed(a, out, size)
		equal(t, strs(strings), strs(a.received), "packet size", size)
	}
}

// Ports test_basic.py NetstringReceiverTests: well-formed netstrings and their payloads
// (test_receiveEmptyNetstring, test_receiveOneCharacter, test_receiveTwoCharacters,
// test_receiveNestedNetstring, test_receiveNetstringPortions_1/2/3,
// test_receiveTwoNetstrings).
func TestNetstringReceiverValid(t *testing.T) {
	cases := []struct {
		name  string
		parts []string
		want  []string
	}{
		{"test_receiveEmptyNetstring", []string{"0:,"}, []string{""}},
		{"test_receiveOneCharacter", []string{"1:a,"}, []string{"a"}},
		{"test_receiveTwoCharacters", []string{"2:ab,"}, []string{"ab"}},
		{"test_receiveNestedNetstring", []string{"4:1:a,,"}, []string{"1:a,"}},
		{"test_receiveNetstringPortions_1", []string{"4:aa", "aa,"}, []string{"aaaa"}},
		{"test_receiveNetstringPortions_2", []string{"1", "0:01234", "56789", ","}, []string{"0123456789"}},
		{"test_receiveNetstringPortions_3", []string{"2", ":", "a", "b", ","}, []string{"ab"}},
		{"test_receiveTwoNetstrings", []string{"1:a,1", ":b,"}, []string{"a", "b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, tr := newTestNetstring()
			for _, p := range c.parts {
				n.DataReceived([]byte(p))
			}
			equal(t, c.want, strs(n.received))
			isFalse(t, tr.Disconnecting())
			isFalse(t, n.BrokenPeer)
		})
	}
}

// Ports test_basic.py NetstringReceiverTests' refusals (test_moreDataThanSpecified,
// test_moreDataThanSpecifiedBorderCase, test_missingNumber, test_missingColon,
// test_missingNumberAndColon, test_onlyData, test_maxReceiveLimit, and test_illegal's
// strings fed one byte at a time): the connection is lost, BrokenPeer is set and Err says
// why.
func TestNetstringReceiverIllegal(t *testing.T) {
	tooLong := strconv.Itoa(51) + ":" + string(bytes.Repeat([]byte("a"), 51))
	cases := []struct {
		name, in, reason string
		byteByByte       bool
	}{
		{"test_moreDataThanSpecified", "2:aaa,", "not terminated by a comma", false},
		{"test_moreDataThanSpecifiedBorderCase", "0:a,", "not terminated by a comma", false},
		{"test_missingNumber", ":aaa,", "does not start with a length", false},
		{"test_missingColon", "3aaa,", "does not start with a length", false},
		{"test_missingNumberAndColon", "aaa,", "does not start with a length", false},
		{"test_onlyData", "aaa", "does not start with a length", false},
		{"test_maxReceiveLimit", tooLong, "longer than the maximum 50", false},
		{"test_illegal/huge", "9999999999999999999999", "longer than the maximum 50", true},
		{"test_illegal/abc", "abc", "does not start with a length", true},
		{"test_illegal/4:abcde", "4:abcde", "not terminated by a comma", true},
		{"test_illegal/51", "51:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab,", "longer than the maximum 50", true},
		{"leading zero", "01:a,", "does not start with a length", false},
		{"negative", "-1:a,", "does not start with a length", false},
		{"overflowing digits", "99999999999999999999999999999999:", "longer than the maximum 50", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, tr := newTestNetstring()
			if c.byteByByte {
				feed(n, []byte(c.in), 1)
			} else {
				n.DataReceived([]byte(c.in))
			}
			isTrue(t, tr.Disconnecting(), "disconnecting")
			isTrue(t, n.BrokenPeer, "brokenPeer")
			var perr *basic.NetstringParseError
			if !errors.As(n.Err, &perr) {
				t.Fatalf("Err = %v, want *NetstringParseError", n.Err)
			}
			isTrue(t, bytes.Contains([]byte(perr.Error()), []byte(c.reason)), perr.Error())
			equal(t, 0, len(n.received))
		})
	}
}

// Ports test_basic.py NetstringReceiverTests.test_consumeLength and
// test_consumeLengthBorderCase1/2/3: MaxLength itself is accepted; one more is refused.
func TestNetstringReceiverConsumeLengthBorders(t *testing.T) {
	cases := []struct {
		in        string
		maxLength int
		ok        bool
	}{
		{"12:", 50, true},
		{"12:", 12, true},
		{"12:", 11, false},
		{"1000:", 11, false},
	}
	for _, c := range cases {
		n, tr := newTestNetstring()
		n.MaxLength = c.maxLength
		n.DataReceived([]byte(c.in))
		equal(t, !c.ok, tr.Disconnecting(), c.in, c.maxLength)
		if c.ok {
			// The announced length is what the receiver waits for.
			n.DataReceived(append(bytes.Repeat([]byte("z"), 12), ','))
			equal(t, []string{"zzzzzzzzzzzz"}, strs(n.received))
		}
	}
}

// TestNetstringReceiverOverflowingLength: with MaxLength at its largest ("no limit"), a
// hostile 20-digit length overflows int; it must be a parse error, not a negative length
// that panics when the payload is sliced.
func TestNetstringReceiverOverflowingLength(t *testing.T) {
	for _, in := range []string{"99999999999999999999:x,", "18446744073709551617:x,", "9223372036854775808:", "9223372036854775807:"} {
		n, tr := newTestNetstring()
		n.MaxLength = math.MaxInt
		n.DataReceived([]byte(in))
		isTrue(t, n.BrokenPeer, in)
		isTrue(t, tr.Disconnecting(), in)
		var pe *basic.NetstringParseError
		isTrue(t, errors.As(n.Err, &pe), in)
		equal(t, 0, len(n.received), in)
	}
	// The largest length that fits (with its comma) is still accepted, and waited for.
	n, tr := newTestNetstring()
	n.MaxLength = math.MaxInt
	n.DataReceived([]byte(strconv.Itoa(math.MaxInt-1) + ":abc"))
	isFalse(t, n.BrokenPeer)
	isFalse(t, tr.Disconnecting())
}

// Ports test_basic.py NetstringReceiverTests.test_stringReceivedNotImplemented: a receiver
// without a handler panics with *NoHandlerError, which the reactor turns into a lost
// connection.
func TestNetstringReceiverNoHandler(t *testing.T) {
	var n basic.NetstringReceiver
	defer func() {
		if _, ok := recover().(*basic.NoHandlerError); !ok {
			t.Fatal("want a *NoHandlerError panic")
		}
	}()
	n.DataReceived([]byte("1:a,"))
}

// testIntN ports TestInt32/TestInt16/TestInt8: it records each string.
type intNReceiver interface {
	protocol.IProtocol
	SendString(s []byte) error
}

type testInt32 struct {
	basic.Int32StringReceiver
	received [][]byte
	limits   []int
}

func (r *testInt32) StringReceived(s []byte)   { r.received = append(r.received, s) }
func (r *testInt32) LengthLimitExceeded(n int) { r.limits = append(r.limits, n) }
func (r *testInt32) got() ([][]byte, []int)    { return r.received, r.limits }
func (r *testInt32) setMax(n int)              { r.MaxLength = n }
func (r *testInt32) setHandler(h bool)         { setIntHandler(&r.Handler, r, h) }
func (r *testInt16) StringReceived(s []byte)   { r.received = append(r.received, s) }
func (r *testInt16) LengthLimitExceeded(n int) { r.limits = append(r.limits, n) }
func (r *testInt16) got() ([][]byte, []int)    { return r.received, r.limits }
func (r *testInt16) setMax(n int)              { r.MaxLength = n }
func (r *testInt16) setHandler(h bool)         { setIntHandler(&r.Handler, r, h) }
func (r *testInt8) StringReceived(s []byte)    { r.received = append(r.received, s) }
func (r *testInt8) LengthLimitExceeded(n int)  { r.limits = append(r.limits, n) }
func (r *testInt8) got() ([][]byte, []int)     { return r.received, r.limits }
func (r *testInt8) setMax(n int)               { r.MaxLength = n }
func (r *testInt8) setHandler(h bool)          { setIntHandler(&r.Handler, r, h) }
func setIntHandler(field *basic.StringHandler, r basic.StringHandler, withLimit bool) {
	if withLimit {
		*field = r
	} else {
		*field = stringsOnly{r}
	}
}

// stringsOnly hides LengthLimitExceeded, to test the default (lose the connection).
type stringsOnly struct{ h basic.StringHandler }

func (s stringsOnly) StringReceived(b []byte) { s.h.StringReceived(b) }

type testInt16 struct {
	basic.Int16StringReceiver
	received [][]byte
	limits   []int
}

type testInt8 struct {
	basic.Int8StringReceiver
	received [][]byte
	limits   []int
}

type intNTester interface {
	intNReceiver
	got() ([][]byte, []int)
	setMax(int)
	setHandler(withLimit bool)
}

type intNCase struct {
	name           string
	prefix         int
	make           func() intNTester
	illegal        []string
	partial        []string
	data, dataWire string
}

var intNCases = []intNCase{
	{"Int32", 4, func() intNTester { return &testInt32{} }, []string{"\x10\x00\x00\x00aaaaaa"},
		[]string{"\x00\x00\x00", "hello there", ""}, "ubar", "\x00\x00\x00\x04ubar"},
	{"Int16", 2, func() intNTester { return &testInt16{} }, []string{"\x10\x00aaaaaa"},
		[]string{"\x00", "hello there", ""}, "ubar", "\x00\x04ubar"},
	{"Int8", 1, func() intNTester { return &testInt8{} }, []string{"\x00\x00aaaaaa"},
		[]string{"\x08", "dzadz", ""}, "ubar", "\x04ubar"},
}

func prefixFor(n, length int) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, uint32(length))
	return b[4-n:]
}

func connectIntN(c intNCase, withLimit bool) (intNTester, *reactortest.StringTransport) {
	r := c.make()
	r.setHandler(withLimit)
	r.setMax(50)
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(r, tr)
	return r, tr
}

// Ports test_basic.py IntNTestCaseMixin and Int32Tests/Int16Tests/Int8Tests for each prefix
// size: test_receive, test_partial, test_send, test_data, test_illegal,
// test_lengthLimitExceeded, test_longStringNotDelivered, test_tooLongSend.
func TestIntNStringReceivers(t *testing.T) {
	for _, c := range intNCases {
		t.Run(c.name, func(t *testing.T) {
			t.Run("test_receive", func(t *testing.T) {
				r, _ := connectIntN(c, true)
				strs := []string{"a", string(bytes.Repeat([]byte("b"), 16))}
				for _, s := range strs {
					feed(r, append(prefixFor(c.prefix, len(s)), s...), 1)
				}
				got, _ := r.got()
				equal(t, strs, stringsOf(got))
			})
			t.Run("test_partial", func(t *testing.T) {
				for _, s := range c.partial {
					r, _ := connectIntN(c, true)
					feed(r, []byte(s), 1)
					got, _ := r.got()
					equal(t, 0, len(got), s)
				}
			})
			t.Run("test_send", func(t *testing.T) {
				r, tr := connectIntN(c, true)
				if err := r.SendString(bytes.Repeat([]byte("b"), 16)); err != nil {
					t.Fatal(err)
				}
				equal(t, append(prefixFor(c.prefix, 16), bytes.Repeat([]byte("b"), 16)...), tr.Value())
			})
			t.Run("test_data", func(t *testing.T) {
				r, tr := connectIntN(c, true)
				if err := r.SendString([]byte("foo")); err != nil {
					t.Fatal(err)
				}
				equal(t, append(prefixFor(c.prefix, 3), "foo"...), tr.Value())
				r.DataReceived([]byte(c.dataWire))
				got, _ := r.got()
				equal(t, []string{c.data}, stringsOf(got))
			})
			t.Run("test_illegal", func(t *testing.T) {
				for _, s := range c.illegal {
					r, tr := connectIntN(c, false)
					feed(r, []byte(s), 1)
					got, _ := r.got()
					if c.name == "Int8" {
						// "\x00\x00aaaaaa": two empty strings, then an oversized 'a'=97 prefix.
						equal(t, []string{"", ""}, stringsOf(got))
					} else {
						equal(t, 0, len(got))
					}
					isTrue(t, tr.Disconnecting(), "disconnecting", s)
				}
			})
			t.Run("test_lengthLimitExceeded", func(t *testing.T) {
				r, tr := connectIntN(c, true)
				r.setMax(10)
				r.DataReceived(prefixFor(c.prefix, 11))
				_, limits := r.got()
				equal(t, []int{11}, limits)
				isFalse(t, tr.Disconnecting())
			})
			t.Run("test_longStringNotDelivered", func(t *testing.T) {
				r, tr := connectIntN(c, false)
				r.setMax(10)
				r.DataReceived(append(prefixFor(c.prefix, 11), bytes.Repeat([]byte("x"), 11)...))
				got, _ := r.got()
				equal(t, 0, len(got))
				isTrue(t, tr.Disconnecting())
			})
			if c.prefix < 4 {
				t.Run("test_tooLongSend", func(t *testing.T) {
					r, tr := connectIntN(c, true)
					err := r.SendString(bytes.Repeat([]byte("b"), 1<<(8*c.prefix)+1))
					var tl *basic.StringTooLongError
					if !errors.As(err, &tl) {
						t.Fatalf("SendString error = %v, want *StringTooLongError", err)
					}
					equal(t, 0, len(tr.Value()))
				})
			}
		})
	}
}

func stringsOf(bs [][]byte) []string { return strs(bs) }

// An oversized prefix that Python would parse as a huge unsigned value is refused before
// anything is buffered for it: a hostile 4 GiB length costs nothing.
func TestInt32StringReceiverHugePrefix(t *testing.T) {
	r, tr := connectIntN(intNCases[0], false)
	r.DataReceived([]byte{0xff, 0xff, 0xff, 0xff, 'x'})
	isTrue(t, tr.Disconnecting())
	got, _ := r.got()
	equal(t, 0, len(got))
}
