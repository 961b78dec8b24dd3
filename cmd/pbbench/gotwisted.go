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

// measure lets the load run for warmup, then counts the answers received during dur, the
// heap allocations of this process and the CPU time of this process plus serverCPU (the
// server's, when it runs in another process; nil otherwise) meanwhile; then it tells the
// load to stop.
func measure(c *counter, warmup, dur time.Duration, serverCPU func() time.Duration) result {
	cpu := func() time.Duration {
		t := processCPU()
		if serverCPU != nil {
			t += serverCPU()
		}
		return t
	}
	time.Sleep(warmup)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := cpu()
	n0, t0 := c.n.Load(), time.Now()
	time.Sleep(dur)
	n1, t1 := c.n.Load(), time.Now()
	c1 := cpu()
	runtime.ReadMemStats(&m1)
	c.stop.Store(true)
	r := result{calls: n1 - n0, elapsed: t1.Sub(t0), cpu: c1 - c0}
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

// startPBServer starts a gotwisted PB echo server on its own reactor goroutine, and returns
// its port and a function that stops it.
func startPBServer() (port int, stop func(), err error) {
	r, err := reactor.New()
	if err != nil {
		return 0, nil, err
	}
	f := pb.NewPBServerFactory(&echoRoot{})
	f.Reactor = r
	p, err := r.ListenTCP(0, f, reactor.Interface("127.0.0.1"))
	if err != nil {
		r.Close()
		return 0, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- r.Run() }()
	return p.GetHost().(*net.TCPAddr).Port, func() {
		r.CallFromThread(func() { r.Stop() })
		<-done
		r.Close()
	}, nil
}

// pbCaller keeps calls going on one connection. Its callbacks are made once, so the
// harness adds no allocation per call of its own beyond what CallRemote needs.
type pbCaller struct {
	load     *pbLoad
	ref      *pb.RemoteReference
	answered deferred.Callback
	failed   deferred.Errback
}

// pbLoad is the client side of a gotwisted run: every caller, on one client reactor.
type pbLoad struct {
	c           *counter
	payload     any
	check       func(any) error
	outstanding int
	finished    *deferred.Deferred
}

func (l *pbLoad) newCaller(ref *pb.RemoteReference) *pbCaller {
	k := &pbCaller{load: l, ref: ref}
	k.answered = func(v any) (any, error) {
		l.outstanding--
		if err := l.check(v); err != nil {
			l.c.fail(err)
		} else {
			l.c.n.Add(1)
		}
		if !l.c.stop.Load() {
			k.issue()
		} else if l.outstanding == 0 {
			l.finished.Callback(nil)
		}
		return nil, nil
	}
	k.failed = func(f *failure.Failure) (any, error) {
		l.outstanding--
		l.c.fail(f)
		if l.outstanding == 0 {
			l.finished.Callback(nil)
		}
		return nil, nil
	}
	return k
}

func (k *pbCaller) issue() {
	k.load.outstanding++
	k.ref.CallRemote("echo", k.load.payload).AddCallbacks(k.answered, k.failed)
}

// runGotwisted measures one shape: a gotwisted PB client reactor (one goroutine holding
// all of the shape's connections) against the gotwisted PB server srv.
func runGotwisted(s shape, warmup, dur time.Duration, srv *server) result {
	r, err := reactor.New()
	if err != nil {
		return result{err: err}
	}
	defer r.Close()

	payload, check := pbPayload(s.payload)
	c := &counter{}
	load := &pbLoad{c: c, payload: payload, check: check, finished: deferred.New(nil)}
	var factories []*pb.PBClientFactory
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
				k := load.newCaller(root.(*pb.RemoteReference))
				for j := 0; j < s.inflight; j++ {
					k.issue()
				}
			}
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			c.fail(f)
			load.finished.Callback(nil)
			return nil, nil
		})
	})

	res := make(chan result, 1)
	go func() { res <- measure(c, warmup, dur, srv.cpu) }()
	if err := r.RunUntil(load.finished); err != nil {
		return result{err: err}
	}
	out := <-res
	for _, f := range factories {
		f.Disconnect()
	}
	// Let the disconnects go out before the reactor closes.
	r.CallLater(20*time.Millisecond, func() { r.Stop() })
	if err := r.Run(); err != nil && out.err == nil {
		out.err = fmt.Errorf("client reactor: %w", err)
	}
	return out
}
