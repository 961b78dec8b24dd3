package reactor_test

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// Helpers for the loopback tests that run on trial (loopback_test.go): each test gets
// trial's fresh reactor, and the janitor fails it if a port, a connection or a call is
// left behind. The protocols and factories here count what happens to them and hand out
// Deferreds that fire when a count is reached, so a test waits for events instead of
// polling for them.

// runInline runs body as a trial test inside an Inline coroutine, the shape of most of these
// tests: set up, wait for what should happen with co.Await, check.
func runInline(t *testing.T, body func(tc *trial.T, co *deferred.Co)) {
	t.Helper()
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		return deferred.Inline(func(co *deferred.Co) (any, error) {
			body(tc, co)
			return nil, nil
		})
	})
}

// await waits for d and fails the test if it fails. It resumes on a later timer pass, not
// inside the callback that fired d, so the reactor has finished handling the event (a
// connector calls the factory's DoStop after ClientConnectionFailed, say) when the test
// looks at the outcome.
func await(tc *trial.T, co *deferred.Co, d *deferred.Deferred) any {
	v, err := co.Await(d)
	tc.NoError(err)
	settled := deferred.New(nil)
	tc.Reactor().CallLater(0, func() { settled.Callback(nil) })
	_, _ = co.Await(settled)
	return v
}

// counter fires Deferreds once a count reaches what each asked for.
type counter struct {
	n       int
	waiting []struct {
		n int
		d *deferred.Deferred
	}
}

// reach returns a Deferred that fires once the count is at least n.
func (c *counter) reach(n int) *deferred.Deferred {
	d := deferred.New(nil)
	if c.n >= n {
		d.Callback(nil)
		return d
	}
	c.waiting = append(c.waiting, struct {
		n int
		d *deferred.Deferred
	}{n, d})
	return d
}

// set records the new count and fires the Deferreds it satisfies.
func (c *counter) set(n int) {
	c.n = n
	rest := c.waiting[:0]
	var fire []*deferred.Deferred
	for _, w := range c.waiting {
		if n >= w.n {
			fire = append(fire, w.d)
		} else {
			rest = append(rest, w)
		}
	}
	c.waiting = rest
	for _, d := range fire {
		d.Callback(nil)
	}
}

func (c *counter) inc() { c.set(c.n + 1) }

// tfactory is a ProtocolFactory and ClientFactory that records what happens to it.
// Protocols it builds that can shut themselves down (peer, halfPeer) get a trial cleanup
// that closes them if they are still open and waits until they have closed.
type tfactory struct {
	tc      *trial.T
	build   func(addr net.Addr) reactor.Protocol
	starts  int
	stops   int
	started []reactor.Connector
	failed  []*failure.Failure
	lost    []*failure.Failure
	events  *[]string

	onFailed func(c reactor.Connector, reason *failure.Failure)
	onStop   func()

	failures, losses counter
}

func newFactory(tc *trial.T, build func(net.Addr) reactor.Protocol) *tfactory {
	return &tfactory{tc: tc, build: build}
}

// serving returns a factory that serves every connection with a new protocol from build.
func serving[P reactor.Protocol](tc *trial.T, build func() P) *tfactory {
	return newFactory(tc, func(net.Addr) reactor.Protocol { return build() })
}

// servingOnly returns a factory whose BuildProtocol returns p once, then nil.
func servingOnly(tc *trial.T, p reactor.Protocol) *tfactory {
	served := false
	return newFactory(tc, func(net.Addr) reactor.Protocol {
		if served {
			return nil
		}
		served = true
		return p
	})
}

func (f *tfactory) DoStart() { f.starts++ }
func (f *tfactory) DoStop() {
	f.stops++
	if f.onStop != nil {
		f.onStop()
	}
}

func (f *tfactory) BuildProtocol(addr net.Addr) reactor.Protocol {
	if f.build == nil {
		return nil
	}
	p := f.build(addr)
	if p == nil {
		return nil
	}
	reactor.Base(p).Factory = f
	if s, ok := p.(interface{ shutdown() *deferred.Deferred }); ok && f.tc != nil {
		f.tc.AddCleanup(s.shutdown)
	}
	return p
}

func (f *tfactory) StartedConnecting(c reactor.Connector) { f.started = append(f.started, c) }

func (f *tfactory) ClientConnectionFailed(c reactor.Connector, reason *failure.Failure) {
	f.failed = append(f.failed, reason)
	if f.onFailed != nil {
		f.onFailed(c, reason)
	}
	f.failures.inc()
}

func (f *tfactory) ClientConnectionLost(c reactor.Connector, reason *failure.Failure) {
	f.lost = append(f.lost, reason)
	if f.events != nil {
		*f.events = append(*f.events, "clientConnectionLost")
	}
	f.losses.inc()
}

// failedAttempts fires once n attempts have failed.
func (f *tfactory) failedAttempts(n int) *deferred.Deferred { return f.failures.reach(n) }

// lostConnections fires once n connections have been lost.
func (f *tfactory) lostConnections(n int) *deferred.Deferred { return f.losses.reach(n) }

// peer is a protocol that records its lifecycle and the bytes it receives, and runs
// optional hooks.
type peer struct {
	reactor.BaseProtocol
	data   []byte
	reason *failure.Failure
	lostN  int
	onMade func(p *peer)
	onData func(p *peer, data []byte)
	events *[]string

	madeC, dataC, lostC counter
}

func (p *peer) ConnectionMade() {
	if p.onMade != nil {
		p.onMade(p)
	}
	p.madeC.inc()
}

func (p *peer) DataReceived(data []byte) {
	p.data = append(p.data, data...)
	if p.onData != nil {
		p.onData(p, data)
	}
	p.dataC.set(len(p.data))
}

func (p *peer) ConnectionLost(reason *failure.Failure) {
	p.reason = reason
	p.lostN++
	if p.events != nil {
		*p.events = append(*p.events, "connectionLost")
	}
	p.lostC.inc()
}

// made fires once ConnectionMade has run.
func (p *peer) made() *deferred.Deferred { return p.madeC.reach(1) }

// received fires once n bytes have arrived.
func (p *peer) received(n int) *deferred.Deferred { return p.dataC.reach(n) }

// gone fires once ConnectionLost has run.
func (p *peer) gone() *deferred.Deferred { return p.lostC.reach(1) }

// shutdown closes the connection if it is still open and fires once it has closed.
func (p *peer) shutdown() *deferred.Deferred {
	if p.Connected && p.lostN == 0 {
		p.Transport.LoseConnection()
	}
	return p.gone()
}

// halfPeer adds the half-close hooks to peer.
type halfPeer struct {
	peer
	readLost, writeLost int
	onReadLost          func(p *halfPeer)
	onWriteLost         func(p *halfPeer)

	readC, writeC counter
}

func (p *halfPeer) ReadConnectionLost() {
	p.readLost++
	if p.onReadLost != nil {
		p.onReadLost(p)
	}
	p.readC.inc()
}

func (p *halfPeer) WriteConnectionLost() {
	p.writeLost++
	if p.onWriteLost != nil {
		p.onWriteLost(p)
	}
	p.writeC.inc()
}

// readClosed and writeClosed fire once the read or write half has been closed.
func (p *halfPeer) readClosed() *deferred.Deferred  { return p.readC.reach(1) }
func (p *halfPeer) writeClosed() *deferred.Deferred { return p.writeC.reach(1) }

// echoPeer is a peer that writes back what it receives.
func echoPeer() *peer {
	return &peer{onData: func(p *peer, data []byte) { p.Transport.Write(data) }}
}

// sender is a peer that writes msg as soon as it is connected.
func sender(msg string) *peer {
	return &peer{onMade: func(p *peer) { p.Transport.Write([]byte(msg)) }}
}

// listen listens on 127.0.0.1 (port 0 unless given) with a cleanup that stops the port.
func listen(tc *trial.T, f reactor.ProtocolFactory, port ...int) (*reactor.Port, int) {
	num := 0
	if len(port) > 0 {
		num = port[0]
	}
	lp := trial.Must(tc.Reactor().ListenTCP(num, f, reactor.Interface("127.0.0.1")))
	tc.AddCleanup(lp.StopListening)
	p := lp.(*reactor.Port)
	return p, p.GetHost().(*net.TCPAddr).Port
}

// stop stops p and waits until it has stopped.
func stop(tc *trial.T, co *deferred.Co, p reactor.ListeningPort) {
	await(tc, co, p.StopListening())
}

// closedPort returns a loopback port nothing listens on.
func closedPort() int {
	l := trial.Must(net.Listen("tcp", "127.0.0.1:0"))
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pair is a server and a client protocol connected over loopback.
type pair[S, C reactor.Protocol] struct {
	port   *reactor.Port
	num    int
	server S
	client C
	sf, cf *tfactory
}

// made is implemented by peer and halfPeer.
type madeWaiter interface {
	reactor.Protocol
	made() *deferred.Deferred
}

// connectPair listens on 127.0.0.1, connects client and waits until both protocols saw
// ConnectionMade. Both are closed and waited for by the test's cleanups.
func connectPair[S, C madeWaiter](tc *trial.T, co *deferred.Co, server S, client C) *pair[S, C] {
	sf := servingOnly(tc, server)
	port, num := listen(tc, sf)
	cf := servingOnly(tc, client)
	tc.Reactor().ConnectTCP("127.0.0.1", num, cf)
	await(tc, co, server.made())
	await(tc, co, client.made())
	return &pair[S, C]{port: port, num: num, server: server, client: client, sf: sf, cf: cf}
}

// sockPath returns a path for a UNIX socket (their paths are limited to ~100 bytes, and
// the test's temporary directory can be longer).
func sockPath(tc *trial.T) string {
	dir := trial.Must(os.MkdirTemp("", "rx"))
	tc.AddCleanup(func() *deferred.Deferred { os.RemoveAll(dir); return nil })
	return filepath.Join(dir, "s")
}
