package calculus

import (
	"fmt"
	"strconv"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor"
)

// ClientTimeoutError is client_3.py's ClientTimeoutError: the server did not answer in
// time.
type ClientTimeoutError struct{}

func (*ClientTimeoutError) Error() string { return "calculus: the server did not answer in time" }

// RemoteCalculationClient is client_3.py's client: each operation sends a line and returns
// a Deferred for the answer; if no answer comes within TimeOut, every pending operation
// fails with ClientTimeoutError and the connection is dropped.
type RemoteCalculationClient struct {
	basic.LineReceiver

	// Clock schedules the timeout: the reactor in production, a task.Clock in tests
	// (the howto's proto.callLater = clock.callLater).
	Clock reactor.ReactorTime
	// TimeOut is how long to wait for an answer (60 s by default).
	TimeOut time.Duration
	// LostReason records why the connection ended, once it has.
	LostReason *failure.Failure
	// Lost fires (with nil) when the connection has ended.
	Lost *deferred.Deferred

	results []*deferred.Deferred
	timeout *reactor.DelayedCall
}

// NewRemoteCalculationClient returns a client that schedules its timeouts on clock.
func NewRemoteCalculationClient(clock reactor.ReactorTime) *RemoteCalculationClient {
	c := &RemoteCalculationClient{Clock: clock, TimeOut: 60 * time.Second, Lost: deferred.New(nil)}
	c.Handler = c
	return c
}

// LineReceived fires the oldest pending operation with the answer.
func (c *RemoteCalculationClient) LineReceived(line []byte) {
	c.setTimeout(0)
	if len(c.results) == 0 {
		return
	}
	d := c.results[0]
	c.results = c.results[1:]
	n, err := strconv.Atoi(string(line))
	if err != nil {
		d.Errback(fmt.Errorf("calculus: bad answer %q: %w", line, err))
		return
	}
	d.Callback(n)
}

// ConnectionLost records the reason and stops the timer.
func (c *RemoteCalculationClient) ConnectionLost(reason *failure.Failure) {
	c.LostReason = reason
	c.setTimeout(0)
	c.Lost.Callback(nil)
}

// setTimeout is TimeoutMixin.setTimeout: 0 cancels, anything else (re)starts the timer.
func (c *RemoteCalculationClient) setTimeout(d time.Duration) {
	if c.timeout != nil && c.timeout.Active() {
		if d == 0 {
			c.timeout.Cancel()
			c.timeout = nil
		} else {
			c.timeout.Reset(d)
		}
		return
	}
	if d > 0 {
		c.timeout = c.Clock.CallLater(d, c.timeoutConnection)
	}
}

func (c *RemoteCalculationClient) timeoutConnection() {
	c.timeout = nil
	results := c.results
	c.results = nil
	for _, d := range results {
		d.Errback(&ClientTimeoutError{})
	}
	c.Transport.LoseConnection()
}

func (c *RemoteCalculationClient) sendOperation(op string, a, b int) *deferred.Deferred {
	d := deferred.New(nil)
	c.results = append(c.results, d)
	c.SendLine(fmt.Appendf(nil, "%s %d %d", op, a, b))
	c.setTimeout(c.TimeOut)
	return d
}

// Add asks the server for a + b.
func (c *RemoteCalculationClient) Add(a, b int) *deferred.Deferred {
	return c.sendOperation("add", a, b)
}

// Subtract asks the server for a - b.
func (c *RemoteCalculationClient) Subtract(a, b int) *deferred.Deferred {
	return c.sendOperation("subtract", a, b)
}

// Multiply asks the server for a * b.
func (c *RemoteCalculationClient) Multiply(a, b int) *deferred.Deferred {
	return c.sendOperation("multiply", a, b)
}

// Divide asks the server for a // b.
func (c *RemoteCalculationClient) Divide(a, b int) *deferred.Deferred {
	return c.sendOperation("divide", a, b)
}
