package reactor

import (
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// quiet silences the reactor's informational logs ("... starting on ...") for a benchmark.
func quiet(b *testing.B) {
	b.Cleanup(installLog(slog.NewTextHandler(io.Discard, nil)))
}

// BenchmarkCallLater schedules b.N zero-delay calls and runs them.
func BenchmarkCallLater(b *testing.B) {
	r := newReactor(b)
	n := 0
	f := func() { n++ }
	b.ReportAllocs()
	for b.Loop() {
		r.CallLater(0, f)
		if len(r.newCalls) >= 1024 {
			r.runUntilCurrent()
		}
	}
	r.runUntilCurrent()
}

// BenchmarkCallLaterHeap keeps 10 000 future timers in the heap while scheduling and
// cancelling more (the cost of a busy timer wheel: heap push, lazy cancel, compaction).
func BenchmarkCallLaterHeap(b *testing.B) {
	r := newReactor(b)
	f := func() {}
	for i := 0; i < 10000; i++ {
		r.CallLater(time.Hour+time.Duration(i), f)
	}
	r.runUntilCurrent()
	b.ReportAllocs()
	for b.Loop() {
		dc := r.CallLater(time.Minute, f)
		r.insertNewDelayedCalls()
		dc.Cancel()
		r.runUntilCurrent()
	}
}

// BenchmarkCallFromThread posts b.N calls from another goroutine to a running reactor.
func BenchmarkCallFromThread(b *testing.B) {
	r := newReactor(b)
	var done atomic.Int64
	f := func() { done.Add(1) }
	stop := make(chan struct{})
	go func() {
		r.CallWhenRunning(func() {})
		r.CallLater(time.Hour, func() {}) // keep the loop polling, not spinning
		r.Run()
		close(stop)
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.CallFromThread(f)
	}
	for done.Load() < int64(b.N) {
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	r.CallFromThread(func() { r.Stop() })
	<-stop
}

// pingPong sends msg and counts echoes, sending again each time the whole message is back.
type pingPong struct {
	BaseProtocol
	msg  []byte
	got  int
	left int
	done func()
}

func (p *pingPong) ConnectionMade() { p.Transport.Write(p.msg) }
func (p *pingPong) DataReceived(data []byte) {
	p.got += len(data)
	for p.got >= len(p.msg) {
		p.got -= len(p.msg)
		p.left--
		if p.left <= 0 {
			p.done()
			return
		}
		p.Transport.Write(p.msg)
	}
}

// BenchmarkEchoRoundTrip: one 64-byte message at a time, client and echo server both on
// one reactor over loopback (two socket hops and two protocol dispatches per op).
func BenchmarkEchoRoundTrip(b *testing.B) {
	quiet(b)
	r := newReactor(b)
	_, num := listenLocal(b, r, &testFactory{build: func(net.Addr) Protocol { return &echo{} }})
	b.ReportAllocs()
	client := &pingPong{msg: make([]byte, 64), left: b.N, done: func() { r.Stop() }}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return client }})
	b.ResetTimer()
	r.Run()
}

// BenchmarkEchoRoundTrip64KiB is BenchmarkEchoRoundTrip with 64 KiB messages (the size of
// pbbench's large echo): the large-write path of the transport's buffer.
func BenchmarkEchoRoundTrip64KiB(b *testing.B) { benchmarkEchoRoundTripSize(b, 64*1024) }

// BenchmarkEchoRoundTrip256KiB: messages larger than one 128 KiB writev of 8 blocks.
func BenchmarkEchoRoundTrip256KiB(b *testing.B) { benchmarkEchoRoundTripSize(b, 256*1024) }

func benchmarkEchoRoundTripSize(b *testing.B, size int) {
	quiet(b)
	r := newReactor(b)
	_, num := listenLocal(b, r, &testFactory{build: func(net.Addr) Protocol { return &echo{} }})
	b.ReportAllocs()
	b.SetBytes(int64(size))
	client := &pingPong{msg: make([]byte, size), left: b.N, done: func() { r.Stop() }}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return client }})
	b.ResetTimer()
	r.Run()
}

// BenchmarkWriteBuffer64KiB buffers one 64 KiB write and drains it the way DoWrite does
// (pending, then consume), without a socket: the buffer's own cost per large write.
func BenchmarkWriteBuffer64KiB(b *testing.B) {
	var pool blockPool
	var w writeBuffer
	data := make([]byte, 64*1024)
	iov := make([][]byte, 0, maxIovecs)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w.write(&pool, data)
		for w.size > 0 {
			bufs := w.pending(iov[:0])
			n := 0
			for _, c := range bufs {
				n += len(c)
			}
			w.consume(&pool, n)
		}
	}
}

// echoLoad drives an echo server at addr with `conns` blocking net.Conn clients, each
// keeping `inflight` 64-byte messages outstanding, until b.N messages came back. This is
// the shape of the bench/ harness (50 connections, 1 and 16 in flight).
func echoLoad(b *testing.B, addr string, conns, inflight int) {
	b.Helper()
	var remaining atomic.Int64
	remaining.Store(int64(b.N))
	var wg sync.WaitGroup
	ready := make(chan net.Conn, conns)
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		ready <- c
	}
	close(ready)
	cpu0 := processCPU()
	b.ResetTimer()
	for c := range ready {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			defer c.Close()
			out := make([]byte, 64*inflight)
			in := make([]byte, 64*inflight)
			for remaining.Add(-int64(inflight)) > -int64(inflight) {
				if _, err := c.Write(out); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, in); err != nil {
					b.Error(err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	// CPU time of the whole process (server and the client goroutines) per message: less
	// sensitive than wall time to other load on a shared machine.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchmarkReactorEchoServer(b *testing.B, conns, inflight int) {
	quiet(b)
	r := newReactor(b)
	_, num := listenLocal(b, r, &testFactory{build: func(net.Addr) Protocol { return &echo{} }})
	stopped := make(chan struct{})
	go func() { r.Run(); close(stopped) }()
	b.ReportAllocs()
	echoLoad(b, "127.0.0.1:"+strconv.Itoa(num), conns, inflight)
	r.CallFromThread(func() { r.Stop() })
	<-stopped
}

func benchmarkGoroutineEchoServer(b *testing.B, conns, inflight int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64*1024)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	b.ReportAllocs()
	echoLoad(b, ln.Addr().String(), conns, inflight)
}

// BenchmarkReactorEchoServer50x1 and friends compare the reactor's echo server with a
// goroutine-per-connection net server under the same client load (ns/op is per message).
func BenchmarkReactorEchoServer50x1(b *testing.B)   { benchmarkReactorEchoServer(b, 50, 1) }
func BenchmarkGoroutineEchoServer50x1(b *testing.B) { benchmarkGoroutineEchoServer(b, 50, 1) }
func BenchmarkReactorEchoServer50x16(b *testing.B)  { benchmarkReactorEchoServer(b, 50, 16) }
func BenchmarkGoroutineEchoServer50x16(b *testing.B) {
	benchmarkGoroutineEchoServer(b, 50, 16)
}
func BenchmarkReactorEchoServer1x1(b *testing.B)   { benchmarkReactorEchoServer(b, 1, 1) }
func BenchmarkGoroutineEchoServer1x1(b *testing.B) { benchmarkGoroutineEchoServer(b, 1, 1) }
