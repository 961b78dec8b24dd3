package protocol_test

import (
	"math"
	"net"
	"reflect"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
	"github.com/gotwisted/twisted/task"
)

func equal(t testing.TB, want, got any, msgAndArgs ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("not equal %v:\nwant %#v\n got %#v", msgAndArgs, want, got)
	}
}

func successResultOf(t testing.TB, d *deferred.Deferred) any {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return nil, nil })
	if len(got) == 0 {
		t.Fatalf("successResultOf: %v has no result", d)
	}
	if f, ok := got[0].(*failure.Failure); ok {
		t.Fatalf("successResultOf: %v failed:\n%s", d, f.Traceback())
	}
	return got[0]
}

func failureResultOf(t testing.TB, d *deferred.Deferred, targets ...error) *failure.Failure {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return nil, nil })
	if len(got) == 0 {
		t.Fatalf("failureResultOf: %v has no result", d)
	}
	f, ok := got[0].(*failure.Failure)
	if !ok {
		t.Fatalf("failureResultOf: %v succeeded with %#v", d, got[0])
	}
	if len(targets) > 0 && f.Check(targets...) == nil {
		t.Fatalf("failureResultOf: %v failed with %s, expected one of %v", d, f.Traceback(), targets)
	}
	return f
}

func assertNoResult(t testing.TB, d *deferred.Deferred) {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return r, nil })
	if len(got) > 0 {
		t.Fatalf("assertNoResult: %v has a result: %#v", d, got[0])
	}
}

type someProtocol struct {
	protocol.Protocol
	made []protocol.Transport
}

func (s *someProtocol) ConnectionMade() { s.made = append(s.made, s.Transport) }

// Ports test_protocol.py ProtocolTests.test_makeConnection: MakeConnection sets the
// transport, then calls the outer type's ConnectionMade.
func TestProtocolMakeConnection(t *testing.T) {
	p := &someProtocol{}
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	equal(t, []protocol.Transport{tr}, p.made)
	equal(t, true, p.Connected)
}

// Ports test_protocol.py FactoryTests.test_defaultBuildProtocol: BuildProtocol calls
// Protocol and sets the protocol's Factory.
func TestFactoryDefaultBuildProtocol(t *testing.T) {
	f := &protocol.Factory{Protocol: func() protocol.IProtocol { return &someProtocol{} }}
	p := f.BuildProtocol(nil)
	sp, ok := p.(*someProtocol)
	if !ok {
		t.Fatalf("BuildProtocol returned %T", p)
	}
	if sp.Factory != protocol.IProtocolFactory(f) {
		t.Errorf("Factory = %v, want %v", sp.Factory, f)
	}
}

type chatFactory struct {
	protocol.Factory
	motd string
}

// SetSelf makes BuildProtocol record the outer factory, so a protocol can reach the
// factory's own fields (Python's self.factory.motd).
func TestFactorySetSelf(t *testing.T) {
	f := &chatFactory{motd: "hi"}
	f.SetSelf(f)
	f.Protocol = func() protocol.IProtocol { return &someProtocol{} }
	p := f.BuildProtocol(nil).(*someProtocol)
	cf, ok := p.Factory.(*chatFactory)
	if !ok || cf.motd != "hi" {
		t.Fatalf("Factory = %#v, want the *chatFactory", p.Factory)
	}
}

// Ports test_protocol.py FactoryTests.test_forProtocol.
func TestFactoryForProtocol(t *testing.T) {
	f := protocol.ForProtocol(func() protocol.IProtocol { return &someProtocol{} })
	if _, ok := f.BuildProtocol(nil).(*someProtocol); !ok {
		t.Fatal("ForProtocol's factory did not build the protocol")
	}
}

// A factory without Protocol, or whose Protocol returns nil, refuses the connection (nil).
func TestFactoryBuildProtocolNil(t *testing.T) {
	if p := (&protocol.Factory{}).BuildProtocol(nil); p != nil {
		t.Errorf("BuildProtocol without Protocol = %v", p)
	}
	f := &protocol.Factory{Protocol: func() protocol.IProtocol { return nil }}
	if p := f.BuildProtocol(nil); p != nil {
		t.Errorf("BuildProtocol = %v", p)
	}
}

// Ports test_tcp.py FactoryTests (doStart/doStop counting): StartFactory runs on the first
// DoStart and StopFactory after the last DoStop; extra DoStops are ignored.
func TestFactoryStartStopCounting(t *testing.T) {
	var events []string
	f := &protocol.Factory{
		StartFactory: func() { events = append(events, "start") },
		StopFactory:  func() { events = append(events, "stop") },
	}
	f.DoStart()
	f.DoStart()
	equal(t, []string{"start"}, events)
	equal(t, 2, f.NumPorts())
	f.DoStop()
	equal(t, []string{"start"}, events)
	f.DoStop()
	equal(t, []string{"start", "stop"}, events)
	f.DoStop()
	equal(t, []string{"start", "stop"}, events)
	equal(t, 0, f.NumPorts())
}

// fakeConnector ports test_factories.py's FakeConnector.
type fakeConnector struct {
	connects, stops int
	onStop          func()
}

func (c *fakeConnector) Connect() { c.connects++ }
func (c *fakeConnector) StopConnecting() error {
	c.stops++
	if c.onStop != nil {
		c.onStop()
	}
	return nil
}
func (c *fakeConnector) Disconnect()              {}
func (c *fakeConnector) GetDestination() net.Addr { return nil }

// Ports test_factories.py ReconnectingFactoryTests.test_stopTryingWhenConnected.
func TestReconnectingStopTryingWhenConnected(t *testing.T) {
	clock := task.NewClock()
	f := &protocol.ReconnectingClientFactory{Clock: clock}
	f.Protocol = func() protocol.IProtocol { return &someProtocol{} }
	f.BuildProtocol(nil)
	f.StopTrying()
	c := &fakeConnector{}
	f.ClientConnectionLost(c, nil)
	equal(t, false, f.ContinueTrying())
	equal(t, 0, c.connects)
	equal(t, 0, c.stops)
	equal(t, 0, len(clock.GetDelayedCalls()))
}

// Ports test_factories.py ReconnectingFactoryTests.test_stopTryingDoesNotReconnect: a
// connector that reports failure from StopConnecting does not cause a retry.
func TestReconnectingStopTryingDoesNotReconnect(t *testing.T) {
	clock := task.NewClock()
	f := &protocol.ReconnectingClientFactory{Clock: clock}
	c := &fakeConnector{}
	c.onStop = func() { f.ClientConnectionFailed(c, nil) }
	f.ClientConnectionFailed(c, nil) // remember c as the active connector
	calls := clock.GetDelayedCalls()
	equal(t, 1, len(calls))
	f.StopTrying()
	equal(t, 0, c.connects)
	equal(t, 0, len(clock.GetDelayedCalls()))
	equal(t, false, calls[0].Active())
}

// Ports test_factories.py ReconnectingFactoryTests.test_parametrizedClock.
func TestReconnectingParametrizedClock(t *testing.T) {
	clock := task.NewClock()
	f := &protocol.ReconnectingClientFactory{Clock: clock}
	f.ClientConnectionLost(&fakeConnector{}, nil)
	equal(t, 1, len(clock.GetDelayedCalls()))
}

// The back-off sequence with jitter disabled, as verified against Twisted (core-semantics
// 4.2): 2.718, 7.389, 20.086, 54.598, 148.413, 403.429, 1096.633, 2980.958, 3600, 3600.
// Each retry calls the connector's Connect when it comes due.
func TestReconnectingDelaySequence(t *testing.T) {
	clock := task.NewClock()
	f := &protocol.ReconnectingClientFactory{Clock: clock, Jitter: -1}
	c := &fakeConnector{}
	want := []float64{2.718, 7.389, 20.086, 54.598, 148.413, 403.429, 1096.633, 2980.958, 3600, 3600}
	for i, w := range want {
		f.ClientConnectionFailed(c, nil)
		calls := clock.GetDelayedCalls()
		if len(calls) != 1 {
			t.Fatalf("retry %d: %d calls scheduled", i, len(calls))
		}
		got := calls[0].GetTime() - clock.Seconds()
		if math.Abs(got-w) > 0.001 {
			t.Errorf("retry %d: delay %.3f, want %.3f", i+1, got, w)
		}
		clock.Advance(time.Duration(got*float64(time.Second)) + time.Millisecond)
		equal(t, i+1, c.connects)
	}
	equal(t, len(want), f.Retries())
}

// With MaxRetries 2 the third failure schedules nothing (core-semantics 4.2).
func TestReconnectingMaxRetries(t *testing.T) {
	clock := task.NewClock()
	f := &protocol.ReconnectingClientFactory{Clock: clock, MaxRetries: 2}
	c := &fakeConnector{}
	for range 2 {
		f.ClientConnectionFailed(c, nil)
		equal(t, 1, len(clock.GetDelayedCalls()))
		clock.Advance(time.Hour * 2)
	}
	f.ClientConnectionFailed(c, nil)
	equal(t, 0, len(clock.GetDelayedCalls()))
	equal(t, 2, c.connects)
}

// ResetDelay restores the initial delay and retry count (call it after connecting).
func TestReconnectingResetDelay(t *testing.T) {
	clock := task.NewClock()
	f := &protocol.ReconnectingClientFactory{Clock: clock, Jitter: -1, InitialDelay: 2 * time.Second}
	c := &fakeConnector{}
	f.ClientConnectionFailed(c, nil)
	f.ClientConnectionFailed(c, nil)
	equal(t, 2, f.Retries())
	f.ResetDelay()
	equal(t, 0, f.Retries())
	equal(t, 2*time.Second, f.Delay())
	equal(t, true, f.ContinueTrying())
}

// Jitter draws from a normal distribution around the clamped delay: the mean of many first
// retries is about InitialDelay*e and their spread about Jitter of that.
func TestReconnectingJitter(t *testing.T) {
	const n = 2000
	var sum, sumSq float64
	for range n {
		clock := task.NewClock()
		f := &protocol.ReconnectingClientFactory{Clock: clock}
		f.ClientConnectionFailed(&fakeConnector{}, nil)
		d := clock.GetDelayedCalls()[0].GetTime()
		sum += d
		sumSq += d * d
	}
	mean := sum / n
	sd := math.Sqrt(sumSq/n - mean*mean)
	if math.Abs(mean-math.E) > 0.05 {
		t.Errorf("mean first delay %.3f, want about %.3f", mean, math.E)
	}
	if math.Abs(sd-math.E*protocol.DefaultJitter) > 0.05 {
		t.Errorf("spread %.3f, want about %.3f", sd, math.E*protocol.DefaultJitter)
	}
}

// Retry without a connector reports ErrNoConnector (Twisted's ValueError).
func TestReconnectingRetryWithoutConnector(t *testing.T) {
	f := &protocol.ReconnectingClientFactory{Clock: task.NewClock()}
	if err := f.Retry(nil); err != protocol.ErrNoConnector {
		t.Errorf("Retry(nil) = %v", err)
	}
}

// ClientCreator ports test_protocol.py ClientCreatorTests.

func TestClientCreatorConnectTCP(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &someProtocol{} })
	d := cc.ConnectTCP("example.com", 1234, 4321*time.Second, reactor.BindAddress("1.2.3.4", 9876))
	equal(t, 1, len(r.TCPClients))
	c := r.TCPClients[0]
	equal(t, "example.com", c.Host)
	equal(t, 1234, c.Port)
	equal(t, 4321*time.Second, c.Timeout)
	equal(t, "1.2.3.4:9876", c.BindAddress)
	p := c.Factory.BuildProtocol(nil)
	if _, ok := p.(*someProtocol); !ok {
		t.Fatalf("built %T", p)
	}
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	assertNoResult(t, d) // delivered by a CallLater(0)
	r.Advance(0)
	if successResultOf(t, d) != p {
		t.Error("Deferred did not fire with the protocol")
	}
}

func TestClientCreatorConnectUNIX(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &someProtocol{} })
	cc.ConnectUNIX("/foo/bar", 123*time.Second, reactor.CheckPID(true))
	equal(t, []reactortest.UNIXClient{{Path: "/foo/bar", Factory: r.UNIXClients[0].Factory, Timeout: 123 * time.Second, CheckPID: true}}, r.UNIXClients)
	if _, ok := r.UNIXClients[0].Factory.BuildProtocol(nil).(*someProtocol); !ok {
		t.Fatal("factory did not build the protocol")
	}
}

// Ports test_protocol.py ClientCreatorTests.test_cancelConnectTCP.
func TestClientCreatorCancelConnect(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &someProtocol{} })
	d := cc.ConnectTCP("example.com", 1234, 0)
	conn := r.Connectors[0]
	equal(t, false, conn.Disconnected)
	d.Cancel()
	equal(t, true, conn.Disconnected)
	failureResultOf(t, d, deferred.ErrCancelled)
}

// Ports test_protocol.py ClientCreatorTests.test_cancelConnectTCPTimeout: cancelling after
// the connection is made but before delivery disconnects and cancels the delivery.
func TestClientCreatorCancelConnectTimeout(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &someProtocol{} })
	d := cc.ConnectTCP("example.com", 1234, 0)
	p := r.TCPClients[0].Factory.BuildProtocol(nil)
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	equal(t, 1, len(r.GetDelayedCalls()))
	d.Cancel()
	equal(t, 0, len(r.GetDelayedCalls()))
	equal(t, true, r.Connectors[0].Disconnected)
	failureResultOf(t, d, deferred.ErrCancelled)
}

// Ports test_protocol.py ClientCreatorTests.test_cancelConnectTCPFailedTimeout.
func TestClientCreatorCancelConnectFailedTimeout(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &someProtocol{} })
	d := cc.ConnectTCP("example.com", 1234, 0)
	r.TCPClients[0].Factory.ClientConnectionFailed(r.Connectors[0], failure.New(&reactor.ConnectionRefusedError{}))
	equal(t, 1, len(r.GetDelayedCalls()))
	d.Cancel()
	equal(t, 0, len(r.GetDelayedCalls()))
	failureResultOf(t, d, deferred.ErrCancelled)
}

// A failed attempt is delivered as the Deferred's failure.
func TestClientCreatorConnectFailed(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	cc := protocol.NewClientCreator(r, func() protocol.IProtocol { return &someProtocol{} })
	d := cc.ConnectTCP("example.com", 1234, 0)
	r.TCPClients[0].Factory.ClientConnectionFailed(r.Connectors[0], failure.New(&reactor.ConnectionRefusedError{}))
	r.Advance(0)
	failureResultOf(t, d, failure.Type[*reactor.ConnectionRefusedError]())
}
