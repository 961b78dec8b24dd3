package reactor_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// The reactor's TCP and UNIX behaviour (and transports as producers) over real loopback
// sockets, as trial tests: each runs on a fresh reactor and must leave it clean
// (loopback_helpers_test.go closes what the tests open). Tests that look inside the
// reactor, drive it with Iterate or stop it stay in the package's internal tests
// (tcp_test.go, producer_test.go).

func isA[E error]() error { return failure.Type[E]() }

// Ports test_tcp.py ListeningTests.test_listen and testNumberedInterface.
func TestListen(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		f := newFactory(tc, nil)
		lp := trial.Must(tc.Reactor().ListenTCP(0, f, reactor.Interface("127.0.0.1")))
		addr, ok := lp.GetHost().(*net.TCPAddr)
		tc.True(ok && addr.Port != 0 && addr.IP.Equal(net.IPv4(127, 0, 0, 1)), "GetHost: %#v", lp.GetHost())
		tc.Equal(f.starts, 1, "DoStart calls")
		stop(tc, co, lp)
	})
}

// Ports test_tcp.py ListeningTests.testStopListening: after the Deferred fires the port is
// closed and connections are refused.
func TestStopListening(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		f := serving(tc, func() *peer { return &peer{} })
		p, num := listen(tc, f)
		d := p.StopListening()
		tc.False(d.Called(), "StopListening fired synchronously")
		await(tc, co, d)
		tc.Equal(f.stops, 1, "DoStop calls")
		tc.Equal(p.Fileno(), -1)
		cf := newFactory(tc, nil)
		tc.Reactor().ConnectTCP("127.0.0.1", num, cf)
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[*reactor.ConnectionRefusedError]())
		// Stopping again is harmless and returns a fired Deferred.
		tc.True(p.StopListening().Called(), "second StopListening")
	})
}

// Ports test_tcp.py ListeningTests.test_restartListening.
func TestRestartListening(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		f := serving(tc, echoPeer)
		p, _ := listen(tc, f)
		stop(tc, co, p)
		tc.NoError(p.StartListening())
		// Like Twisted, a port asked for port 0 picks a fresh free port when restarted.
		num := p.GetHost().(*net.TCPAddr).Port
		client := sender("again")
		tc.Reactor().ConnectTCP("127.0.0.1", num, servingOnly(tc, client))
		await(tc, co, client.received(5))
		tc.Equal(string(client.data), "again")
		tc.Equal([2]int{f.starts, f.stops}, [2]int{2, 1}, "starts, stops")
	})
}

// Ports test_tcp.py ListeningTests.test_exceptInStop and test_restartAfterExcept: a panic in
// the factory's DoStop fails the StopListening Deferred, and the port can be restarted.
func TestExceptInStop(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		f := newFactory(tc, nil)
		f.onStop = func() { panic(errors.New("stopFactory boom")) }
		p, _ := listen(tc, f)
		_, err := co.Await(p.StopListening())
		tc.ErrorIs(err)
		tc.In("stopFactory boom", err.Error())
		f.onStop = nil
		tc.NoError(p.StartListening(), "restart after a failed stop")
	})
}

// Ports test_tcp.py CannotBindTests.test_clientBind: binding the client socket to an
// address in use fails the attempt with ConnectBindError.
func TestClientBind(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		_, num := listen(tc, serving(tc, func() *peer { return &peer{} }))
		_, used := listen(tc, newFactory(tc, nil))
		cf := newFactory(tc, nil)
		r.ConnectTCP("127.0.0.1", num, cf, reactor.BindAddress("127.0.0.1", used))
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[*reactor.ConnectBindError]())
		// A free bind address works, and the server sees it as the peer.
		free := closedPort()
		client := &peer{}
		r.ConnectTCP("127.0.0.1", num, servingOnly(tc, client), reactor.BindAddress("127.0.0.1", free))
		await(tc, co, client.made())
		tc.Equal(client.Transport.GetHost().(*net.TCPAddr).Port, free, "client's port")
	})
}

// Ports test_tcp.py LoopbackTests.testFailing and test_connectionRefusedErrorNumber.
func TestConnectionRefused(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		cf := newFactory(tc, nil)
		c := tc.Reactor().ConnectTCP("127.0.0.1", closedPort(), cf)
		tc.Equal(len(cf.failed), 0, "the attempt failed synchronously")
		tc.Equal(len(cf.started), 1, "StartedConnecting calls")
		await(tc, co, cf.failedAttempts(1))
		f := cf.failed[0]
		tc.ErrorIs(f, isA[*reactor.ConnectionRefusedError]())
		tc.ErrorIs(f, isA[reactor.AnyConnectError]())
		tc.ErrorIs(f, unix.ECONNREFUSED)
		tc.Equal([2]int{cf.starts, cf.stops}, [2]int{1, 1}, "starts, stops")
		tc.ErrorIs(c.StopConnecting(), isA[*reactor.NotConnectingError]())
	})
}

// Ports test_tcp.py LoopbackTests.test_tcpNoDelay and test_tcpKeepAlive.
func TestTCPNoDelayAndKeepAlive(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		c := connectPair(tc, co, &peer{}, &peer{})
		for _, p := range []*peer{c.server, c.client} {
			tt := p.Transport.(reactor.TCPTransport)
			tc.False(tt.GetTCPNoDelay() || tt.GetTCPKeepAlive(), "NODELAY/KEEPALIVE on by default")
			tc.NoError(tt.SetTCPNoDelay(true))
			tc.NoError(tt.SetTCPKeepAlive(true))
			tc.True(tt.GetTCPNoDelay() && tt.GetTCPKeepAlive(), "set did not stick")
			tc.NoError(tt.SetTCPNoDelay(false))
			tc.NoError(tt.SetTCPKeepAlive(false))
			tc.False(tt.GetTCPNoDelay() || tt.GetTCPKeepAlive(), "unset did not stick")
		}
	})
}

// Ports test_tcp.py LocalRemoteAddressTests.test_hostAddress and
// AddressTests.test_buildProtocolClient.
func TestHostAndPeerAddress(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		var built net.Addr
		server, client := &peer{}, &peer{}
		_, num := listen(tc, servingOnly(tc, server))
		tc.Reactor().ConnectTCP("127.0.0.1", num, newFactory(tc, func(a net.Addr) reactor.Protocol { built = a; return client }))
		await(tc, co, server.made())
		await(tc, co, client.made())
		sh, sp := server.Transport.GetHost().(*net.TCPAddr), server.Transport.GetPeer().(*net.TCPAddr)
		ch, cp := client.Transport.GetHost().(*net.TCPAddr), client.Transport.GetPeer().(*net.TCPAddr)
		tc.True(sh.Port == num && cp.Port == num && sp.Port == ch.Port && sp.IP.Equal(ch.IP),
			"server %v/%v client %v/%v", sh, sp, ch, cp)
		tc.Equal(built.String(), cp.String(), "BuildProtocol's address, the peer")
	})
}

// Ports test_tcp.py FactoryTests.test_serverStartStop: DoStart/DoStop once per port.
func TestServerStartStop(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		f := newFactory(tc, nil)
		p1, _ := listen(tc, f)
		p2, _ := listen(tc, f)
		tc.Equal(f.starts, 2)
		await(tc, co, deferred.Gather([]*deferred.Deferred{p1.StopListening(), p2.StopListening()}))
		tc.Equal(f.stops, 2)
	})
}

// Ports test_tcp.py FactoryTests.test_clientStartStop: a connector starts its factory on the
// first attempt and stops it only when the factory does not reconnect.
func TestClientStartStop(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		cf := newFactory(tc, nil)
		cf.onFailed = func(c reactor.Connector, _ *failure.Failure) {
			if len(cf.failed) < 3 {
				c.Connect()
			}
		}
		tc.Reactor().ConnectTCP("127.0.0.1", closedPort(), cf)
		await(tc, co, cf.failedAttempts(3))
		tc.Equal([3]int{cf.starts, cf.stops, len(cf.started)}, [3]int{1, 1, 3}, "starts, stops, StartedConnecting calls")
	})
}

// Ports test_tcp.py WriteDataTests.test_writer: Write and WriteSequence deliver in order.
func TestWriter(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		writer := &peer{onMade: func(p *peer) {
			p.Transport.Write([]byte("Hello Cleveland!\n"))
			p.Transport.WriteSequence([][]byte{[]byte("Goodbye"), []byte(" cruel"), []byte(" world"), []byte("\n")})
			p.Transport.LoseConnection()
		}}
		reader := &peer{}
		connectPair(tc, co, writer, reader)
		await(tc, co, reader.gone())
		tc.Equal(string(reader.data), "Hello Cleveland!\nGoodbye cruel world\n")
		tc.ErrorIs(reader.reason, isA[*reactor.ConnectionDone]())
	})
}

// The caller may reuse its buffer as soon as Write returns: the transport copied it.
func TestWriteCopiesCallerBuffer(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		reader := &peer{}
		c := connectPair(tc, co, &peer{}, reader)
		buf := []byte("first")
		c.server.Transport.Write(buf)
		copy(buf, "XXXXX")
		c.server.Transport.Write(buf)
		await(tc, co, reader.received(10))
		tc.Equal(string(reader.data), "firstXXXXX")
	})
}

// write a; LoseConnection; write b delivers "ab" and ends with ConnectionDone on both sides
// (verified against Twisted).
func TestWriteLoseConnectionWrite(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		writer := &peer{onMade: func(p *peer) {
			p.Transport.Write([]byte("a"))
			p.Transport.LoseConnection()
			p.Transport.Write([]byte("b"))
		}}
		reader := &peer{}
		connectPair(tc, co, writer, reader)
		await(tc, co, reader.gone())
		await(tc, co, writer.gone())
		tc.Equal(string(reader.data), "ab")
		tc.ErrorIs(reader.reason, isA[*reactor.ConnectionDone]())
		tc.ErrorIs(writer.reason, isA[*reactor.ConnectionDone]())
	})
}

// Ports test_tcp.py LargeBufferTests.testWriter: a 4 MiB write arrives complete and in order.
func TestLargeBufferWriter(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		big := bytes.Repeat([]byte("0123456789abcdef"), 256*1024)
		writer := &peer{onMade: func(p *peer) {
			p.Transport.Write(big[:100])
			p.Transport.Write(big[100:])
			p.Transport.LoseConnection()
		}}
		reader := &peer{}
		connectPair(tc, co, writer, reader)
		await(tc, co, reader.gone())
		tc.True(bytes.Equal(reader.data, big), "received %d bytes, want %d (equal prefix %v)",
			len(reader.data), len(big), bytes.HasPrefix(big, reader.data))
	})
}

// Ports test_tcp.py WriteDataTests.test_writeAfterShutdownWithoutReading: a transport that
// is not reading still learns the connection was lost when it writes.
func TestWriteAfterShutdownWithoutReading(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		c := connectPair(tc, co, &peer{}, &peer{})
		c.client.Transport.(reactor.TCPTransport).PauseProducing()
		c.server.Transport.LoseConnection()
		await(tc, co, c.server.gone())
		// Write until the kernel reports the peer is gone (the first write may still be
		// accepted; the reset it provokes fails a later one).
		var next *reactor.DelayedCall
		var write func()
		write = func() {
			c.client.Transport.Write([]byte("x"))
			next = tc.Reactor().CallLater(time.Millisecond, write)
		}
		write()
		await(tc, co, c.client.gone())
		tc.NoError(next.Cancel())
		tc.ErrorIs(c.client.reason, isA[reactor.AnyConnectionLost]())
	})
}

// Ports test_tcp.py CallBackOrderTests.test_loseOrder: Protocol.ConnectionLost runs before
// the factory's ClientConnectionLost.
func TestLoseOrder(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		var events []string
		client := &peer{events: &events}
		c := connectPair(tc, co, &peer{}, client)
		c.cf.events = &events
		client.Transport.LoseConnection()
		await(tc, co, c.cf.lostConnections(1))
		tc.Equal(events, []string{"connectionLost", "clientConnectionLost"})
		tc.Equal(c.cf.stops, 1, "client factory stops")
	})
}

// AbortConnection drops buffered data and delivers ConnectionAborted (a ConnectionLost) on
// a later iteration; the peer sees the reset as ConnectionLost.
func TestAbortConnection(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		c := connectPair(tc, co, &peer{}, &peer{})
		c.client.Transport.Write([]byte("never sent"))
		c.client.Transport.AbortConnection()
		c.client.Transport.AbortConnection() // second call is a no-op
		tc.True(c.client.reason == nil, "ConnectionLost ran inside AbortConnection")
		await(tc, co, c.client.gone())
		await(tc, co, c.server.gone())
		tc.ErrorIs(c.client.reason, isA[*reactor.ConnectionAborted]())
		tc.ErrorIs(c.client.reason, isA[reactor.AnyConnectionLost]())
		tc.ErrorIs(c.server.reason, isA[*reactor.ConnectionLost]())
		tc.Equal(string(c.server.data), "", "aborted data arrived")
		tc.Equal(c.client.lostN, 1, "ConnectionLost calls")
		tc.Equal(len(c.cf.lost), 1, "ClientConnectionLost calls")
	})
}

// Ports test_tcp.py HalfCloseTests.testWriteCloseNotification.
func TestWriteCloseNotification(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		server, client := &halfPeer{}, &halfPeer{}
		connectPair(tc, co, server, client)
		server.Transport.(reactor.TCPTransport).LoseWriteConnection()
		await(tc, co, server.writeClosed())
		await(tc, co, client.readClosed())
		tc.Equal(server.readLost, 0, "server's read side reported closed")
		client.Transport.LoseConnection()
		await(tc, co, client.gone())
		await(tc, co, server.readClosed())
		// Because the server half-closed, it must close explicitly too (Twisted's tearDown).
		server.Transport.LoseConnection()
		tc.ErrorIs(server.reason, isA[*reactor.ConnectionDone]())
	})
}

// Ports test_tcp.py HalfCloseNoNotificationAndShutdownExceptionTests.testNoNotification: a
// protocol without half-close support loses the whole connection when the peer half-closes.
func TestHalfCloseNoNotification(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		server, client := &peer{}, &peer{}
		connectPair(tc, co, server, client)
		client.Transport.Write([]byte("hello"))
		client.Transport.(reactor.TCPTransport).LoseWriteConnection()
		await(tc, co, server.gone())
		await(tc, co, client.gone())
		tc.Equal(string(server.data), "hello")
		tc.ErrorIs(server.reason, isA[*reactor.ConnectionDone]())
	})
}

// Ports test_tcp.py HalfCloseNoNotificationAndShutdownExceptionTests.testShutdownException:
// LoseWriteConnection after the peer closed passes silently.
func TestHalfCloseShutdownException(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		server, client := &peer{}, &peer{}
		connectPair(tc, co, server, client)
		server.Transport.LoseConnection()
		client.Transport.Write([]byte("X"))
		client.Transport.(reactor.TCPTransport).LoseWriteConnection()
		await(tc, co, server.gone())
		await(tc, co, client.gone())
	})
}

// Ports test_tcp.py HalfCloseBuggyApplicationTests.test_readNotificationRaises and
// test_writeNotificationRaises: a panic in a half-close hook is logged and loses the
// connection.
func TestHalfCloseNotificationPanics(t *testing.T) {
	for _, side := range []string{"read", "write"} {
		t.Run(side, func(t *testing.T) {
			runInline(t, func(tc *trial.T, co *deferred.Co) {
				bug := func(*halfPeer) { panic(errors.New("ONO I AM BUGGY CODE")) }
				server, client := &halfPeer{}, &halfPeer{}
				connectPair(tc, co, server, client)
				if side == "read" {
					client.onReadLost = bug
					server.Transport.(reactor.TCPTransport).LoseWriteConnection()
				} else {
					client.onWriteLost = bug
					client.Transport.(reactor.TCPTransport).LoseWriteConnection()
				}
				await(tc, co, client.gone())
				logged := tc.FlushLoggedErrors()
				tc.Equal(len(logged), 1, "logged errors: %v", logged)
				tc.In("BUGGY", logged[0].Error())
				tc.In("BUGGY", client.reason.Error())
			})
		})
	}
}

// A connect attempt that outlives its Timeout fails with TimeoutError (a UserError).
func TestConnectTimeout(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		_, num := listen(tc, serving(tc, func() *peer { return &peer{} }))
		cf := serving(tc, func() *peer { return &peer{} })
		// The timeout is due as soon as the attempt starts, so it fires in the same timer
		// pass, before the connect can complete.
		tc.Reactor().ConnectTCP("127.0.0.1", num, cf, reactor.Timeout(time.Nanosecond))
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[*reactor.TimeoutError]())
		tc.ErrorIs(cf.failed[0], isA[reactor.AnyUserError]())
		tc.Equal(cf.failed[0].Error(), "User timeout caused connection failure.")
	})
}

// Connecting by host name resolves it off the loop.
func TestConnectByHostName(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		_, num := listen(tc, serving(tc, echoPeer))
		client := sender("by name")
		r.ConnectTCP("localhost", num, servingOnly(tc, client))
		await(tc, co, client.received(7))
		tc.Equal(string(client.data), "by name")

		cf := newFactory(tc, nil)
		r.ConnectTCP("no-such-host.invalid", num, cf)
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[*reactor.DNSLookupError]())
	})
}

// BuildProtocol returning nil refuses the connection: the server closes it at once, and a
// client connects a stand-in protocol and loses the connection.
func TestBuildProtocolNil(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		_, num := listen(tc, newFactory(tc, nil))
		client := &peer{}
		r.ConnectTCP("127.0.0.1", num, servingOnly(tc, client))
		await(tc, co, client.gone())
		tc.ErrorIs(client.reason, isA[*reactor.ConnectionDone]()) // refused by the server

		_, echoPort := listen(tc, serving(tc, echoPeer))
		nilClient := newFactory(tc, nil)
		r.ConnectTCP("127.0.0.1", echoPort, nilClient)
		await(tc, co, nilClient.lostConnections(1))
		tc.Equal(nilClient.stops, 1)
	})
}

// A panic in one connection's protocol is logged and loses only that connection; the
// server keeps serving others (bad input never stalls other connections).
func TestProtocolPanicDisconnectsOnlyThatConnection(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		sf := serving(tc, func() *peer {
			return &peer{onData: func(p *peer, data []byte) {
				if bytes.Contains(data, []byte("boom")) {
					panic("protocol bug")
				}
				p.Transport.Write(data)
			}}
		})
		_, num := listen(tc, sf)
		good, bad := sender("one"), sender("boom")
		r.ConnectTCP("127.0.0.1", num, servingOnly(tc, good))
		r.ConnectTCP("127.0.0.1", num, servingOnly(tc, bad))
		await(tc, co, bad.gone())
		await(tc, co, good.received(3))
		good.Transport.Write([]byte("two"))
		await(tc, co, good.received(6))
		tc.Equal(string(good.data), "onetwo")
		tc.True(good.reason == nil, "good connection lost: %v", good.reason)
		logged := tc.FlushLoggedErrors()
		tc.Equal(len(logged), 1, "logged errors: %v", logged)
		tc.In("protocol bug", logged[0].Error())

		// Panics in ConnectionMade are handled the same way.
		sf2 := serving(tc, func() *peer { return &peer{onMade: func(*peer) { panic("made bug") }} })
		_, num2 := listen(tc, sf2)
		victim := &peer{}
		r.ConnectTCP("127.0.0.1", num2, servingOnly(tc, victim))
		await(tc, co, victim.gone())
		logged = tc.FlushLoggedErrors()
		tc.Equal(len(logged), 1, "logged errors: %v", logged)
		tc.In("made bug", logged[0].Error())
	})
}

// A peer that connects and sends nothing holds its connection open (the reactor has no
// idle timeout; protocols add one with CallLater) without delaying anyone else.
func TestSilentPeerDoesNotStallOthers(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		var servers []*peer
		var accepted counter
		_, num := listen(tc, serving(tc, func() *peer {
			p := echoPeer()
			servers = append(servers, p)
			accepted.inc()
			return p
		}))
		silent := &peer{}
		r.ConnectTCP("127.0.0.1", num, servingOnly(tc, silent))
		await(tc, co, silent.made())
		await(tc, co, accepted.reach(1))
		await(tc, co, servers[0].made())
		for range 10 {
			c := sender("ping")
			r.ConnectTCP("127.0.0.1", num, servingOnly(tc, c))
			await(tc, co, c.received(4))
			tc.Equal(string(c.data), "ping")
			c.Transport.LoseConnection()
		}
		tc.True(silent.reason == nil && servers[0].reason == nil, "the silent connection was closed")
	})
}

// A peer that resets while the server is writing a large buffer ends that server
// connection with ConnectionLost, and nothing panics or is logged (trial fails the test on
// a logged error).
func TestPeerResetsMidWrite(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		big := bytes.Repeat([]byte("x"), 8<<20)
		server := &peer{onMade: func(p *peer) { p.Transport.Write(big) }}
		client := &peer{onData: func(p *peer, _ []byte) { p.Transport.AbortConnection() }}
		connectPair(tc, co, server, client)
		await(tc, co, server.gone())
		await(tc, co, client.gone())
		tc.ErrorIs(server.reason, isA[*reactor.ConnectionLost]())
		tc.ErrorIs(server.reason, unix.ECONNRESET, unix.EPIPE)
	})
}

// IPv6 literals work for listening and connecting (where the host has ::1).
func TestIPv6Loopback(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback here: ", err)
	} else {
		ln.Close()
	}
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		p := trial.Must(r.ListenTCP(0, serving(tc, echoPeer), reactor.Interface("::1")))
		tc.AddCleanup(p.StopListening)
		client := sender("v6")
		r.ConnectTCP("::1", p.GetHost().(*net.TCPAddr).Port, servingOnly(tc, client))
		await(tc, co, client.received(2))
		tc.Equal(string(client.data), "v6")
		a := client.Transport.GetPeer().(*net.TCPAddr)
		tc.True(a.IP.Equal(net.IPv6loopback), "peer %v", a)
	})
}

// Ports test_tcp.py ListeningTests.test_directConnectionLostCall.
func TestDirectConnectionLostCall(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		p, num := listen(tc, newFactory(tc, nil))
		p.ConnectionLost(nil)
		cf := newFactory(tc, nil)
		tc.Reactor().ConnectTCP("127.0.0.1", num, cf)
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[*reactor.ConnectionRefusedError]())
	})
}

// stopCounter is a push producer that counts StopProducing calls.
type stopCounter struct{ stopped int }

func (p *stopCounter) ResumeProducing() {}
func (p *stopCounter) PauseProducing()  {}
func (p *stopCounter) StopProducing()   { p.stopped++ }

// An unpaused push producer does not delay LoseConnection; it gets StopProducing when the
// connection is lost (verified against Twisted).
func TestUnpausedPushProducerStoppedOnClose(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		prod := &stopCounter{}
		server := &peer{onMade: func(p *peer) {
			tc.NoError(p.Transport.(reactor.TCPTransport).RegisterProducer(prod, true))
			p.Transport.Write([]byte("bye"))
			p.Transport.LoseConnection()
		}}
		reader := &peer{}
		connectPair(tc, co, server, reader)
		await(tc, co, server.gone())
		await(tc, co, reader.gone())
		tc.Equal(prod.stopped, 1, "StopProducing calls")
		tc.Equal(string(reader.data), "bye")
	})
}

// The transport is itself a push producer: StopProducing loses the connection.
func TestTransportStopProducing(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		c := connectPair(tc, co, &peer{}, &peer{})
		c.server.Transport.(reactor.TCPTransport).StopProducing()
		tc.True(c.server.Transport.(reactor.TCPTransport).Disconnecting(), "StopProducing did not start a LoseConnection")
		await(tc, co, c.client.gone())
	})
}

// ListenUNIX and ConnectUNIX carry a protocol like TCP does; the socket file gets the
// requested mode and is removed when the port stops.
func TestUNIXEcho(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		path := sockPath(tc)
		p := trial.Must(r.ListenUNIX(path, serving(tc, echoPeer), reactor.Mode(0o600)))
		tc.AddCleanup(p.StopListening)
		fi, err := os.Stat(path)
		tc.NoError(err)
		tc.True(fi.Mode().Perm() == 0o600 && fi.Mode()&os.ModeSocket != 0, "socket file mode %v", fi.Mode())
		a, ok := p.GetHost().(*net.UnixAddr)
		tc.True(ok && a.Name == path, "GetHost %v", p.GetHost())
		client := sender("over unix")
		r.ConnectUNIX(path, servingOnly(tc, client))
		await(tc, co, client.received(9))
		tc.Equal(string(client.data), "over unix")
		a, ok = client.Transport.GetPeer().(*net.UnixAddr)
		tc.True(ok && a.Name == path, "client peer %v", client.Transport.GetPeer())
		client.Transport.LoseConnection()
		stop(tc, co, p)
		await(tc, co, client.gone())
		_, err = os.Stat(path)
		tc.True(os.IsNotExist(err), "socket file left behind: %v", err)
	})
}

// Connecting to a path nobody listens on fails through ClientConnectionFailed.
func TestUNIXConnectFailure(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		cf := newFactory(tc, nil)
		tc.Reactor().ConnectUNIX(sockPath(tc), cf)
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[reactor.AnyConnectError]())
		tc.ErrorIs(cf.failed[0], unix.ENOENT)
	})
}

// WantPID takes path+".lock": a second listener fails with CannotListenError, a stale
// socket file is replaced, and CheckPID clients insist on the lock.
func TestUNIXWantPID(t *testing.T) {
	runInline(t, func(tc *trial.T, co *deferred.Co) {
		r := tc.Reactor()
		path := sockPath(tc)
		tc.NoError(os.WriteFile(path, nil, 0o600)) // a stale file where the socket goes
		f := serving(tc, echoPeer)
		p, err := r.ListenUNIX(path, f, reactor.WantPID(true))
		tc.NoError(err, "stale socket file not replaced")
		tc.AddCleanup(p.StopListening)
		_, err = r.ListenUNIX(path, f, reactor.WantPID(true))
		tc.ErrorIs(err, isA[*reactor.CannotListenError]()) // the second WantPID listener
		client := &peer{}
		r.ConnectUNIX(path, servingOnly(tc, client), reactor.CheckPID(true))
		await(tc, co, client.made())
		client.Transport.LoseConnection()
		stop(tc, co, p)
		_, err = os.Stat(path + ".lock")
		tc.True(os.IsNotExist(err), "lock file left behind")

		plain := trial.Must(r.ListenUNIX(path, f))
		tc.AddCleanup(plain.StopListening)
		cf := newFactory(tc, nil)
		r.ConnectUNIX(path, cf, reactor.CheckPID(true))
		await(tc, co, cf.failedAttempts(1))
		tc.ErrorIs(cf.failed[0], isA[*reactor.BadFileError]()) // CheckPID without a lock
	})
}
