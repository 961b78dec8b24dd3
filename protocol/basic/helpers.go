package basic

import (
	"fmt"
	"log/slog"

	"github.com/gotwisted/twisted/reactor"
)

// The receivers only need Transport; these helpers use the optional parts (Twisted's
// transport.disconnecting, and the transport as a push producer) when the transport has
// them, and tolerate a nil transport (a receiver driven directly by a test).

func disconnecting(t reactor.Transport) bool {
	d, ok := t.(interface{ Disconnecting() bool })
	return ok && d.Disconnecting()
}

func loseConnection(t reactor.Transport) {
	if t != nil {
		t.LoseConnection()
	}
}

func pauseTransport(t reactor.Transport) {
	if p, ok := t.(interface{ PauseProducing() }); ok {
		p.PauseProducing()
	}
}

func resumeTransport(t reactor.Transport) {
	if p, ok := t.(interface{ ResumeProducing() }); ok {
		p.ResumeProducing()
	}
}

func stopTransport(t reactor.Transport) {
	if p, ok := t.(interface{ StopProducing() }); ok {
		p.StopProducing()
	}
}

// NoHandlerError is the panic value when a receiver gets data but its Handler was never
// set: a programming error (the protocol's constructor must set it), reported as clearly
// as possible. The reactor recovers it and loses the connection.
type NoHandlerError struct{ Receiver string }

func (e *NoHandlerError) Error() string {
	return fmt.Sprintf("basic: %s.Handler is not set; set it to your protocol in its constructor", e.Receiver)
}

func errNoHandler(receiver string) error { return &NoHandlerError{Receiver: receiver} }

func logNotImplemented(h any, method string) {
	slog.Error(fmt.Sprintf("basic: %T does not implement %s; losing the connection", h, method))
}
