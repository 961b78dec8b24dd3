package main

import (
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"time"
)

// Echo is the net/rpc service: one method per payload type, since net/rpc (gob) needs
// static types where PB sends whatever it is given.
type Echo struct{}

func (Echo) Small(a string, r *string) error                { *r = a; return nil }
func (Echo) Bytes(a []byte, r *[]byte) error                { *r = a; return nil }
func (Echo) List(a []int, r *[]int) error                   { *r = a; return nil }
func (Echo) Dict(a map[string]int, r *map[string]int) error { *r = a; return nil }

// rpcCall returns the method, argument and a fresh-reply-and-check function for a
// payload.
func rpcCall(name string) (method string, arg any, reply func() (any, func() error)) {
	switch name {
	case "small":
		return "Echo.Small", smallPayload, func() (any, func() error) {
			var s string
			return &s, func() error {
				if s != smallPayload {
					return fmt.Errorf("net/rpc echo answered %q", s)
				}
				return nil
			}
		}
	case "bytes1k", "bytes64k":
		n := 1024
		if name == "bytes64k" {
			n = 65536
		}
		return "Echo.Bytes", bytesPayload(n), func() (any, func() error) {
			var b []byte
			return &b, func() error {
				if len(b) != n {
					return fmt.Errorf("net/rpc echo of %d bytes answered %d", n, len(b))
				}
				return nil
			}
		}
	case "list1000":
		return "Echo.List", listPayload(), func() (any, func() error) {
			var l []int
			return &l, func() error {
				if len(l) != 1000 || l[999] != 999 {
					return fmt.Errorf("net/rpc echo of a 1000-int list answered %d ints", len(l))
				}
				return nil
			}
		}
	case "dict100":
		m := make(map[string]int, 100)
		for i := 0; i < 100; i++ {
			m[dictKey(i)] = i
		}
		return "Echo.Dict", m, func() (any, func() error) {
			var d map[string]int
			return &d, func() error {
				if len(d) != 100 || d["key099"] != 99 {
					return fmt.Errorf("net/rpc echo of a 100-entry dict answered %d entries", len(d))
				}
				return nil
			}
		}
	}
	panic("unknown payload " + name)
}

// startRPCServer starts a net/rpc server serving Echo on loopback, one goroutine per
// connection as net/rpc does, and returns its port and a function that stops it.
func startRPCServer() (port int, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	srv := rpc.NewServer()
	if err := srv.Register(Echo{}); err != nil {
		ln.Close()
		return 0, nil, err
	}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			conns.Add(1)
			go func() { defer conns.Done(); srv.ServeConn(conn) }()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, func() {
		ln.Close()
		<-accepting
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	}, nil
}

// runNetRPC measures one shape with Go's net/rpc against the server srv: one
// rpc.Client per connection, and one goroutine per call in flight calling it in a loop
// (net/rpc multiplexes concurrent calls on a client).
func runNetRPC(s shape, warmup, dur time.Duration, srv *server) result {
	method, arg, reply := rpcCall(s.payload)
	c := &counter{}
	var wg sync.WaitGroup
	var clients []*rpc.Client
	defer func() {
		for _, cl := range clients {
			cl.Close()
		}
	}()
	for i := 0; i < s.conns; i++ {
		cl, err := rpc.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", srv.port))
		if err != nil {
			c.stop.Store(true)
			wg.Wait()
			return result{err: err}
		}
		clients = append(clients, cl)
		for j := 0; j < s.inflight; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !c.stop.Load() {
					r, check := reply()
					if err := cl.Call(method, arg, r); err != nil {
						c.fail(err)
						return
					}
					if err := check(); err != nil {
						c.fail(err)
						return
					}
					c.n.Add(1)
				}
			}()
		}
	}
	res := measure(c, warmup, dur, srv.cpu)
	wg.Wait()
	return res
}
