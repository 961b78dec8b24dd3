package basic_test

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
	"github.com/gotwisted/twisted/trial"
)

func result(t *testing.T, d *deferred.Deferred) any {
	t.Helper()
	var got []any
	d.AddBoth(func(r any) (any, error) { got = append(got, r); return nil, nil })
	if len(got) == 0 {
		t.Fatal("no result")
	}
	return got[0]
}

// Ports test_basic.py FileSenderTests.test_producerRegistered.
func TestFileSenderProducerRegistered(t *testing.T) {
	consumer := reactortest.NewStringTransport()
	sender := &basic.FileSender{}
	sender.BeginFileTransfer(strings.NewReader("Test content"), consumer, nil)
	isTrue(t, consumer.Producer == sender)
	isFalse(t, consumer.Streaming)
}

// Ports test_basic.py FileSenderTests.test_transfer.
func TestFileSenderTransfer(t *testing.T) {
	consumer := reactortest.NewStringTransport()
	sender := &basic.FileSender{}
	d := sender.BeginFileTransfer(strings.NewReader("Test content"), consumer, nil)
	sender.ResumeProducing()
	sender.ResumeProducing() // finishes only after reading at EOF
	isTrue(t, consumer.Producer == nil)
	equal(t, []byte("t"), result(t, d))
	equal(t, "Test content", string(consumer.Value()))
}

// Ports test_basic.py FileSenderTests.test_transferMultipleChunks.
func TestFileSenderTransferMultipleChunks(t *testing.T) {
	consumer := reactortest.NewStringTransport()
	sender := &basic.FileSender{ChunkSize: 4}
	d := sender.BeginFileTransfer(strings.NewReader("Test content"), consumer, nil)
	for _, want := range []string{"Test", "Test con", "Test content"} {
		sender.ResumeProducing()
		equal(t, want, string(consumer.Value()))
	}
	sender.ResumeProducing()
	equal(t, []byte("t"), result(t, d))
}

// Ports test_basic.py FileSenderTests.test_transferWithTransform.
func TestFileSenderTransferWithTransform(t *testing.T) {
	consumer := reactortest.NewStringTransport()
	sender := &basic.FileSender{}
	swapcase := func(b []byte) []byte {
		out := bytes.Clone(b)
		for i, c := range out {
			switch {
			case 'a' <= c && c <= 'z':
				out[i] = c - 32
			case 'A' <= c && c <= 'Z':
				out[i] = c + 32
			}
		}
		return out
	}
	d := sender.BeginFileTransfer(strings.NewReader("Test content"), consumer, swapcase)
	sender.ResumeProducing()
	sender.ResumeProducing()
	equal(t, []byte("T"), result(t, d))
	equal(t, "tEST CONTENT", string(consumer.Value()))
}

// Ports test_basic.py FileSenderTests.test_abortedTransfer.
func TestFileSenderAbortedTransfer(t *testing.T) {
	consumer := reactortest.NewStringTransport()
	sender := &basic.FileSender{}
	d := sender.BeginFileTransfer(strings.NewReader("Test content"), consumer, nil)
	sender.StopProducing()
	f, ok := result(t, d).(*failure.Failure)
	if !ok || !errors.Is(f, basic.ErrStopProducing) {
		t.Fatalf("result %v, want ErrStopProducing", f)
	}
	equal(t, "Consumer asked us to stop producing", f.ErrorMessage())
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// A read error fails the transfer with that error.
func TestFileSenderReadError(t *testing.T) {
	consumer := reactortest.NewStringTransport()
	sender := &basic.FileSender{}
	d := sender.BeginFileTransfer(failingReader{}, consumer, nil)
	sender.ResumeProducing()
	r := result(t, d)
	if f, ok := r.(*failure.Failure); !ok || f.ErrorMessage() != "disk on fire" {
		t.Fatalf("result %v", r)
	}
}

// fileServer sends a file to each client with a FileSender, then closes the connection.
type fileServer struct {
	protocol.Protocol
	content []byte
	sent    *deferred.Deferred
}

func (s *fileServer) ConnectionMade() {
	sender := &basic.FileSender{}
	sender.BeginFileTransfer(bytes.NewReader(s.content), s.Transport.(protocol.Consumer), nil).
		AddBoth(func(r any) (any, error) {
			s.Transport.LoseConnection()
			s.sent.Callback(r)
			return nil, nil
		})
}

type collector struct {
	protocol.Protocol
	got  []byte
	done *deferred.Deferred
}

func (c *collector) DataReceived(b []byte)           { c.got = append(c.got, b...) }
func (c *collector) ConnectionLost(*failure.Failure) { c.done.Callback(nil) }

// A FileSender over a real connection: the transport pulls chunk after chunk as its
// buffer drains, and everything arrives.
func TestFileSenderLoopback(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		content := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 KB: many chunks
		srv := &fileServer{content: content, sent: deferred.New(nil)}
		port := trial.Must(r.ListenTCP(0, protocol.ForProtocol(func() protocol.IProtocol { return srv }), reactor.Interface("127.0.0.1")))
		tc.AddCleanup(port.StopListening)
		c := &collector{done: deferred.New(nil)}
		f := &protocol.ClientFactory{}
		f.Protocol = func() protocol.IProtocol { return c }
		r.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, f)
		return c.done.AddCallback(func(any) (any, error) {
			tc.Equal(len(c.got), len(content))
			tc.True(bytes.Equal(content, c.got), "content differs")
			tc.Equal(tc.SuccessResultOf(srv.sent), []byte("f"))
			return nil, nil
		})
	})
}
