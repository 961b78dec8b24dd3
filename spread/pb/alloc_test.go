package pb

import (
	"net"
	"testing"

	"github.com/gotwisted/twisted/reactor"
)

// directTransport is the smallest in-memory transport: Write appends, and the test moves
// the bytes. It keeps sockets and pumps out of allocation counts.
type directTransport struct {
	reactor.Transport // unused methods panic if called
	out               []byte
}

func (t *directTransport) Write(data []byte)      { t.out = append(t.out, data...) }
func (t *directTransport) GetPeer() net.Addr      { return nil }
func (t *directTransport) GetHost() net.Addr      { return nil }
func (t *directTransport) LoseConnection()        {}
func (t *directTransport) AbortConnection()       {}
func (t *directTransport) WriteSequence([][]byte) {}

// directPair connects a client and a server broker through directTransports.
type directPair struct {
	client, server *Broker
	ct, st         *directTransport
	cbuf, sbuf     []byte
	root           *RemoteReference
}

func newDirectPair(t testing.TB, root any) *directPair {
	p := &directPair{ct: &directTransport{}, st: &directTransport{}}
	cf := NewPBClientFactory()
	p.client = cf.BuildProtocol(nil).(*Broker)
	p.server = NewPBServerFactory(root).BuildProtocol(nil).(*Broker)
	reactor.MakeConnection(p.server, p.st)
	reactor.MakeConnection(p.client, p.ct)
	p.flush()
	cf.GetRootObject().AddCallback(func(v any) (any, error) { p.root = v.(*RemoteReference); return nil, nil })
	if p.root == nil {
		t.Fatal("no root")
	}
	return p
}

// flush moves bytes both ways until both sides are quiet, reusing two buffers.
func (p *directPair) flush() {
	for len(p.ct.out) > 0 || len(p.st.out) > 0 {
		p.cbuf, p.ct.out = p.ct.out, p.cbuf[:0]
		p.server.DataReceived(p.cbuf)
		p.sbuf, p.st.out = p.st.out, p.sbuf[:0]
		p.client.DataReceived(p.sbuf)
	}
}

// TestAllocsPerSmallCall is the allocation budget of one small call, counted on both
// sides together: the caller's message and Deferred, the server's dispatch by reflection
// and its answer, the caller's callback. Measured at 9; the budget leaves a little room
// and fails on a real regression.
func TestAllocsPerSmallCall(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	p := newDirectPair(t, &benchRoot{})
	var got any
	cb := func(v any) (any, error) { got = v; return nil, nil }
	call := func() {
		p.root.CallRemote("add", 1, 2).AddCallback(cb)
		p.flush()
	}
	call()
	allocs := testing.AllocsPerRun(1000, call)
	if got != int64(3) {
		t.Fatalf("got %v", got)
	}
	const budget = 11
	t.Logf("%.1f allocations per small call (budget %d)", allocs, budget)
	if allocs > budget {
		t.Errorf("%.1f allocations per small call, budget %d", allocs, budget)
	}
}

// BenchmarkCallInMemory is a small call with no sockets: the cost of PB itself (both
// sides) without the reactor and the kernel.
func BenchmarkCallInMemory(b *testing.B) {
	p := newDirectPair(b, &benchRoot{})
	cb := func(v any) (any, error) { return nil, nil }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.root.CallRemote("add", i, 2).AddCallback(cb)
		p.flush()
	}
}
