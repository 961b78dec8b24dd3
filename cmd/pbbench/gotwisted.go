package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// counter is shared by a load generator (which counts answers and stops issuing calls
// once told) and measure (which samples it from outside).
type counter struct {
	n    atomic.Int64
	stop atomic.Bool
	err  atomic.Pointer[error]
}

func (c *counter) fail(err error) {
	c.err.CompareAndSwap(nil, &err)
	c.stop.Store(true)
}

// measure lets the load run for warmup, then counts the answers received during dur, and
// the heap allocations of this process meanwhile; then it tells the load to stop.
func measure(c *counter, warmup, dur time.Duration) result {
	time.Sleep(warmup)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	n0, t0 := c.n.Load(), time.Now()
	time.Sleep(dur)
	n1, t1 := c.n.Load(), time.Now()
	runtime.ReadMemStats(&m1)
	c.stop.Store(true)
	r := result{calls: n1 - n0, elapsed: t1.Sub(t0)}
	if r.calls > 0 {
		r.allocs = float64(m1.Mallocs-m0.Mallocs) / float64(r.calls)
	}
	if e := c.err.Load(); e != nil {
		r.err = *e
	} else if r.calls == 0 {
		r.err = errors.New("no answers in the measured window")
	}
	return r
}

// echoRoot is the benchmark server's root object.
type echoRoot struct{ pb.Root }

func (*echoRoot) RemoteEcho(x any) any { return x }

// pbServer is a gotwisted PB server on its own reactor goroutine.
type pbServer struct {
	r    *reactor.Reactor
	port int
	done chan error
}

func startPBServer() (*pbServer, error) {
	r, err := reactor.New()
	if err != nil {
		return nil, err
	}
	f := pb.NewPBServerFactory(&echoRoot{})
	f.Reactor = r
	p, err := r.ListenTCP(0, f, reactor.Interface("127.0.0.1"))
	if err != nil {
		r.Close()
		return nil, err
	}
	s := &pbServer{r: r, port: p.GetHost().(*net.TCPAddr).Port, done: make(chan error, 1)}
	go func() { s.done <- r.Run() }()
	return s, nil
}

func (s *pbServer) stop() {
	s.r.CallFromThread(func() { s.r.Stop() })
	<-s.done
	s.r.Close()
}

// runGotwisted measures one shape: a gotwisted PB client reactor (one goroutine, all the
// shape's connections) against a gotwisted PB server reactor, in this process.
func runGotwisted(s shape, warmup, dur time.Duration) result {
	srv, err := startPBServer()
	if err != nil {
		return result{err: err}
	}
	defer srv.stop()
	r, err := reactor.New()
	if err != nil {
		return result{err: err}
	}
	defer r.Close()

	payload, check := pbPayload(s.payload)
	c := &counter{}
	finished := deferred.New(nil)
	outstanding := 0
	var factories []*pb.PBClientFactory

	var issue func(ref *pb.RemoteReference)
	answered := func(ref *pb.RemoteReference) deferred.Callback {
		return func(v any) (any, error) {
			outstanding--
			if err := check(v); err != nil {
				c.fail(err)
			} else {
				c.n.Add(1)
			}
			if !c.stop.Load() {
				issue(ref)
			} else if outstanding == 0 {
				finished.Callback(nil)
			}
			return nil, nil
		}
	}
	failed := func(f *failure.Failure) (any, error) {
		outstanding--
		c.fail(f)
		if outstanding == 0 {
			finished.Callback(nil)
		}
		return nil, nil
	}
	issue = func(ref *pb.RemoteReference) {
		outstanding++
		ref.CallRemote("echo", payload).AddCallbacks(answered(ref), failed)
	}

	r.CallWhenRunning(func() {
		roots := make([]*deferred.Deferred, s.conns)
		for i := range roots {
			f := pb.NewPBClientFactory()
			f.Reactor = r
			factories = append(factories, f)
			r.ConnectTCP("127.0.0.1", srv.port, f)
			roots[i] = f.GetRootObject()
		}
		deferred.Gather(roots).AddCallbacks(func(v any) (any, error) {
			for _, root := range v.([]any) {
				for j := 0; j < s.inflight; j++ {
					issue(root.(*pb.RemoteReference))
				}
			}
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			c.fail(f)
			finished.Callback(nil)
			return nil, nil
		})
	})

	res := make(chan result, 1)
	go func() { res <- measure(c, warmup, dur) }()
	if err := r.RunUntil(finished); err != nil {
		return result{err: err}
	}
	out := <-res
	for _, f := range factories {
		f.Disconnect()
	}
	// Let the disconnects go out before the reactors close.
	r.CallLater(20*time.Millisecond, func() { r.Stop() })
	if err := r.Run(); err != nil && out.err == nil {
		out.err = fmt.Errorf("client reactor: %w", err)
	}
	return out
}
