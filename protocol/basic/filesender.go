package basic

import (
	"errors"
	"io"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
)

// DefaultChunkSize is FileSender.CHUNK_SIZE: how much is read per ResumeProducing.
const DefaultChunkSize = 1 << 14

// ErrStopProducing is the failure of a FileSender transfer whose consumer stopped it before
// the end (Twisted's "Consumer asked us to stop producing").
var ErrStopProducing = errors.New("Consumer asked us to stop producing")

// FileSender is a pull producer that sends the contents of a reader to a consumer (usually
// a transport), one chunk each time the consumer asks for more: Twisted's FileSender.
//
//	sender := &basic.FileSender{}
//	sender.BeginFileTransfer(file, p.Transport.(protocol.Consumer), nil).
//		AddCallback(func(last any) (any, error) { p.Transport.LoseConnection(); return nil, nil })
type FileSender struct {
	// ChunkSize is how much to read per ResumeProducing; 0 means DefaultChunkSize.
	ChunkSize int

	file      io.Reader
	consumer  reactor.Consumer
	transform func([]byte) []byte
	deferred  *deferred.Deferred
	lastSent  []byte
	buf       []byte
}

// BeginFileTransfer registers the sender with consumer as a pull producer and returns a
// Deferred that fires with the last byte sent (a one-byte slice, or empty for an empty
// file) once everything was written, or fails with ErrStopProducing (or the read error).
// transform, if not nil, is applied to each chunk before it is written.
func (s *FileSender) BeginFileTransfer(file io.Reader, consumer reactor.Consumer, transform func([]byte) []byte) *deferred.Deferred {
	s.file, s.consumer, s.transform = file, consumer, transform
	s.lastSent = []byte{}
	d := deferred.New(nil)
	s.deferred = d
	if err := consumer.RegisterProducer(s, false); err != nil {
		s.deferred = nil
		d.Errback(err)
	}
	return d
}

// ResumeProducing writes the next chunk; at the end of the file it unregisters and fires
// the Deferred.
func (s *FileSender) ResumeProducing() {
	var chunk []byte
	var readErr error
	if s.file != nil {
		size := s.ChunkSize
		if size <= 0 {
			size = DefaultChunkSize
		}
		if cap(s.buf) < size {
			s.buf = make([]byte, size)
		}
		var n int
		n, readErr = io.ReadFull(s.file, s.buf[:size])
		chunk = s.buf[:n]
		if readErr == io.ErrUnexpectedEOF || readErr == io.EOF {
			readErr = nil
		}
	}
	if len(chunk) == 0 {
		s.file = nil
		if s.consumer != nil {
			s.consumer.UnregisterProducer()
		}
		if d := s.deferred; d != nil {
			s.deferred = nil
			if readErr != nil {
				d.Errback(readErr)
			} else {
				d.Callback(s.lastSent)
			}
		}
		return
	}
	if s.transform != nil {
		chunk = s.transform(chunk)
	}
	s.consumer.Write(chunk)
	if len(chunk) > 0 {
		s.lastSent = []byte{chunk[len(chunk)-1]}
	}
}

// PauseProducing does nothing: a pull producer is never paused.
func (s *FileSender) PauseProducing() {}

// StopProducing ends the transfer early: the Deferred fails with ErrStopProducing.
func (s *FileSender) StopProducing() {
	if d := s.deferred; d != nil {
		s.deferred = nil
		d.Errback(ErrStopProducing)
	}
}

var _ reactor.PushProducer = (*FileSender)(nil)
