package basic_test

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

type countingLines struct {
	basic.LineReceiver
	n int
}

func (c *countingLines) LineReceived([]byte) { c.n++ }

type countingStrings struct {
	basic.NetstringReceiver
	n int
}

func (c *countingStrings) StringReceived([]byte) { c.n++ }

type countingInt32 struct {
	basic.Int32StringReceiver
	n int
}

func (c *countingInt32) StringReceived([]byte) { c.n++ }

// A 64 KiB read holding 64-byte lines (62 bytes + CR LF), as the reactor delivers them.
func lineChunk() []byte {
	line := append(bytes.Repeat([]byte("x"), 62), "\r\n"...)
	return bytes.Repeat(line, 1024)
}

func BenchmarkLineReceiver64KiBOf64ByteLines(b *testing.B) {
	p := &countingLines{}
	p.Handler = p
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	chunk := lineChunk()
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		p.DataReceived(chunk)
	}
	b.ReportMetric(float64(p.n)/b.Elapsed().Seconds(), "lines/s")
}

// One line per read: the shape of a request/response line protocol.
func BenchmarkLineReceiverOneLinePerRead(b *testing.B) {
	p := &countingLines{}
	p.Handler = p
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	line := append(bytes.Repeat([]byte("x"), 62), "\r\n"...)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		p.DataReceived(line)
	}
}

func BenchmarkNetstringReceiver64KiB(b *testing.B) {
	p := &countingStrings{}
	p.Handler = p
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	payload := bytes.Repeat([]byte("x"), 60)
	one := append(append([]byte(strconv.Itoa(len(payload))+":"), payload...), ',')
	chunk := bytes.Repeat(one, 65536/len(one))
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		p.DataReceived(chunk)
	}
}

func BenchmarkInt32StringReceiver64KiB(b *testing.B) {
	p := &countingInt32{}
	p.Handler = p
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	one := binary.BigEndian.AppendUint32(nil, 60)
	one = append(one, bytes.Repeat([]byte("x"), 60)...)
	chunk := bytes.Repeat(one, 65536/len(one))
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		p.DataReceived(chunk)
	}
}

// Steady-state allocation budget: a read holding many complete lines costs one buffer
// allocation (the copy the handler may keep), not one per line.
func TestLineReceiverAllocsPerRead(t *testing.T) {
	p := &countingLines{}
	p.Handler = p
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	chunk := lineChunk()
	allocs := testing.AllocsPerRun(100, func() { p.DataReceived(chunk) })
	if allocs > 2 {
		t.Errorf("%.1f allocations per 64 KiB read of lines, want at most 2", allocs)
	}
}
