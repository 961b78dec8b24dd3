package task_test

import (
	"net"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/task"
)

type hangUp struct{ protocol.Protocol }

func (h *hangUp) ConnectionMade() { h.Transport.LoseConnection() }

type doneOnLost struct {
	protocol.ClientFactory
	done *deferred.Deferred
}

func (f *doneOnLost) ClientConnectionLost(c protocol.Connector, reason *failure.Failure) {
	f.done.Callback(nil)
}

// React stops the reactor when main's Deferred fires from a connection-lost notification,
// as in Twisted's echoclient.py (the Deferred fires inside the reactor's write flush).
func TestReactStopsAfterConnectionLost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			defer c.Close()
			buf := make([]byte, 16)
			_, _ = c.Read(buf) // until the client hangs up
		}
	}()
	r, err := reactor.New()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	code := make(chan int, 1)
	go func() {
		code <- task.ReactWith(r, func() *deferred.Deferred {
			f := &doneOnLost{done: deferred.New(nil)}
			f.Protocol = func() protocol.IProtocol { return &hangUp{} }
			r.ConnectTCP("127.0.0.1", l.Addr().(*net.TCPAddr).Port, f)
			return f.done
		})
	}()
	select {
	case c := <-code:
		equal(t, 0, c)
	case <-time.After(20 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the reactor did not stop after main's Deferred fired")
	}
}
