package protocol

import (
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// Twisted's ReconnectingClientFactory parameters.
const (
	// DefaultInitialDelay is initialDelay: the delay before the growth starts. The first
	// retry waits InitialDelay*Factor (about 2.7 s), not InitialDelay.
	DefaultInitialDelay = time.Second
	// DefaultMaxDelay is maxDelay: the delay stops growing here (jitter may exceed it).
	DefaultMaxDelay = 3600 * time.Second
	// DefaultFactor is factor: e, by which the delay grows on each retry.
	DefaultFactor = math.E
	// DefaultJitter is jitter: the standard deviation of the delay, as a fraction of it,
	// applied after clamping to MaxDelay.
	DefaultJitter = 0.119626565582
)

// ErrNoConnector is returned by Retry when no connector was given and none is remembered.
var ErrNoConnector = errors.New("no connector to retry")

// ReconnectingClientFactory is a ClientFactory that reconnects with exponential back-off
// when a connection fails or is lost: Twisted's ReconnectingClientFactory.
//
// The zero value is ready to use with Twisted's parameters. Call ResetDelay once a
// connection succeeds (typically from BuildProtocol or the protocol's ConnectionMade), and
// StopTrying to give up:
//
//	type EchoFactory struct{ protocol.ReconnectingClientFactory }
//
//	func (f *EchoFactory) BuildProtocol(addr net.Addr) protocol.IProtocol {
//		f.ResetDelay()
//		return &Echo{}
//	}
//
// Retry delays: delay = min(delay*Factor, MaxDelay), then, with jitter, a normal variate
// with mean delay and standard deviation delay*Jitter, which the next retry grows from. So
// with Jitter disabled the delays are 2.718s, 7.389s, 20.09s, ..., 3600s.
//
// If you override ClientConnectionFailed or ClientConnectionLost, call the embedded
// method to keep the reconnecting.
type ReconnectingClientFactory struct {
	ClientFactory

	// InitialDelay is the delay the growth starts from; 0 means DefaultInitialDelay.
	InitialDelay time.Duration
	// MaxDelay caps the delay before jitter; 0 means DefaultMaxDelay.
	MaxDelay time.Duration
	// Factor multiplies the delay on each retry; 0 means DefaultFactor (e).
	Factor float64
	// Jitter is the relative standard deviation; 0 means DefaultJitter, a negative value
	// disables jitter.
	Jitter float64
	// MaxRetries is how many consecutive failed attempts to retry before giving up; 0
	// means no limit (Twisted's None).
	MaxRetries int
	// Clock schedules the retries; nil means the default reactor. Tests set a task.Clock.
	Clock reactor.ReactorTime

	// delay is in float seconds so that the growth compounds exactly as in Twisted.
	delay    float64
	delaySet bool
	retries  int
	stopped  bool // Twisted's continueTrying = 0
	callID   *reactor.DelayedCall
	// Connector is the connector of the last failed or lost connection.
	connector Connector
	// normal draws a standard normal variate; tests replace it.
	normal func() float64
}

func (f *ReconnectingClientFactory) initialDelay() float64 {
	if f.InitialDelay == 0 {
		return DefaultInitialDelay.Seconds()
	}
	return f.InitialDelay.Seconds()
}

func (f *ReconnectingClientFactory) currentDelay() float64 {
	if !f.delaySet {
		f.delay, f.delaySet = f.initialDelay(), true
	}
	return f.delay
}

// Delay returns the delay that was used for the last retry (InitialDelay before any).
func (f *ReconnectingClientFactory) Delay() time.Duration {
	return time.Duration(f.currentDelay() * float64(time.Second))
}

// Retries returns the number of consecutive retries so far.
func (f *ReconnectingClientFactory) Retries() int { return f.retries }

// ContinueTrying reports whether the factory still reconnects (false after StopTrying).
func (f *ReconnectingClientFactory) ContinueTrying() bool { return !f.stopped }

// Connector returns the connector of the last failed or lost connection, or nil.
func (f *ReconnectingClientFactory) Connector() Connector { return f.connector }

// ClientConnectionFailed retries, unless StopTrying was called.
func (f *ReconnectingClientFactory) ClientConnectionFailed(c Connector, reason *failure.Failure) {
	if !f.stopped {
		f.connector = c
		_ = f.Retry(nil)
	}
}

// ClientConnectionLost retries, unless StopTrying was called.
func (f *ReconnectingClientFactory) ClientConnectionLost(c Connector, reason *failure.Failure) {
	if !f.stopped {
		f.connector = c
		_ = f.Retry(nil)
	}
}

// Retry schedules c.Connect() (or the remembered connector's, when c is nil) after the
// next back-off delay. It does nothing after StopTrying or once MaxRetries retries were
// made; it returns ErrNoConnector if there is no connector to retry.
func (f *ReconnectingClientFactory) Retry(c Connector) error {
	if f.stopped {
		if !f.Quiet {
			slog.Debug("Abandoning connector on explicit request", "connector", c)
		}
		return nil
	}
	if c == nil {
		if f.connector == nil {
			return ErrNoConnector
		}
		c = f.connector
	}
	f.retries++
	if f.MaxRetries > 0 && f.retries > f.MaxRetries {
		if !f.Quiet {
			slog.Debug("Abandoning connector after retries", "connector", c, "retries", f.retries)
		}
		return nil
	}
	maxDelay := f.MaxDelay
	if maxDelay == 0 {
		maxDelay = DefaultMaxDelay
	}
	factor := f.Factor
	if factor == 0 {
		factor = DefaultFactor
	}
	jitter := f.Jitter
	if jitter == 0 {
		jitter = DefaultJitter
	}
	delay := math.Min(f.currentDelay()*factor, maxDelay.Seconds())
	if jitter > 0 {
		normal := f.normal
		if normal == nil {
			normal = rand.NormFloat64
		}
		delay = normal()*delay*jitter + delay
	}
	f.delay = delay
	if !f.Quiet {
		slog.Debug("connector will retry", "connector", c, "seconds", delay)
	}
	clock := f.Clock
	if clock == nil {
		clock = reactor.Default()
		f.Clock = clock
	}
	f.callID = clock.CallLater(time.Duration(delay*float64(time.Second)), func() {
		f.callID = nil
		c.Connect()
	})
	return nil
}

// StopTrying cancels a scheduled reconnection, stops an attempt in progress and keeps the
// factory from reconnecting when the current connection is lost.
func (f *ReconnectingClientFactory) StopTrying() {
	if f.callID != nil {
		_ = f.callID.Cancel()
		f.callID = nil
	}
	f.stopped = true
	if f.connector != nil {
		// NotConnectingError just means no attempt was in progress.
		_ = f.connector.StopConnecting()
	}
}

// ResetDelay restores the initial delay and the retry count and re-enables reconnecting.
// Call it after a successful connection.
func (f *ReconnectingClientFactory) ResetDelay() {
	f.delay, f.delaySet = f.initialDelay(), true
	f.retries = 0
	f.callID = nil
	f.stopped = false
}
