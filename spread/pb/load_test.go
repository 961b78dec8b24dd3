package pb

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
	"weak"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

type loadRoot struct{ Root }

func (*loadRoot) RemoteMul(a, b int) int { return a*1000 + b }

func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1 // not Linux: the fd check is skipped
	}
	return len(ents)
}

// TestLoad: 200 clients make 500 calls each (10 in flight per client) against one server
// over loopback TCP; every answer must match its call, and once all disconnect no
// goroutine, file descriptor or broker may remain. Under the race detector the shape is
// scaled down (50 x 100) to stay fast on a small machine.
func TestLoad(t *testing.T) {
	clients, calls := 200, 500
	if raceEnabled || testing.Short() {
		clients, calls = 50, 100
	}
	const window = 10
	runtime.GC()
	baseGoroutines := runtime.NumGoroutine()
	baseFDs := countFDs()
	var brokers []weak.Pointer[Broker]
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		sf := NewPBServerFactory(&loadRoot{})
		sf.Reactor = r
		sf.ClientConnectionMade = func(b *Broker) { brokers = append(brokers, weak.Make(b)) }
		port, err := r.ListenTCP(0, sf, reactor.Interface("127.0.0.1"), reactor.Backlog(1024))
		tc.NoError(err)
		pn := port.GetHost().(*net.TCPAddr).Port
		start := time.Now()
		var ds []*deferred.Deferred
		for i := 0; i < clients; i++ {
			cf := NewPBClientFactory()
			cf.Reactor = r
			r.ConnectTCP("127.0.0.1", pn, cf)
			ds = append(ds, loadClient(tc, cf, i, calls, window, &brokers))
		}
		return deferred.Gather(ds).AddCallback(func(any) (any, error) {
			tc.Logf("%d clients x %d calls: %v (%.0f calls/s)", clients, calls, time.Since(start),
				float64(clients*calls)/time.Since(start).Seconds())
			return port.StopListening(), nil
		})
	}, trial.Timeout(120*time.Second))
	if t.Failed() {
		return
	}
	// Nothing of the connections may remain: poll while the runtime settles.
	var alive, goroutines, fds int
	for i := 0; i < 200; i++ {
		runtime.GC()
		alive = 0
		for _, w := range brokers {
			if w.Value() != nil {
				alive++
			}
		}
		goroutines, fds = runtime.NumGoroutine(), countFDs()
		if alive == 0 && goroutines <= baseGoroutines && fds <= baseFDs {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(brokers) != 2*clients {
		t.Errorf("saw %d brokers, want %d", len(brokers), 2*clients)
	}
	if alive != 0 {
		t.Errorf("%d brokers still alive after disconnecting", alive)
	}
	if goroutines > baseGoroutines {
		t.Errorf("goroutines: %d before, %d after", baseGoroutines, goroutines)
	}
	if fds > baseFDs {
		t.Errorf("file descriptors: %d before, %d after", baseFDs, fds)
	}
}

// loadClient makes calls calls, window at a time, checks every answer, then disconnects
// and fires once its broker has seen the connection go.
func loadClient(tc *trial.T, cf *PBClientFactory, id, calls, window int, brokers *[]weak.Pointer[Broker]) *deferred.Deferred {
	return deferred.Inline(func(c *deferred.Co) (any, error) {
		root, err := deferred.Await[*RemoteReference](c, cf.GetRootObject())
		if err != nil {
			return nil, err
		}
		*brokers = append(*brokers, weak.Make(root.Broker()))
		for k := 0; k < calls; k += window {
			ds := make([]*deferred.Deferred, 0, window)
			for j := k; j < k+window && j < calls; j++ {
				ds = append(ds, root.CallRemote("mul", id, j))
			}
			res, err := deferred.Await[[]any](c, deferred.Gather(ds))
			if err != nil {
				return nil, err
			}
			for n, v := range res {
				if want := int64(id*1000 + k + n); v != want {
					return nil, fmt.Errorf("client %d call %d: got %v, want %d", id, k+n, v, want)
				}
			}
		}
		gone := deferred.New(nil)
		root.Broker().NotifyOnDisconnect(func() { gone.Callback(nil) })
		cf.Disconnect()
		return c.Await(gone)
	})
}
