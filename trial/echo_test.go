package trial_test

import (
	"net"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// The package documentation's first test, as it is written there.

func echoFactory() *protocol.Factory {
	return protocol.ForProtocol(func() protocol.IProtocol { return &echo{} })
}

// client sends a message and fires a Deferred with the echo.
type client struct {
	protocol.Protocol
	pending *deferred.Deferred
	want    int
	got     []byte
	lost    *deferred.Deferred
}

func newClient() *client { return &client{lost: deferred.New(nil)} }

func (c *client) send(msg string) *deferred.Deferred {
	c.pending, c.want, c.got = deferred.New(nil), len(msg), nil
	c.Transport.Write([]byte(msg))
	return c.pending
}

func (c *client) DataReceived(data []byte) {
	c.got = append(c.got, data...)
	if c.pending != nil && len(c.got) >= c.want {
		d := c.pending
		c.pending = nil
		d.Callback(string(c.got))
	}
}

func (c *client) ConnectionLost(*failure.Failure) { c.lost.Callback(nil) }

// disconnect closes the connection; the Deferred fires once it is closed.
func (c *client) disconnect() *deferred.Deferred {
	c.Transport.LoseConnection()
	return c.lost
}

func TestEcho(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		port := trial.Must(r.ListenTCP(0, echoFactory(), reactor.Interface("127.0.0.1")))
		tc.AddCleanup(port.StopListening)

		creator := protocol.NewClientCreator(r, func() protocol.IProtocol { return newClient() })
		return creator.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, 0).
			AddCallback(func(p any) (any, error) {
				c := p.(*client)
				tc.AddCleanup(c.disconnect) // returns a Deferred that fires once closed
				return c.send("hello"), nil
			}).
			AddCallback(func(answer any) (any, error) {
				tc.Equal(answer, "hello")
				return nil, nil
			})
	})
}
