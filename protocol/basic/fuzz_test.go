package basic_test

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

// The fuzz targets feed arbitrary bytes in arbitrary pieces and check that the receivers
// never panic and never deliver anything the stream does not contain: re-encoding what was
// delivered gives a prefix of the input. Feeding stops once the receiver has lost the
// connection, as a real transport stops reading.

func chunks(data []byte, size uint8) [][]byte {
	n := int(size%32) + 1
	var out [][]byte
	for i := 0; i < len(data); i += n {
		out = append(out, data[i:min(i+n, len(data))])
	}
	return out
}

func FuzzLineReceiver(f *testing.F) {
	f.Add([]byte("hello\r\nworld\r\n"), uint8(3))
	f.Add([]byte("a\r\n\r\nb\rc\n\r\n"), uint8(0))
	f.Add(bytes.Repeat([]byte("x"), 100), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		p := newPlain()
		p.MaxLength = 32
		tr := reactortest.NewStringTransport()
		protocol.MakeConnection(p, tr)
		for _, c := range chunks(data, size) {
			if tr.Disconnecting() {
				break
			}
			p.DataReceived(c)
		}
		var re []byte
		for _, l := range p.lines {
			if len(l) > 32 {
				t.Fatalf("delivered a line of %d bytes over MaxLength", len(l))
			}
			re = append(append(re, l...), "\r\n"...)
		}
		if !bytes.HasPrefix(data, re) {
			t.Fatalf("delivered lines %q are not a prefix of %q", p.lines, data)
		}
	})
}

func FuzzNetstringReceiver(f *testing.F) {
	f.Add([]byte("5:hello,0:,3:a:b,"), uint8(1))
	f.Add([]byte("4:1:a,,"), uint8(2))
	f.Add([]byte("99999999999999:"), uint8(5))
	f.Add([]byte("01:a,"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		n, tr := newTestNetstring()
		for _, c := range chunks(data, size) {
			if tr.Disconnecting() {
				break
			}
			n.DataReceived(c)
		}
		var re []byte
		for _, s := range n.received {
			re = append(re, strconv.Itoa(len(s))+":"...)
			re = append(append(re, s...), ',')
		}
		if !bytes.HasPrefix(data, re) {
			t.Fatalf("delivered %q is not a prefix of %q", n.received, data)
		}
		if n.BrokenPeer != (n.Err != nil) || n.BrokenPeer != tr.Disconnecting() {
			t.Fatalf("BrokenPeer %v, Err %v, disconnecting %v", n.BrokenPeer, n.Err, tr.Disconnecting())
		}
	})
}

func FuzzInt32StringReceiver(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x05hello\x00\x00\x00\x00"), uint8(1))
	f.Add([]byte("\xff\xff\xff\xffx"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		r, tr := connectIntN(intNCases[0], false)
		for _, c := range chunks(data, size) {
			if tr.Disconnecting() {
				break
			}
			r.DataReceived(c)
		}
		got, _ := r.got()
		var re []byte
		for _, s := range got {
			if len(s) > 50 {
				t.Fatalf("delivered %d bytes over MaxLength", len(s))
			}
			re = binary.BigEndian.AppendUint32(re, uint32(len(s)))
			re = append(re, s...)
		}
		if !bytes.HasPrefix(data, re) {
			t.Fatalf("delivered %q is not a prefix of %q", got, data)
		}
	})
}
