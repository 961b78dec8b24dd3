package reactor

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gotwisted/twisted/failure"
)

// dummyProducer records the producer calls it gets (test_internet.py DummyProducer).
type dummyProducer struct{ events []string }

func (p *dummyProducer) ResumeProducing() { p.events = append(p.events, "resume") }
func (p *dummyProducer) StopProducing()   { p.events = append(p.events, "stop") }
func (p *dummyProducer) PauseProducing()  { p.events = append(p.events, "pause") }

// pullOnly has no PauseProducing.
type pullOnly struct{ resumed, stopped int }

func (p *pullOnly) ResumeProducing() { p.resumed++ }
func (p *pullOnly) StopProducing()   { p.stopped++ }

// socketConn returns a transport over one end of a socket pair, not registered with the
// reactor for reading, whose buffer fills after highWater bytes (Twisted's SillyDescriptor
// has bufferSize 3).
func socketConn(t *testing.T, r *Reactor, highWater int) (*conn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(fds[0], true)
	t.Cleanup(func() { unix.Close(fds[1]) })
	c := &conn{r: r, fd: fds[0], protocol: &recorder{}, connected: true, highWater: highWater, logstr: "socketConn"}
	t.Cleanup(func() {
		if !c.closed {
			c.ConnectionLost(failure.New(&ConnectionDone{}))
		}
	})
	return c, fds[1]
}

// Ports test_internet.py ProducerTests.test_doubleProducer.
func TestDoubleProducer(t *testing.T) {
	r := newReactor(t)
	c, _ := socketConn(t, r, 0)
	dp := &dummyProducer{}
	if err := c.RegisterProducer(dp, false); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dp.events, []string{"resume"}) {
		t.Fatalf("events %v", dp.events)
	}
	if err := c.RegisterProducer(&dummyProducer{}, false); err == nil {
		t.Fatal("a second producer was accepted")
	}
}

// Ports test_internet.py ProducerTests.test_unconnectedFileDescriptor.
func TestUnconnectedFileDescriptor(t *testing.T) {
	r := newReactor(t)
	c, _ := socketConn(t, r, 0)
	c.ConnectionLost(failure.New(&ConnectionDone{}))
	dp := &dummyProducer{}
	if err := c.RegisterProducer(dp, false); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dp.events, []string{"stop"}) || c.producer != nil {
		t.Fatalf("events %v, registered %v", dp.events, c.producer)
	}
}

// A streaming producer must be able to pause.
func TestStreamingProducerNeedsPause(t *testing.T) {
	r := newReactor(t)
	c, _ := socketConn(t, r, 0)
	if err := c.RegisterProducer(&pullOnly{}, true); err == nil {
		t.Fatal("a producer without PauseProducing registered as streaming")
	}
}

// Ports test_internet.py ProducerTests.test_dontPausePullConsumerOnWrite and
// test_dontPausePullConsumerOnWriteSequence.
func TestDontPausePullConsumerOnWrite(t *testing.T) {
	for _, seq := range []bool{false, true} {
		r := newReactor(t)
		c, _ := socketConn(t, r, 3)
		dp := &dummyProducer{}
		c.RegisterProducer(dp, false)
		dp.events = nil
		if seq {
			c.WriteSequence([][]byte{[]byte("1"), []byte("2"), []byte("3"), []byte("4")})
		} else {
			c.Write([]byte("1234"))
		}
		if len(dp.events) != 0 {
			t.Fatalf("writeSequence=%v: pull producer got %v", seq, dp.events)
		}
	}
}

// reentrantProducer writes to its consumer from ResumeProducing
// (test_internet.py ReentrantProducer).
type reentrantProducer struct {
	dummyProducer
	write func()
}

func (p *reentrantProducer) ResumeProducing() {
	p.dummyProducer.ResumeProducing()
	p.write()
}

// Ports test_internet.py ProducerTests.test_reentrantStreamingProducerUsingWrite and
// test_reentrantStreamingProducerUsingWriteSequence.
func TestReentrantStreamingProducer(t *testing.T) {
	for _, seq := range []bool{false, true} {
		r := newReactor(t)
		c, peer := socketConn(t, r, 3)
		p := &reentrantProducer{}
		p.write = func() {
			if seq {
				c.WriteSequence([][]byte{[]byte("s"), []byte("p"), []byte("am")})
			} else {
				c.Write([]byte("spam"))
			}
		}
		if err := c.RegisterProducer(p, true); err != nil {
			t.Fatal(err)
		}
		p.write()
		if !reflect.DeepEqual(p.events, []string{"pause"}) {
			t.Fatalf("after filling: %v", p.events)
		}
		for round := 0; round < 2; round++ {
			p.events = nil
			if err := c.DoWrite(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.events, []string{"resume", "pause"}) {
				t.Fatalf("writeSequence=%v round %d: %v", seq, round, p.events)
			}
		}
		buf := make([]byte, 64)
		if n, _ := unix.Read(peer, buf); string(buf[:n]) != "spamspam" {
			t.Fatalf("peer read %q", buf[:n])
		}
	}
}

// A push producer over a real connection is paused when more than 64 KiB is buffered and
// resumed when the buffer drains; all the data arrives.
func TestPushProducerPausesAndResumes(t *testing.T) {
	r := newReactor(t)
	const total = 4 << 20
	chunk := make([]byte, 16<<10)
	var prod *pushWriter
	server := &recorder{onMade: func(p *recorder) {
		prod = &pushWriter{t: p.Transport.(TCPTransport), chunk: chunk, left: total}
		if err := prod.t.RegisterProducer(prod, true); err != nil {
			t.Error(err)
		}
		prod.ResumeProducing()
	}}
	reader := &recorder{}
	connectPair(t, r, server, reader)
	spin(t, r, func() bool { return len(reader.data) == total })
	if prod.pauses == 0 || prod.resumes == 0 {
		t.Fatalf("pauses=%d resumes=%d: the high-water mark was never hit", prod.pauses, prod.resumes)
	}
	if prod.maxBuffered > bufferSize+len(chunk) {
		t.Fatalf("buffered up to %d bytes despite pausing", prod.maxBuffered)
	}
}

// pushWriter writes chunks until paused, and again when resumed.
type pushWriter struct {
	t               TCPTransport
	chunk           []byte
	left            int
	paused          bool
	pauses, resumes int
	maxBuffered     int
	stopped         bool
}

func (p *pushWriter) PauseProducing() { p.paused = true; p.pauses++ }
func (p *pushWriter) StopProducing()  { p.stopped = true }
func (p *pushWriter) ResumeProducing() {
	p.paused = false
	p.resumes++
	for !p.paused && p.left > 0 {
		n := min(len(p.chunk), p.left)
		p.t.Write(p.chunk[:n])
		p.left -= n
		if b := p.t.(*conn).wbuf.size; b > p.maxBuffered {
			p.maxBuffered = b
		}
	}
	if p.left == 0 {
		p.t.UnregisterProducer()
		p.t.LoseConnection()
	}
}

// A pull producer is asked for more each time the buffer drains; LoseConnection waits for
// it to unregister (verified against Twisted).
func TestPullProducerKeepsConnectionOpenUntilUnregistered(t *testing.T) {
	r := newReactor(t)
	rounds := 0
	var tr TCPTransport
	prod := &funcProducer{resume: func() {
		rounds++
		if rounds <= 5 {
			tr.Write([]byte("chunk"))
		}
	}}
	server := &recorder{onMade: func(p *recorder) {
		tr = p.Transport.(TCPTransport)
		tr.RegisterProducer(prod, false)
		tr.LoseConnection()
	}}
	reader := &recorder{}
	connectPair(t, r, server, reader)
	spin(t, r, func() bool { return rounds > 5 })
	for i := 0; i < 5; i++ {
		r.Iterate(0)
	}
	if server.reason != nil {
		t.Fatal("connection closed while a pull producer was registered")
	}
	tr.UnregisterProducer()
	spin(t, r, func() bool { return reader.reason != nil })
	if string(reader.data) != "chunkchunkchunkchunkchunk" || !isReason[*ConnectionDone](reader.reason) {
		t.Fatalf("got %q, %v", reader.data, reader.reason)
	}
	if prod.stopped != 0 {
		t.Fatal("an unregistered producer was stopped")
	}
}

type funcProducer struct {
	resume  func()
	paused  int
	stopped int
}

func (p *funcProducer) ResumeProducing() { p.resume() }
func (p *funcProducer) PauseProducing()  { p.paused++ }
func (p *funcProducer) StopProducing()   { p.stopped++ }
