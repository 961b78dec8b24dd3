package reactortest_test

import (
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

func equal(t *testing.T, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("want %#v\n got %#v", want, got)
	}
}

type recorder struct {
	protocol.Protocol
	made   int
	data   []byte
	lost   []*failure.Failure
	paused bool
}

func (r *recorder) ConnectionMade()                   { r.made++ }
func (r *recorder) DataReceived(b []byte)             { r.data = append(r.data, b...) }
func (r *recorder) ConnectionLost(f *failure.Failure) { r.lost = append(r.lost, f) }
func (r *recorder) PauseProducing()                   { r.paused = true }
func (r *recorder) ResumeProducing()                  { r.paused = false }
func (r *recorder) StopProducing()                    {}

func TestStringTransportRecordsWrites(t *testing.T) {
	tr := reactortest.NewStringTransport()
	p := &recorder{}
	protocol.MakeConnection(p, tr)
	equal(t, 1, p.made)
	if p.Transport != protocol.Transport(tr) || !p.Connected {
		t.Fatal("MakeConnection did not set Transport and Connected")
	}
	tr.Write([]byte("hello "))
	tr.WriteSequence([][]byte{[]byte("wor"), []byte("ld")})
	equal(t, "hello world", string(tr.Value()))
	v := tr.Value()
	v[0] = 'j'
	equal(t, "hello world", string(tr.Value())) // Value is a copy
	tr.Clear()
	equal(t, "", string(tr.Value()))
	equal(t, false, tr.Disconnecting())
	tr.LoseConnection()
	equal(t, true, tr.Disconnecting())
	equal(t, 0, len(p.lost)) // a plain StringTransport never calls ConnectionLost
}

func TestStringTransportAddresses(t *testing.T) {
	tr := reactortest.NewStringTransport()
	equal(t, "10.0.0.1:12345", tr.GetHost().String())
	equal(t, "192.168.1.1:54321", tr.GetPeer().String())
	h := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	p := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 2}
	tr = reactortest.NewStringTransportWithAddresses(h, p)
	equal(t, h, tr.GetHost())
	equal(t, p, tr.GetPeer())
}

func TestStringTransportProducer(t *testing.T) {
	tr := reactortest.NewStringTransport()
	p := &recorder{}
	if err := tr.RegisterProducer(p, true); err != nil {
		t.Fatal(err)
	}
	if err := tr.RegisterProducer(p, true); !errors.Is(err, reactortest.ErrProducerRegistered) {
		t.Errorf("second RegisterProducer = %v", err)
	}
	equal(t, true, tr.Streaming)
	tr.UnregisterProducer()
	if tr.Producer != nil {
		t.Error("producer still registered")
	}
	tr.PauseProducing()
	equal(t, reactortest.Paused, tr.ProducerState)
	tr.ResumeProducing()
	equal(t, reactortest.Producing, tr.ProducerState)
	tr.StopProducing()
	equal(t, reactortest.Stopped, tr.ProducerState)
	defer func() {
		if recover() == nil {
			t.Error("resuming a stopped producer did not panic")
		}
	}()
	tr.ResumeProducing()
}

func TestStringTransportAbort(t *testing.T) {
	tr := reactortest.NewStringTransport()
	tr.AbortConnection()
	equal(t, true, tr.Aborted)
	equal(t, true, tr.Disconnecting())
}

func TestStringTransportWithDisconnection(t *testing.T) {
	tr := reactortest.NewStringTransportWithDisconnection()
	p := &recorder{}
	tr.ConnectProtocol(p)
	tr.LoseConnection()
	tr.LoseConnection()
	if len(p.lost) != 1 {
		t.Fatalf("ConnectionLost called %d times", len(p.lost))
	}
	var done *reactor.ConnectionDone
	if !errors.As(p.lost[0], &done) {
		t.Fatalf("reason = %v, want ConnectionDone", p.lost[0])
	}
	equal(t, "Connection was closed cleanly: Bye..", p.lost[0].ErrorMessage())
	equal(t, false, tr.Connected)
	equal(t, false, p.Connected)
}

type clientFactory struct {
	protocol.ClientFactory
	started []reactor.Connector
}

func (c *clientFactory) StartedConnecting(conn reactor.Connector) {
	c.started = append(c.started, conn)
}

func TestMemoryReactorRecordsTCP(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	f := &protocol.Factory{}
	port, err := r.ListenTCP(0, f, reactor.Backlog(100), reactor.Interface("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, []reactortest.TCPServer{{0, f, 100, "127.0.0.1"}}, r.TCPServers)
	equal(t, "0.0.0.0:0", port.GetHost().String())
	port6, _ := r.ListenTCP(8080, f, reactor.Interface("::1"))
	equal(t, "[::1]:8080", port6.GetHost().String())
	equal(t, 50, r.TCPServers[1].Backlog)

	cf := &clientFactory{}
	c := r.ConnectTCP("localhost", 80, cf, reactor.Timeout(10*time.Second), reactor.BindAddress("localhost", 49595))
	equal(t, []reactortest.TCPClient{{"localhost", 80, cf, 10 * time.Second, "localhost:49595"}}, r.TCPClients)
	equal(t, []reactor.Connector{c}, cf.started)
	equal(t, "localhost:80", c.GetDestination().String())
	r.ConnectTCP("127.0.0.1", 81, cf)
	equal(t, 30*time.Second, r.TCPClients[1].Timeout)
	equal(t, "", r.TCPClients[1].BindAddress)
	equal(t, 2, len(r.Connectors))
	c.Disconnect()
	equal(t, true, r.Connectors[0].Disconnected)
}

func TestMemoryReactorRecordsUNIX(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	f := &protocol.Factory{}
	port, _ := r.ListenUNIX("/var/run/finger", f, reactor.Mode(0o660), reactor.WantPID(true), reactor.Backlog(7))
	equal(t, []reactortest.UNIXServer{{"/var/run/finger", f, 7, 0o660, true}}, r.UNIXServers)
	equal(t, "/var/run/finger", port.GetHost().String())
	cf := &clientFactory{}
	r.ConnectUNIX("/var/run/finger", cf, reactor.Timeout(9*time.Second), reactor.CheckPID(true))
	equal(t, []reactortest.UNIXClient{{"/var/run/finger", cf, 9 * time.Second, true}}, r.UNIXClients)
	equal(t, 1, len(cf.started))
}

func TestMemoryReactorRun(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	ran := 0
	r.CallWhenRunning(func() { ran++ })
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	equal(t, 1, ran)
	equal(t, true, r.HasRun)
	equal(t, true, r.HasStopped)
	equal(t, false, r.Running())
}

func TestMemoryReactorClock(t *testing.T) {
	r := reactortest.NewMemoryReactorClock()
	fired := false
	r.CallLater(time.Second, func() { fired = true })
	r.Advance(time.Second)
	equal(t, true, fired)
	equal(t, 1.0, r.Seconds())
}

type fd struct{ n int }

func (f *fd) Fileno() int                     { return f.n }
func (f *fd) ConnectionLost(*failure.Failure) {}
func (f *fd) LogPrefix() string               { return "fd" }
func (f *fd) DoRead() error                   { return nil }
func (f *fd) DoWrite() error                  { return nil }

func TestMemoryReactorFDSet(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	a, b := &fd{1}, &fd{2}
	_ = r.AddReader(a)
	_ = r.AddReader(a)
	_ = r.AddWriter(b)
	_ = r.AddWriter(a)
	equal(t, []reactor.ReadDescriptor{a}, r.GetReaders())
	equal(t, 2, len(r.GetWriters()))
	r.RemoveWriter(b)
	equal(t, []reactor.WriteDescriptor{a}, r.GetWriters())
	all := r.RemoveAll()
	equal(t, 1, len(all))
	equal(t, 0, len(r.GetReaders()))
}
