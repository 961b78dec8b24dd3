package basic_test

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor/reactortest"
	"github.com/gotwisted/twisted/task"
)

// lineTester ports test_basic.py's LineTester: a LineReceiver that acts on some lines
// (pause, rawpause, stop, len N, produce, unproduce) and reads raw data of a given length.
type lineTester struct {
	basic.LineReceiver
	clock    *task.Clock
	received [][]byte
	length   int
}

func newLineTester(clock *task.Clock) *lineTester {
	t := &lineTester{clock: clock}
	t.Handler = t
	t.Delimiter = []byte("\n")
	t.MaxLength = 64
	return t
}

func (t *lineTester) ConnectionMade() { t.received = nil }

func (t *lineTester) LineReceived(line []byte) {
	t.received = append(t.received, line)
	switch {
	case len(line) == 0:
		t.SetRawMode()
	case string(line) == "pause":
		t.PauseProducing()
		t.clock.CallLater(0, t.ResumeProducing)
	case string(line) == "rawpause":
		t.PauseProducing()
		t.SetRawMode()
		t.received = append(t.received, []byte{})
		t.clock.CallLater(0, t.ResumeProducing)
	case string(line) == "stop":
		t.StopProducing()
	case bytes.HasPrefix(line, []byte("len ")):
		n, err := strconv.Atoi(string(line[4:]))
		if err != nil {
			panic(err)
		}
		t.length = n
	case bytes.HasPrefix(line, []byte("produce")):
		if err := t.Transport.(protocol.Consumer).RegisterProducer(t, false); err != nil {
			panic(err)
		}
	case bytes.HasPrefix(line, []byte("unproduce")):
		t.Transport.(protocol.Consumer).UnregisterProducer()
	}
}

func (t *lineTester) RawDataReceived(data []byte) {
	n := min(t.length, len(data))
	data, rest := data[:n], data[n:]
	t.length -= len(data)
	last := len(t.received) - 1
	t.received[last] = append(append([]byte{}, t.received[last]...), data...)
	if t.length == 0 {
		t.SetLineMode(rest)
	}
}

func (t *lineTester) LineLengthExceeded(line []byte) {
	if len(line) > t.MaxLength+1 {
		t.SetLineMode(line[t.MaxLength+1:])
	}
}

// feed delivers buf to p in packets of size n, as the chunked tests do.
func feed(p protocol.IProtocol, buf []byte, n int) {
	for i := 0; i < len(buf); i += n {
		p.DataReceived(buf[i:min(i+n, len(buf))])
	}
}

func strs(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

const lineBuffer = "len 10\n\n0123456789len 5\n\n1234\nlen 20\nfoo 123\n\n0123456789\n012345678len 0\nfoo 5\n\n1234567890123456789012345678901234567890123456789012345678901234567890\nlen 1\n\na"

var lineOutput = []string{
	"len 10", "0123456789", "len 5", "1234\n", "len 20", "foo 123",
	"0123456789\n012345678", "len 0", "foo 5", "", "67890", "len 1", "a",
}

// Ports test_basic.py LineReceiverTests.test_buffer: the same lines whatever the packet size.
func TestLineReceiverBuffer(t *testing.T) {
	for size := 1; size < 10; size++ {
		a := newLineTester(nil)
		protocol.MakeConnection(a, reactortest.NewStringTransport())
		feed(a, []byte(lineBuffer), size)
		equal(t, lineOutput, strs(a.received), "packet size %d", size)
	}
}

// Ports test_basic.py LineReceiverTests.test_pausing: a paused receiver delivers nothing
// until it is resumed, then delivers the buffered lines at once.
func TestLineReceiverPausing(t *testing.T) {
	buf := "twiddle1\ntwiddle2\npause\ntwiddle3\n"
	for size := 1; size < 10; size++ {
		clock := task.NewClock()
		a := newLineTester(clock)
		protocol.MakeConnection(a, reactortest.NewStringTransport())
		feed(a, []byte(buf), size)
		equal(t, []string{"twiddle1", "twiddle2", "pause"}, strs(a.received))
		clock.Advance(0)
		equal(t, []string{"twiddle1", "twiddle2", "pause", "twiddle3"}, strs(a.received))
	}
}

// Ports test_basic.py LineReceiverTests.test_rawPausing: pausing in raw mode.
func TestLineReceiverRawPausing(t *testing.T) {
	buf := "twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n"
	for size := 1; size < 10; size++ {
		clock := task.NewClock()
		a := newLineTester(clock)
		protocol.MakeConnection(a, reactortest.NewStringTransport())
		feed(a, []byte(buf), size)
		equal(t, []string{"twiddle1", "twiddle2", "len 5", "rawpause", ""}, strs(a.received))
		clock.Advance(0)
		equal(t, []string{"twiddle1", "twiddle2", "len 5", "rawpause", "12345", "twiddle3"}, strs(a.received))
	}
}

// Ports test_basic.py LineReceiverTests.test_stopProducing: nothing is delivered after
// StopProducing, and the transport is stopped.
func TestLineReceiverStopProducing(t *testing.T) {
	buf := "twiddle1\ntwiddle2\nstop\nmore\nstuff\n"
	for size := 1; size < 10; size++ {
		a := newLineTester(nil)
		tr := reactortest.NewStringTransport()
		protocol.MakeConnection(a, tr)
		feed(a, []byte(buf), size)
		equal(t, []string{"twiddle1", "twiddle2", "stop"}, strs(a.received))
		equal(t, reactortest.Stopped, tr.ProducerState)
	}
}

// Ports test_basic.py LineReceiverTests.test_lineReceiverAsProducer: registering and
// unregistering the receiver as its transport's producer from inside LineReceived.
func TestLineReceiverAsProducer(t *testing.T) {
	a := newLineTester(nil)
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(a, tr)
	a.DataReceived([]byte("produce\nhello world\nunproduce\ngoodbye\n"))
	equal(t, []string{"produce", "hello world", "unproduce", "goodbye"}, strs(a.received))
	isTrue(t, tr.Producer == nil)
}

type clearingReceiver struct {
	basic.LineReceiver
	line, rest []byte
}

func (c *clearingReceiver) LineReceived(line []byte) {
	c.line = line
	c.rest = c.ClearLineBuffer()
}

// Ports test_basic.py LineReceiverTests.test_clearLineBuffer: ClearLineBuffer returns and
// removes the buffered data, from inside LineReceived.
func TestLineReceiverClearLineBuffer(t *testing.T) {
	p := &clearingReceiver{}
	p.Handler = p
	p.DataReceived([]byte("foo\r\nbar\r\nbaz"))
	equal(t, "foo", string(p.line))
	equal(t, "bar\r\nbaz", string(p.rest))
	p.DataReceived([]byte("quux\r\n"))
	equal(t, "quux", string(p.line))
	equal(t, "", string(p.rest))
}

// flippingLineTester ports FlippingLineTester: raw mode after each line, line mode again
// after one raw byte.
type flippingLineTester struct {
	basic.LineReceiver
	lines [][]byte
}

func (f *flippingLineTester) LineReceived(line []byte) {
	f.lines = append(f.lines, line)
	f.SetRawMode()
}

func (f *flippingLineTester) RawDataReceived(data []byte) { f.SetLineMode(data[1:]) }

// Ports test_basic.py LineReceiverTests.test_stackRecursion: switching modes on every line
// of a large input does not recurse.
func TestLineReceiverStackRecursion(t *testing.T) {
	p := &flippingLineTester{}
	p.Handler = p
	p.Delimiter = []byte("\n")
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	const limit = 100000
	p.DataReceived(bytes.Repeat([]byte("x\nx"), limit))
	equal(t, bytes.Repeat([]byte("x"), limit), bytes.Join(p.lines, nil))
}

type plainLineReceiver struct {
	basic.LineReceiver
	lines [][]byte
}

func newPlain() *plainLineReceiver {
	p := &plainLineReceiver{}
	p.Handler = p
	return p
}

func (p *plainLineReceiver) LineReceived(line []byte) { p.lines = append(p.lines, line) }

// Ports test_basic.py LineReceiverTests.test_maximumLineLength (and the copy in
// LineReceiverLineLengthExceededTests): a line longer than MaxLength disconnects.
func TestLineReceiverMaximumLineLength(t *testing.T) {
	p := newPlain()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.DataReceived(append(bytes.Repeat([]byte("x"), basic.DefaultLineMaxLength+1), "\r\nr"...))
	isTrue(t, tr.Disconnecting())
	equal(t, 0, len(p.lines))
}

// TestLineReceiverUnlimitedMaxLength: MaxLength = math.MaxInt means "no limit"; a line
// arriving in pieces must wait for its delimiter (MaxLength plus the delimiter's length
// used to overflow, so every unfinished line counted as too long).
func TestLineReceiverUnlimitedMaxLength(t *testing.T) {
	p := newPlain()
	p.MaxLength = math.MaxInt
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.DataReceived([]byte("hello "))
	p.DataReceived([]byte("world\r\n"))
	isFalse(t, tr.Disconnecting())
	equal(t, []string{"hello world"}, strs(p.lines))
}

// Ports test_basic.py LineReceiverTests.test_maximumLineLengthPartialDelimiter: a line of
// exactly MaxLength whose delimiter arrives split is accepted.
func TestLineReceiverMaximumLineLengthPartialDelimiter(t *testing.T) {
	p := newLineTester(nil)
	p.MaxLength = 4
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	line := []byte("xxx")
	p.DataReceived(line)
	p.DataReceived(p.Delimiter[:len(p.Delimiter)-1])
	p.DataReceived(append(p.Delimiter[len(p.Delimiter)-1:], line...))
	isFalse(t, tr.Disconnecting())
	equal(t, 1, len(p.received))
	if len(p.received) != 1 {
		return
	}
	equal(t, "xxx", string(p.received[0]))
}

// Ports test_basic.py LineReceiverTests.test_notQuiteMaximumLineLengthUnfinished: MaxLength
// bytes plus part of the delimiter do not disconnect.
func TestLineReceiverNotQuiteMaximumLineLengthUnfinished(t *testing.T) {
	p := newPlain()
	p.Delimiter = []byte("\r\n")
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.DataReceived(append(bytes.Repeat([]byte("x"), basic.DefaultLineMaxLength), '\r'))
	isFalse(t, tr.Disconnecting())
}

// Ports test_basic.py LineReceiverLineLengthExceededTests.test_maximumLineLengthRemaining:
// an unterminated line of MaxLength plus the delimiter's length disconnects.
func TestLineReceiverMaximumLineLengthRemaining(t *testing.T) {
	p := newPlain()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.DataReceived(bytes.Repeat([]byte("x"), basic.DefaultLineMaxLength+2))
	isTrue(t, tr.Disconnecting())
}

// Ports test_basic.py LineReceiverTests.test_rawDataReceivedNotImplemented: raw data for a
// handler without RawDataReceived is an error; the Go receiver loses the connection
// instead of raising NotImplementedError.
func TestLineReceiverRawDataReceivedNotImplemented(t *testing.T) {
	p := newPlain()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.SetRawMode()
	p.DataReceived([]byte("data"))
	isTrue(t, tr.Disconnecting())
}

// Ports test_basic.py LineReceiverTests.test_lineReceivedNotImplemented: a receiver
// without a handler fails loudly (a *NoHandlerError panic, which the reactor turns into a
// lost connection) rather than dropping lines silently.
func TestLineReceiverLineReceivedNotImplemented(t *testing.T) {
	var p basic.LineReceiver
	defer func() {
		r := recover()
		err, ok := r.(*basic.NoHandlerError)
		if !ok {
			t.Fatalf("recovered %#v, want *basic.NoHandlerError", r)
		}
		isTrue(t, strings.Contains(err.Error(), "LineReceiver.Handler is not set"), err.Error())
	}()
	p.DataReceived([]byte("foo\r\n"))
}

// excessivelyLargeLineCatcher ports ExcessivelyLargeLineCatcher.
type excessivelyLargeLineCatcher struct {
	basic.LineReceiver
	longLines [][]byte
}

func (e *excessivelyLargeLineCatcher) LineReceived(line []byte) {}
func (e *excessivelyLargeLineCatcher) LineLengthExceeded(data []byte) {
	e.longLines = append(e.longLines, data)
}

func newCatcher() *excessivelyLargeLineCatcher {
	e := &excessivelyLargeLineCatcher{}
	e.Handler = e
	e.MaxLength = 6
	protocol.MakeConnection(e, reactortest.NewStringTransport())
	return e
}

// Ports test_basic.py LineReceiverLineLengthExceededTests (test_longUnendedLine,
// test_longLineAfterShortLine, test_longLineWithDelimiter, test_multipleLongLines):
// LineLengthExceeded receives everything from the start of the long line to the end of the
// buffer.
func TestLineReceiverLineLengthExceeded(t *testing.T) {
	x := bytes.Repeat([]byte("x"), 6*2+2)
	delim := []byte("\r\n")
	cases := []struct {
		name       string
		in, wanted []byte
	}{
		{"test_longUnendedLine", x, x},
		{"test_longLineAfterShortLine", append(append([]byte("x"), delim...), x...), x},
		{"test_longLineWithDelimiter", bytes.Join([][]byte{x, x}, delim), bytes.Join([][]byte{x, x}, delim)},
		{"test_multipleLongLines", bytes.Repeat(append(append([]byte{}, x...), delim...), 2), bytes.Repeat(append(append([]byte{}, x...), delim...), 2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newCatcher()
			e.DataReceived(c.in)
			equal(t, [][]byte{c.wanted}, e.longLines)
		})
	}
}

// Lines handed to the handler stay intact after more data arrives: the receiver never
// writes over bytes it has handed out (Python's bytes are immutable; a Go port must not
// alias a reused buffer).
func TestLineReceiverLinesAreNotOverwritten(t *testing.T) {
	p := newPlain()
	protocol.MakeConnection(p, reactortest.NewStringTransport())
	p.DataReceived([]byte("first\r\nsec"))
	p.DataReceived([]byte("ond\r\nthird\r\n"))
	for i := 0; i < 100; i++ {
		p.DataReceived([]byte("filler line to force buffer growth\r\n"))
	}
	equal(t, []string{"first", "second", "third"}, strs(p.lines[:3]))
}

func TestLineReceiverSendLine(t *testing.T) {
	p := newPlain()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.SendLine([]byte("hello"))
	p.Delimiter = []byte("\n")
	p.SendLine([]byte("world"))
	equal(t, "hello\r\nworld\n", string(tr.Value()))
}

// lineOnlyTester ports LineOnlyTester.
type lineOnlyTester struct {
	basic.LineOnlyReceiver
	received [][]byte
}

func newLineOnlyTester() *lineOnlyTester {
	l := &lineOnlyTester{}
	l.Handler = l
	l.Delimiter = []byte("\n")
	l.MaxLength = 64
	return l
}

func (l *lineOnlyTester) LineReceived(line []byte) { l.received = append(l.received, line) }

// Ports test_basic.py LineOnlyReceiverTests.test_buffer: lines delivered byte by byte.
func TestLineOnlyReceiverBuffer(t *testing.T) {
	buf := "foo\n    bleakness\n    desolation\n    plastic forks\n    "
	a := newLineOnlyTester()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(a, tr)
	feed(a, []byte(buf), 1)
	equal(t, []string{"foo", "    bleakness", "    desolation", "    plastic forks"}, strs(a.received))
	a.SendLine([]byte("out"))
	equal(t, "out\n", string(tr.Value()))
}

// lineOnlyCatcher is a LineOnlyReceiver that records over-long lines instead of losing the
// connection.
type lineOnlyCatcher struct {
	lineOnlyTester
	exceeded [][]byte
}

func (l *lineOnlyCatcher) LineLengthExceeded(line []byte) { l.exceeded = append(l.exceeded, line) }

// TestLineOnlyReceiverDropsLinesAfterLongLine follows Twisted's LineOnlyReceiver.dataReceived,
// which splits the whole buffer before delivering: after an over-long line (or a line that
// lost the connection) the complete lines of the same read are dropped, and only the
// unfinished tail is kept for the next read.
func TestLineOnlyReceiverDropsLinesAfterLongLine(t *testing.T) {
	l := &lineOnlyCatcher{lineOnlyTester: *newLineOnlyTester()}
	l.Handler = l
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(l, tr)
	long := strings.Repeat("x", l.MaxLength+1)
	l.DataReceived([]byte("short\n" + long + "\nafter\npart"))
	equal(t, []string{"short"}, strs(l.received))
	equal(t, []string{long}, strs(l.exceeded))
	l.DataReceived([]byte("ial\n"))
	equal(t, []string{"short", "partial"}, strs(l.received))

	// The same after a line that loses the connection: nothing more is delivered, even
	// when the next read completes the tail.
	q := newLineOnlyTester()
	q.Handler = lineFunc(func(line []byte) {
		q.received = append(q.received, line)
		q.Transport.LoseConnection()
	})
	tr = reactortest.NewStringTransport()
	protocol.MakeConnection(q, tr)
	q.DataReceived([]byte("bye\nlost\nta"))
	q.DataReceived([]byte("il\n"))
	equal(t, []string{"bye"}, strs(q.received))
}

type lineFunc func([]byte)

func (f lineFunc) LineReceived(line []byte) { f(line) }

// Ports test_basic.py LineOnlyReceiverTests.test_greaterThanMaximumLineLength: a line longer
// than MaxLength plus the delimiter disconnects.
func TestLineOnlyReceiverGreaterThanMaximumLineLength(t *testing.T) {
	a := newLineOnlyTester()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(a, tr)
	a.DataReceived(append(bytes.Repeat([]byte("x"), 64+1+1), "\r\nr"...))
	isTrue(t, tr.Disconnecting())
	equal(t, 0, len(a.received))
}

// onlyProducerTransport ports test_basic.py's OnlyProducerTransport: just enough transport
// to be paused and resumed.
type onlyProducerTransport struct {
	reactortest.StringTransport
	paused bool
	data   []string
}

func (o *onlyProducerTransport) PauseProducing()  { o.paused = true }
func (o *onlyProducerTransport) ResumeProducing() { o.paused = false }
func (o *onlyProducerTransport) Write(b []byte)   { o.data = append(o.data, string(b)) }

// consumingProtocol ports ConsumingProtocol: it pauses itself after every line.
type consumingProtocol struct{ basic.LineReceiver }

func (c *consumingProtocol) LineReceived(line []byte) {
	c.Transport.Write(line)
	c.PauseProducing()
}

// Ports test_basic.py ProducerTests.test_pauseResume.
func TestLineReceiverPauseResume(t *testing.T) {
	p := &consumingProtocol{}
	p.Handler = p
	tr := &onlyProducerTransport{}
	protocol.MakeConnection(p, tr)

	p.DataReceived([]byte("hello, "))
	equal(t, 0, len(tr.data))
	isFalse(t, tr.paused)
	isFalse(t, p.Paused())

	p.DataReceived([]byte("world\r\n"))
	equal(t, []string{"hello, world"}, tr.data)
	isTrue(t, tr.paused)
	isTrue(t, p.Paused())

	p.ResumeProducing()
	equal(t, []string{"hello, world"}, tr.data)
	isFalse(t, tr.paused)
	isFalse(t, p.Paused())

	p.DataReceived([]byte("hello\r\nworld\r\n"))
	equal(t, []string{"hello, world", "hello"}, tr.data)
	isTrue(t, tr.paused)
	isTrue(t, p.Paused())

	p.ResumeProducing()
	equal(t, []string{"hello, world", "hello", "world"}, tr.data)
	isTrue(t, tr.paused)
	isTrue(t, p.Paused())

	p.DataReceived([]byte("goodbye\r\n"))
	equal(t, []string{"hello, world", "hello", "world"}, tr.data)

	p.ResumeProducing()
	equal(t, []string{"hello, world", "hello", "world", "goodbye"}, tr.data)
	isTrue(t, tr.paused)
	isTrue(t, p.Paused())

	p.ResumeProducing()
	equal(t, []string{"hello, world", "hello", "world", "goodbye"}, tr.data)
	isFalse(t, tr.paused)
	isFalse(t, p.Paused())
}

// The receiver stops delivering lines as soon as the handler loses the connection (the
// "transport.disconnecting" check of Twisted's dataReceived loop).
func TestLineReceiverStopsWhenDisconnecting(t *testing.T) {
	p := &quitter{}
	p.Handler = p
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(p, tr)
	p.DataReceived([]byte("a\r\nquit\r\nb\r\n"))
	equal(t, []string{"a", "quit"}, strs(p.lines))
}

type quitter struct {
	basic.LineReceiver
	lines [][]byte
}

func (q *quitter) LineReceived(line []byte) {
	q.lines = append(q.lines, line)
	if string(line) == "quit" {
		q.Transport.LoseConnection()
	}
}
