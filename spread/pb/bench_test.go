package pb

import (
	"net"
	"net/rpc"
	"syscall"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// Benchmarks of PB calls on loopback TCP, client and server each on its own reactor (so
// on its own goroutine, as two processes would be), with Go's net/rpc on the same
// shapes for comparison. Results and the command are in docs/performance.md.

type benchRoot struct{ Root }

func (*benchRoot) RemoteAdd(a, b int) int { return a + b }
func (*benchRoot) RemoteEcho(x any) any   { return x }

// startBenchServer runs a PB server on a reactor of its own goroutine.
func startBenchServer(b *testing.B) (port int, stop func()) {
	r, err := reactor.New()
	if err != nil {
		b.Fatal(err)
	}
	sf := NewPBServerFactory(&benchRoot{})
	sf.Reactor = r
	sf.Quiet = true
	ready := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p, err := r.ListenTCP(0, sf, reactor.Interface("127.0.0.1"))
		if err != nil {
			ready <- -1
			return
		}
		ready <- p.GetHost().(*net.TCPAddr).Port
		r.Run()
		r.Close()
	}()
	port = <-ready
	if port < 0 {
		b.Fatal("cannot listen")
	}
	return port, func() {
		r.CallFromThread(func() { r.Stop() })
		<-done
	}
}

// benchClient connects a PB client on a reactor of the calling goroutine.
func benchClient(b *testing.B, port int) (*reactor.Reactor, *PBClientFactory, *RemoteReference) {
	r, err := reactor.New()
	if err != nil {
		b.Fatal(err)
	}
	cf := NewPBClientFactory()
	cf.Reactor = r
	cf.Quiet = true
	r.ConnectTCP("127.0.0.1", port, cf)
	d := cf.GetRootObject()
	var root *RemoteReference
	d.AddCallback(func(v any) (any, error) { root = v.(*RemoteReference); return nil, nil })
	if err := r.RunUntil(d); err != nil || root == nil {
		b.Fatalf("no root: %v", err)
	}
	return r, cf, root
}

func closeBenchClient(r *reactor.Reactor, cf *PBClientFactory) {
	if b := cf.Broker(); b != nil && !b.Disconnected() {
		d := deferred.New(nil)
		b.NotifyOnDisconnect(func() { d.Callback(nil) })
		cf.Disconnect()
		r.RunUntil(d)
	}
	r.Close()
}

// runCalls makes n calls with up to inFlight outstanding and runs the reactor until all
// are answered.
func runCalls(b *testing.B, r *reactor.Reactor, n, inFlight int, call func(i int) *deferred.Deferred) {
	done := deferred.New(nil)
	issued, answered := 0, 0
	var failed *failure.Failure
	var issue func()
	issue = func() {
		i := issued
		issued++
		call(i).AddCallbacks(func(any) (any, error) {
			answered++
			if issued < n {
				issue()
			} else if answered == n {
				done.Callback(nil)
			}
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			failed = f
			done.Callback(nil)
			return nil, nil
		})
	}
	if n == 0 {
		return
	}
	for issued < n && issued < inFlight {
		issue()
	}
	r.RunUntil(done)
	if failed != nil {
		b.Fatal(failed)
	}
}

func benchPB(b *testing.B, inFlight int, call func(root *RemoteReference, i int) *deferred.Deferred) {
	port, stop := startBenchServer(b)
	defer stop()
	r, cf, root := benchClient(b, port)
	defer closeBenchClient(r, cf)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	runCalls(b, r, b.N, inFlight, func(i int) *deferred.Deferred { return call(root, i) })
	reportCalls(b, cpu)
}

// reportCalls adds calls/s and cpu-ns/op (CPU time of the whole process, client and
// server, per call: steadier than wall time on a shared machine).
func reportCalls(b *testing.B, cpuStart time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(processCPU()-cpuStart)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCallSequential: one small call at a time (add(i, 1)).
func BenchmarkCallSequential(b *testing.B) {
	benchPB(b, 1, func(root *RemoteReference, i int) *deferred.Deferred { return root.CallRemote("add", i, 1) })
}

// BenchmarkCallPipelined: 100 small calls in flight.
func BenchmarkCallPipelined(b *testing.B) {
	benchPB(b, 100, func(root *RemoteReference, i int) *deferred.Deferred { return root.CallRemote("add", i, 1) })
}

// BenchmarkEchoIntList: echo of a list of 1000 ints, one at a time.
func BenchmarkEchoIntList(b *testing.B) {
	l := make([]any, 1000)
	for i := range l {
		l[i] = i
	}
	benchPB(b, 1, func(root *RemoteReference, i int) *deferred.Deferred { return root.CallRemote("echo", l) })
}

// net/rpc on the same shapes.

type Arith struct{}

type AddArgs struct{ A, B int }

func (Arith) Add(args AddArgs, reply *int) error { *reply = args.A + args.B; return nil }

func startRPCServer(b *testing.B) (addr string, stop func()) {
	srv := rpc.NewServer()
	if err := srv.Register(Arith{}); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.ServeConn(conn)
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }
}

func BenchmarkNetRPCSequential(b *testing.B) {
	addr, stop := startRPCServer(b)
	defer stop()
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	var reply int
	for i := 0; i < b.N; i++ {
		if err := c.Call("Arith.Add", AddArgs{i, 1}, &reply); err != nil {
			b.Fatal(err)
		}
	}
	reportCalls(b, cpu)
}

func BenchmarkNetRPCPipelined(b *testing.B) {
	addr, stop := startRPCServer(b)
	defer stop()
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	done := make(chan *rpc.Call, 100)
	inFlight := 0
	for i := 0; i < b.N; i++ {
		if inFlight == 100 {
			if call := <-done; call.Error != nil {
				b.Fatal(call.Error)
			}
			inFlight--
		}
		c.Go("Arith.Add", AddArgs{i, 1}, new(int), done)
		inFlight++
	}
	for ; inFlight > 0; inFlight-- {
		<-done
	}
	reportCalls(b, cpu)
}
