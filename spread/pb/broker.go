package pb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"unicode/utf8"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/banana"
	"github.com/gotwisted/twisted/spread/jelly"
)

// ProtocolVersion is the PB protocol version both sides announce with ['version', 6].
const ProtocolVersion = 6

// MaxBrokerRefs is Twisted's MAX_BROKER_REFS: a broker refuses to export a new object (or
// cache) once it already holds more than this many. From the fourth refusal on a
// connection it also drops the connection.
const MaxBrokerRefs = 1024

// The vocabulary words PB's messages start with.
const (
	cmdVersion          = "version"
	cmdMessage          = "message"
	cmdCacheMessage     = "cachemessage"
	cmdAnswer           = "answer"
	cmdError            = "error"
	cmdDecref           = "decref"
	cmdDecache          = "decache"
	cmdUncache          = "uncache"
	cmdDidNotUnderstand = "didNotUnderstand"
)

// local is an object this side exported (Twisted's pb.Local): a Referenceable, a ViewPoint
// or a named object, with the number of references the peer holds.
type local struct {
	object      any
	perspective any
	refcount    int
	puid        any // key in Broker.luids; nil for named objects
}

// cachedLocal is a Cacheable this side sent, with the observer it was given.
type cachedLocal struct {
	object      any // the user's value embedding Cacheable
	perspective any
	refcount    int
	observer    *RemoteCacheObserver
}

// cacheEntry is a RemoteCache this side holds for the peer's cacheID.
type cacheEntry struct {
	object any          // the user's value embedding RemoteCache
	inner  *RemoteCache // its embedded RemoteCache
}

// brokerFactory is what a Broker needs from the factory that built it.
type brokerFactory interface {
	unsafeTracebacks() bool
	clientConnectionMade(b *Broker)
}

// Broker is Twisted's pb.Broker: the protocol at each end of a PB connection. Both ends run
// the same Broker; a server's also has a root object. It keeps the tables of objects each
// side has given the other (references and caches), matches answers to calls, and turns
// remote calls into method calls.
//
// A Broker belongs to its reactor's goroutine: call its methods, and those of the
// RemoteReferences it creates, only from there (from reactor callbacks, Deferred callbacks
// or Inline bodies).
type Broker struct {
	reactor.BaseProtocol

	// Security is the taster for everything this broker unjellies; nil means
	// jelly.GlobalSecurity.
	Security *jelly.SecurityOptions

	isClient bool
	conn     *banana.Conn
	factory  brokerFactory
	rf       reactor.ReactorFromThreads // where GC'd references deliver their decrefs

	jellier   jelly.Jellier
	unjellier jelly.Unjellier
	jellying  bool   // jellier in use (nested Serialize calls get a fresh one)
	wbuf      []byte // message being written (the transport copies it)
	exprs     []any  // Feed's reusable result slice

	disconnected bool
	aborted      bool // an abort is under way: ignore the rest of the input
	disconnects  []*Notifier
	connects     []func()

	locals    map[int64]*local  // exported by luid
	named     map[string]*local // exported by name ("root")
	luids     map[any]int64     // object identity -> luid
	cachedOut map[int64]*cachedLocal
	cacheIDs  map[any]int64 // Cacheable identity -> cacheID
	cachedIn  map[int64]*cacheEntry
	waiting   map[int64]*deferred.Deferred

	currentRequestID int64
	currentLocalID   int64
	refViolations    int

	// localCleanup maps an exported object's identity to a function run when the peer
	// drops its last reference (Twisted's _localCleanup; cred's logout uses it).
	localCleanup map[any]func()

	serializingPerspective   any
	unserializingPerspective any
	outers                   map[any]any // embedded flavor -> user value (see outer.go)

	decrefMu      sync.Mutex
	pendingDecref []int64 // luids whose RemoteReferences were garbage collected
	decrefPosted  bool
}

// NewBroker returns a Broker for one end of a connection. isClient selects the role in
// banana's dialect negotiation; the factories call it, and tests that wire two brokers
// together by hand do too.
func NewBroker(isClient bool, security *jelly.SecurityOptions) *Broker {
	b := &Broker{
		Security:     security,
		isClient:     isClient,
		connects:     []func(){},
		locals:       map[int64]*local{},
		named:        map[string]*local{},
		luids:        map[any]int64{},
		cachedOut:    map[int64]*cachedLocal{},
		cacheIDs:     map[any]int64{},
		cachedIn:     map[int64]*cacheEntry{},
		waiting:      map[int64]*deferred.Deferred{},
		localCleanup: map[any]func(){},
	}
	// Raw: messages arrive as checked bytes; the broker reads the envelope and unjellies
	// the arguments straight from the wire, never building the s-expression tree. The
	// bytes alias what DataReceived was given (a message that arrived in one read is not
	// copied): every message is handled, and everything kept copied, before it returns.
	b.conn = banana.NewConn(isClient, banana.Options{Raw: true, RawAliases: true})
	b.jellier = b.newJellier()
	b.unjellier = b.newUnjellier()
	return b
}

// newUnjellier returns the broker's unjellier: the broker as invoker, its security, and
// its connection's banana limits (for reading messages straight from the input).
func (b *Broker) newUnjellier() jelly.Unjellier {
	return jelly.Unjellier{Invoker: b, Security: b.Security,
		SizeLimit: b.conn.SizeLimit(), PrefixLimit: b.conn.PrefixLimit()}
}

func (b *Broker) security() *jelly.SecurityOptions {
	if b.Security != nil {
		return b.Security
	}
	return jelly.GlobalSecurity
}

// IsClient reports whether this broker is the client end.
func (b *Broker) IsClient() bool { return b.isClient }

// Disconnected reports whether the connection is gone (Twisted's broker.disconnected).
func (b *Broker) Disconnected() bool { return b.disconnected }

// SetReactor tells the broker which reactor runs it, so that RemoteReferences the garbage
// collector frees can send their decref from the reactor's goroutine. The factories set
// it; without it, such decrefs go out with the broker's next activity.
func (b *Broker) SetReactor(r reactor.ReactorFromThreads) { b.rf = r }

// ConnectionMade starts banana's dialect negotiation (the server offers its dialects).
func (b *Broker) ConnectionMade() {
	if out := b.conn.ConnectionMade(); len(out) > 0 {
		b.Transport.Write(out)
	}
}

// DataReceived feeds bytes to the banana decoder and handles every complete message.
func (b *Broker) DataReceived(data []byte) {
	if b.aborted || b.disconnected {
		return
	}
	b.flushDecrefs()
	// Whole calls and answers at the start of data are read straight from it, in one
	// pass (see direct); banana's framing takes the rest.
	for len(data) > 0 && b.conn.AtBoundary() {
		n := b.direct(data)
		if n == 0 {
			break
		}
		data = data[n:]
		if b.aborted || b.disconnected {
			return
		}
	}
	if len(data) == 0 {
		return
	}
	wasReady := b.conn.Ready()
	exprs, toSend, err := b.conn.Feed(data)
	b.exprs = exprs
	if len(toSend) > 0 {
		b.Transport.Write(toSend)
	}
	if !wasReady && b.conn.Ready() {
		b.connectionReady()
	}
	for _, x := range exprs {
		if b.aborted || b.disconnected {
			break
		}
		b.expressionReceived(x)
	}
	clear(exprs) // they alias data, which the caller reuses
	if err != nil && !b.aborted && !b.disconnected {
		if banana.IsGracefulClose(err) {
			slog.Info("pb: closing connection: " + err.Error())
			b.Transport.LoseConnection()
		} else {
			b.abort(err)
		}
	}
}

// abort drops the connection at once, as Twisted does when an exception escapes
// dataReceived: buffered output is discarded and pending calls get PBConnectionLost.
func (b *Broker) abort(err error) {
	if b.aborted {
		return
	}
	b.aborted = true
	slog.Warn("pb: aborting connection: "+err.Error(), "error", err)
	b.Transport.AbortConnection()
}

// connectionReady runs once dialect negotiation is done: Twisted's connectionReady.
func (b *Broker) connectionReady() {
	b.sendCall2(cmdVersion, int64(ProtocolVersion))
	connects := b.connects
	b.connects = nil
	for _, f := range connects {
		b.protect("connect notifier", f)
	}
	if b.factory != nil {
		b.factory.clientConnectionMade(b)
	}
}

// NotifyOnConnect runs f when the connection is ready (now, if it already is).
func (b *Broker) NotifyOnConnect(f func()) {
	if b.connects == nil {
		b.protect("connect notifier", f)
		return
	}
	b.connects = append(b.connects, f)
}

// protect runs f, logging a panic instead of letting it unwind the reactor (Twisted's
// log.deferr around notifiers).
func (b *Broker) protect(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			f := failure.FromPanic(r, 0)
			slog.Default().Log(context.Background(), slog.LevelError, "pb: "+what+" failed",
				"failure", f, "traceback", f.Traceback())
		}
	}()
	f()
}

// ConnectionLost fails every call still waiting for an answer with PBConnectionLost, tells
// every Cacheable still cached that its observer stopped observing, and runs the
// disconnect notifiers in the order they were registered.
func (b *Broker) ConnectionLost(reason *failure.Failure) {
	if b.disconnected {
		return
	}
	b.disconnected = true
	b.luids = nil
	var cause error = reason
	if reason == nil {
		cause = errors.New("connection lost")
	}
	ids := make([]int64, 0, len(b.waiting))
	for id := range b.waiting {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	waiting := b.waiting
	b.waiting = nil
	for _, id := range ids {
		d := waiting[id]
		b.protect("errback of a pending call", func() { d.Errback(&PBConnectionLost{Reason: cause}) })
	}
	cids := make([]int64, 0, len(b.cachedOut))
	for id := range b.cachedOut {
		cids = append(cids, id)
	}
	slices.Sort(cids)
	for _, id := range cids {
		lobj := b.cachedOut[id]
		b.protect("StoppedObserving", func() { stoppedObserving(lobj) })
	}
	disconnects := b.disconnects
	b.disconnects = nil
	for _, n := range disconnects {
		if n.f != nil {
			b.protect("disconnect notifier", n.f)
		}
	}
	b.locals, b.named, b.cachedOut, b.cacheIDs, b.cachedIn = nil, nil, nil, nil, nil
	b.localCleanup = nil
	b.outers = nil
	// Drop what the codecs still hold of the last messages (decoded references among
	// them), so nothing of this connection outlives it.
	b.jellier = b.newJellier()
	b.unjellier = b.newUnjellier()
	b.wbuf, b.exprs = nil, nil
	b.decrefMu.Lock()
	b.pendingDecref = nil
	b.decrefMu.Unlock()
}

// Notifier is a registered disconnect callback; pass it to DontNotifyOnDisconnect to
// remove it (Go functions cannot be compared, so a handle stands in for Python's
// "remove this callable").
type Notifier struct {
	f func()
}

// NotifyOnDisconnect registers f to run when the connection is lost.
func (b *Broker) NotifyOnDisconnect(f func()) *Notifier {
	n := &Notifier{f: f}
	if b.disconnected {
		return n
	}
	b.disconnects = append(b.disconnects, n)
	return n
}

// DontNotifyOnDisconnect removes a callback registered with NotifyOnDisconnect.
func (b *Broker) DontNotifyOnDisconnect(n *Notifier) {
	if i := slices.Index(b.disconnects, n); i >= 0 {
		b.disconnects = slices.Delete(b.disconnects, i, i+1)
	}
}

// --- sending

func (b *Broker) dialect() banana.Dialect { return b.conn.Dialect() }

// write sends the message in b.wbuf.
func (b *Broker) write() {
	if b.Transport != nil && !b.disconnected {
		b.Transport.Write(b.wbuf)
	}
}

// sendCall2 sends [command, n], the shape of version, decref, decache and uncache.
func (b *Broker) sendCall2(command string, n int64) {
	buf := banana.AppendListHeader(b.wbuf[:0], 2)
	buf = banana.AppendStr(buf, command, b.dialect())
	buf = banana.AppendInt(buf, n)
	b.wbuf = buf
	b.write()
}

// appendID appends an object id as Twisted sends it: an int luid or a bytes name.
func (b *Broker) appendID(buf []byte, id any) ([]byte, error) {
	switch v := id.(type) {
	case int64:
		return banana.AppendInt(buf, v), nil
	case string:
		return banana.AppendStr(buf, v, b.dialect()), nil
	}
	return b.conn.AppendExpr(buf, id)
}

// takeBuf detaches the write buffer while a message is built, so that a message sent
// from inside the jellying (a GetState method that calls an observer) gets its own.
func (b *Broker) takeBuf() []byte {
	buf := b.wbuf[:0]
	b.wbuf = nil
	return buf
}

// send writes a finished message and keeps its buffer for the next one.
func (b *Broker) send(buf []byte) {
	if b.Transport != nil && !b.disconnected {
		b.Transport.Write(buf)
	}
	b.wbuf = buf[:0]
}

// appendJelly jellies v straight into buf (jelly's fused encoder: no s-expression tree),
// with perspective as the serializing perspective.
func (b *Broker) appendJelly(buf []byte, v any, perspective any) ([]byte, error) {
	j := &b.jellier
	nested := b.jellying
	if nested {
		nj := b.newJellier()
		j = &nj
	}
	j.SizeLimit = b.conn.SizeLimit()
	b.jellying = true
	saved := b.serializingPerspective
	b.serializingPerspective = perspective
	out, err := j.AppendJelly(buf, v, b.dialect())
	b.serializingPerspective = saved
	if !nested {
		b.jellying = false
		clear(b.outers)
	}
	return out, err
}

// sendMessage sends a call (a cachemessage when cache is set) and returns its Deferred,
// nil when no answer is wanted.
func (b *Broker) sendMessage(cache bool, perspective any, objectID any, name string, args []any, kw Kwargs, answer bool) (*deferred.Deferred, error) {
	if b.disconnected {
		return nil, &DeadReferenceError{ProtocolError{Message: "Calling Stale Broker"}}
	}
	d := b.dialect()
	buf := b.takeBuf()
	cmd := cmdMessage
	if cache {
		cmd = cmdCacheMessage
	}
	buf = banana.AppendListHeader(buf, 7)
	buf = banana.AppendStr(buf, cmd, d)
	// Twisted takes the request id only once the arguments are jellied. Write the id the
	// call will get if nothing else is sent meanwhile; a message sent from inside the
	// jellying (a GetState method calling an observer) takes ids first, and then the
	// token is rewritten.
	reqID := b.currentRequestID + 1
	idAt := len(buf)
	buf = banana.AppendInt(buf, reqID)
	idEnd := len(buf)
	var err error
	if buf, err = b.appendID(buf, objectID); err != nil {
		b.wbuf = buf[:0]
		return nil, err
	}
	buf = banana.AppendStr(buf, name, d)
	if answer {
		buf = banana.AppendInt(buf, 1)
	} else {
		buf = banana.AppendInt(buf, 0)
	}
	if buf, err = b.appendJelly(buf, jelly.Tuple(args), perspective); err != nil {
		b.wbuf = buf[:0]
		return nil, err
	}
	if len(kw) == 0 {
		buf = append(buf, emptyDictBytes...)
	} else if buf, err = b.appendJelly(buf, kwargsDict(kw), perspective); err != nil {
		b.wbuf = buf[:0]
		return nil, err
	}
	if b.currentRequestID+1 != reqID {
		reqID = b.currentRequestID + 1
		fixed := banana.AppendInt(append([]byte(nil), buf[:idAt]...), reqID)
		buf = append(fixed, buf[idEnd:]...)
	}
	b.currentRequestID = reqID
	var rval *deferred.Deferred
	if answer {
		rval = deferred.New(nil)
		b.waiting[reqID] = rval
	}
	b.send(buf)
	return rval, nil
}

var emptyDict = []any{[]byte("dictionary")}

var emptyDictBytes, _ = banana.AppendExpr(nil, emptyDict, banana.DialectPB)

// kwargsDict turns keyword arguments into a dictionary with text keys, in sorted order so
// the bytes on the wire do not depend on Go's map order.
func kwargsDict(kw Kwargs) *jelly.Dict {
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d := jelly.NewDict(len(keys))
	for _, k := range keys {
		_ = d.Set(k, kw[k]) // string keys are always hashable
	}
	return d
}

// appendField appends a request id as it came: an int, bytes, or the raw node.
func (b *Broker) appendField(buf []byte, f field) []byte {
	switch f.kind {
	case fieldInt:
		return banana.AppendInt(buf, f.i)
	case fieldBytes:
		return banana.AppendString(buf, f.b, b.dialect())
	}
	return append(buf, f.b...)
}

// keep copies a field's bytes out of the read buffer, for use after DataReceived.
func (f field) keep() field {
	if f.kind != fieldInt {
		f.b = append([]byte(nil), f.b...)
	}
	return f
}

// sendAnswerValue sends ['answer', requestID, jelly(result)], jellying straight into the
// message. A result that cannot be sent becomes an error for the caller (Twisted aborts
// its own connection when banana refuses an answer).
func (b *Broker) sendAnswerValue(requestID field, result any, perspective any) {
	if b.disconnected {
		return
	}
	buf := b.takeBuf()
	buf = banana.AppendListHeader(buf, 3)
	buf = banana.AppendStr(buf, cmdAnswer, b.dialect())
	buf = b.appendField(buf, requestID)
	buf, err := b.appendJelly(buf, result, perspective)
	if err != nil {
		b.wbuf = buf[:0]
		b.sendFailureOrError(failure.New(fmt.Errorf("pb: cannot send the answer: %w", err)), requestID)
		return
	}
	b.send(buf)
}

// sendAnswer sends ['answer', requestID, netResult] for a result already serialized
// (by a MessageReceiver).
func (b *Broker) sendAnswer(requestID field, netResult any) {
	if b.disconnected {
		return
	}
	buf := b.takeBuf()
	buf = banana.AppendListHeader(buf, 3)
	buf = banana.AppendStr(buf, cmdAnswer, b.dialect())
	buf = b.appendField(buf, requestID)
	buf, err := b.conn.AppendExpr(buf, netResult)
	if err != nil {
		b.wbuf = buf[:0]
		b.sendFailureOrError(failure.New(fmt.Errorf("pb: cannot send the answer: %w", err)), requestID)
		return
	}
	b.send(buf)
}

// sendFailureOrError logs an unexpected failure ("Peer will receive following PB
// traceback") before sending it; a pb.Error is sent without logging.
func (b *Broker) sendFailureOrError(f *failure.Failure, requestID field) {
	if f.Check(failure.Type[Error]()) == nil {
		b.logPeerTraceback(f)
	}
	b.sendError(f, requestID)
}

func (b *Broker) logPeerTraceback(f *failure.Failure) {
	attrs := []any{"failure", f, "traceback", f.Traceback()}
	if b.Transport != nil {
		if peer := b.Transport.GetPeer(); peer != nil {
			attrs = append(attrs, "peer", peer.String())
		}
	}
	slog.Default().Log(context.Background(), slog.LevelError, "Peer will receive following PB traceback:", attrs...)
}

// sendError sends ['error', requestID, failure]: the error itself when it travels by copy,
// else a CopyableFailure.
func (b *Broker) sendError(f *failure.Failure, requestID field) {
	if b.disconnected {
		return
	}
	var payload any
	if travelsByCopy(f.Value) {
		if p, err := b.Serialize(f.Value, nil); err == nil {
			payload = p
		}
	}
	if payload == nil {
		payload = copyableFailureSexp(f, b.unsafe())
	}
	buf := b.takeBuf()
	start := len(buf)
	buf = banana.AppendListHeader(buf, 3)
	buf = banana.AppendStr(buf, cmdError, b.dialect())
	buf = b.appendField(buf, requestID)
	buf, err := b.conn.AppendExpr(buf, payload)
	if err != nil {
		// Even the failure did not fit (a huge message): send a short one.
		short := &failure.Failure{Value: errors.New("pb: the error was too large to send")}
		buf = banana.AppendListHeader(buf[:start], 3)
		buf = banana.AppendStr(buf, cmdError, b.dialect())
		buf = b.appendField(buf, requestID)
		buf, _ = b.conn.AppendExpr(buf, copyableFailureSexp(short, false))
	}
	b.send(buf)
}

func (b *Broker) unsafe() bool { return b.factory != nil && b.factory.unsafeTracebacks() }

// --- receiving

// rawIsList reports whether a raw expression is a list: its first token, after the
// prefix bytes, has the LIST type byte.
func rawIsList(r banana.Raw) bool {
	for _, c := range r {
		if c >= 0x80 {
			return c == banana.List
		}
	}
	return false
}

func (b *Broker) expressionReceived(x any) {
	raw, ok := x.(banana.Raw)
	if !ok || !rawIsList(raw) {
		b.abort(&ProtocolError{Message: "Non-list expression received."})
		return
	}
	var f [7]field
	n, ok := readEnvelope(raw, f[:])
	if !ok {
		b.abort(&ProtocolError{Message: "malformed expression received"})
		return
	}
	if n == 0 {
		b.abort(&ProtocolError{Message: "empty expression received"})
		return
	}
	if f[0].kind != fieldBytes {
		b.abort(protocolErrorf("command is not a byte string: %x", f[0].b))
		return
	}
	cmd := f[0].b
	arity := func(want int) bool {
		if n != want {
			b.abort(protocolErrorf("%s takes %d fields, got %d", cmd, want-1, n-1))
			return false
		}
		return true
	}
	switch string(cmd) {
	case cmdMessage:
		if arity(7) {
			b.recvMessage(false, &f, wireArgs{b: f[argsField].b})
		}
	case cmdAnswer:
		if arity(3) {
			b.protoAnswer(f[1], f[2])
		}
	case cmdError:
		if arity(3) {
			b.protoError(f[1], f[2])
		}
	case cmdCacheMessage:
		if arity(7) {
			b.recvMessage(true, &f, wireArgs{b: f[argsField].b})
		}
	case cmdDecref:
		if arity(2) {
			b.protoDecref(f[1])
		}
	case cmdDecache:
		if arity(2) {
			b.protoDecache(f[1])
		}
	case cmdUncache:
		if arity(2) {
			b.protoUncache(f[1])
		}
	case cmdVersion:
		if arity(2) && (f[1].kind != fieldInt || f[1].i != ProtocolVersion) {
			b.abort(protocolErrorf("Version Incompatibility: %d %v", ProtocolVersion, f[1].value()))
		}
	case cmdDidNotUnderstand:
		if arity(2) {
			slog.Info(fmt.Sprintf("pb: Didn't understand command: %q", f[1].b))
		}
	default:
		// Twisted means to answer didNotUnderstand, but fails to encode it and aborts.
		b.abort(protocolErrorf("unknown command %q", cmd))
	}
}

// truthy is Python's truth test for the answerRequired field.
func (b *Broker) truthy(f field) bool {
	switch f.kind {
	case fieldInt:
		return f.i != 0
	case fieldBytes:
		return len(f.b) > 0
	}
	v, err := b.Unserialize(banana.Raw(f.b), nil)
	if err != nil {
		return true
	}
	switch x := v.(type) {
	case bool:
		return x
	case nil:
		return false
	case float64:
		return x != 0
	case *big.Int:
		return x.Sign() != 0
	}
	return true
}

// recvMessage handles message and cachemessage: Twisted's _recvMessage. The fields are
// requestID, objectID, message, answerRequired, args, kwargs.
func (b *Broker) recvMessage(cache bool, f *[7]field, args wireArgs) {
	requestID, objectID, message := f[1], f[2], f[3]
	if message.kind != fieldBytes || !utf8.Valid(message.b) {
		// Twisted decodes the name outside its error handler: the connection dies.
		b.abort(protocolErrorf("method name is not a UTF-8 byte string: %x", message.b))
		return
	}
	answer := b.truthy(f[4])
	result, value, perspective, err := b.invoke(cache, objectID, message.b, args)
	if err != nil {
		fl := failure.New(err)
		if !answer {
			if fl.Check(failure.Type[Error]()) == nil {
				b.logPeerTraceback(fl)
			}
			return
		}
		b.sendFailureOrError(fl, requestID)
		return
	}
	if !answer {
		return
	}
	if d, ok := result.(*deferred.Deferred); ok {
		requestID = requestID.keep()
		d.AddCallbacks(func(r any) (any, error) {
			if value {
				b.sendAnswerValue(requestID, r, perspective)
			} else {
				b.sendAnswer(requestID, r)
			}
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			b.sendFailureOrError(f, requestID)
			return nil, nil
		})
		return
	}
	if value {
		b.sendAnswerValue(requestID, result, perspective)
	} else {
		b.sendAnswer(requestID, result)
	}
}

// wireArgs are a call's jellied arguments and keyword arguments, one after the other in
// b. When the broker read the message straight from its input (direct), they are also
// already unjellied: args and kw, the arguments ending at argsLen.
type wireArgs struct {
	b        []byte
	parsed   bool
	args, kw any
	argsLen  int
	typed    typedCall // or decoded straight into the method's parameters (typed.m set)
}

// invoke finds the target and runs the call. The result is a Go value to jellify with
// perspective (value true: the standard dispatch), or an s-expression from a
// MessageReceiver (value false); either may be a Deferred that fires with it.
func (b *Broker) invoke(cache bool, objectID field, name []byte, argsKw wireArgs) (result any, value bool, perspective any, err error) {
	if tc := &argsKw.typed; tc.m != nil {
		r, err := tc.m.callIn(tc.in)
		return r, true, tc.perspective, err
	}
	t, err := b.target(cache, objectID)
	if err != nil {
		return nil, false, nil, err
	}
	if t.mr != nil {
		end := argsKw.argsLen
		if !argsKw.parsed {
			var ok bool
			if end, ok = skipExpr(argsKw.b, 0); !ok {
				return nil, false, nil, &ProtocolError{Message: "malformed arguments"}
			}
		}
		netArgs, netKw := field{kind: fieldRaw, b: argsKw.b[:end]}, field{kind: fieldRaw, b: argsKw.b[end:]}
		r, err := t.mr.RemoteMessageReceived(b, string(name), netArgs.value(), netKw.value())
		return r, false, nil, err
	}
	r, err := b.dispatchWire(t.obj, t.prefix, name, t.perspective, t.lead, argsKw)
	return r, true, t.perspective, err
}

// callTarget is what a message's object id leads to: a MessageReceiver, or the object
// whose prefix+Name method runs, with its perspective and the leading arguments (a
// ViewPoint's perspective).
type callTarget struct {
	mr          MessageReceiver
	obj         any
	prefix      Prefix
	perspective any
	lead        []any
}

// target finds what a message (cache: a cachemessage) is addressed to.
func (b *Broker) target(cache bool, objectID field) (callTarget, error) {
	var obj any
	if cache {
		e, ok := b.cachedIn[objectID.i]
		if objectID.kind != fieldInt || !ok {
			return callTarget{}, &KeyError{Key: fmt.Sprint(objectID.value())}
		}
		obj = e.object
	} else {
		switch objectID.kind {
		case fieldInt:
			if l := b.locals[objectID.i]; l != nil {
				obj = l.object
			}
		case fieldBytes:
			if l := b.named[string(objectID.b)]; l != nil {
				obj = l.object
			}
		}
		if obj == nil {
			return callTarget{}, NewError("Invalid Object ID")
		}
	}
	if mr, ok := obj.(MessageReceiver); ok {
		return callTarget{mr: mr}, nil
	}
	if vp, ok := obj.(*ViewPoint); ok {
		return callTarget{obj: vp.Object, prefix: ViewPrefix, perspective: vp.Perspective, lead: []any{vp.Perspective}}, nil
	}
	if cache {
		return callTarget{obj: obj, prefix: ObservePrefix}, nil
	}
	t := callTarget{obj: obj, prefix: RemotePrefix}
	if r, ok := obj.(referenceable); ok {
		t.perspective = r.pbReferenceable().perspective
	}
	return t, nil
}

// MessageReceiver is implemented by objects that handle PB messages themselves, Twisted's
// remoteMessageReceived: the broker hands over the method name and the arguments still
// jellied, and sends back what the method returns: an s-expression made with
// Broker.Serialize, or a Deferred that fires with one. Unserialize the arguments with the
// broker's Unserialize, during the call (they may alias the connection's read buffer).
// Objects without it get the standard dispatch (Dispatch).
type MessageReceiver interface {
	RemoteMessageReceived(b *Broker, message string, netArgs, netKw any) (any, error)
}

// Dispatch is the standard dispatch of a message: it unjellies the arguments with
// perspective as the unserializing perspective, calls obj's method prefix+Name(lead...,
// args...) (see MethodName), and serializes the result (or the value of a returned
// Deferred) with perspective as the serializing perspective. Objects implementing
// MessageReceiver use it to dispatch to their own prefix (cred's avatars use
// PerspectivePrefix).
func (b *Broker) Dispatch(obj any, prefix Prefix, message []byte, perspective any, lead []any, netArgs, netKw any) (any, error) {
	result, err := b.dispatchValue(obj, prefix, message, perspective, lead, netArgs, netKw)
	if err != nil {
		return nil, err
	}
	return b.Serialize(result, perspective)
}

// dispatchValue is Dispatch without the serializing: it returns the method's Go result.
func (b *Broker) dispatchValue(obj any, prefix Prefix, message []byte, perspective any, lead []any, netArgs, netKw any) (any, error) {
	m, err := findRemoteMethod(obj, prefix, message)
	if err != nil {
		return nil, err
	}
	a, err := b.Unserialize(netArgs, perspective)
	if err != nil {
		return nil, err
	}
	args, kw, err := b.unserializeArgs(a, netKw, perspective)
	if err != nil {
		return nil, err
	}
	return m.call(valueOf(obj), lead, args, kw)
}

// dispatchWire is dispatchValue for the arguments and keyword arguments still jellied,
// one after the other in argsKw: the unjellier reads the arguments and says where they
// end, which is where the keywords start.
func (b *Broker) dispatchWire(obj any, prefix Prefix, message []byte, perspective any, lead []any, argsKw wireArgs) (any, error) {
	m, err := findRemoteMethod(obj, prefix, message)
	if err != nil {
		return nil, err
	}
	var args []any
	var kw Kwargs
	if argsKw.parsed {
		if args, err = argsOf(argsKw.args); err == nil {
			kw, err = kwargsOf(argsKw.kw)
		}
	} else {
		saved := b.unserializingPerspective
		b.unserializingPerspective = perspective
		a, n, uerr := b.unjellier.UnjellyBanana(argsKw.b, b.dialect())
		b.unserializingPerspective = saved
		if uerr != nil {
			return nil, uerr
		}
		args, kw, err = b.unserializeArgs(a, banana.Raw(argsKw.b[n:]), perspective)
	}
	if err != nil {
		return nil, err
	}
	return m.call(valueOf(obj), lead, args, kw)
}

func findRemoteMethod(obj any, prefix Prefix, message []byte) (*method, error) {
	m := lookupMethod(typeOf(obj), prefix, message)
	if m == nil {
		if prefix == RemotePrefix {
			return nil, &NoSuchMethod{Message: "No such method: remote_" + string(message)}
		}
		return nil, &AttributeError{Message: fmt.Sprintf("'%s' object has no attribute '%s%s'",
			goTypeName(typeOf(obj)), pyPrefixes[prefix], message)}
	}
	return m, nil
}

// unserializeArgs takes a message's unjellied positional arguments and unjellies its
// keyword arguments.
func (b *Broker) unserializeArgs(a any, netKw any, perspective any) ([]any, Kwargs, error) {
	args, err := argsOf(a)
	if err != nil {
		return nil, nil, err
	}
	if r, ok := netKw.(banana.Raw); ok && bytes.Equal(r, emptyDictBytes) {
		return args, nil, nil // the usual empty keywords
	}
	if l, ok := netKw.([]any); ok && len(l) == 1 {
		if t, ok := l[0].([]byte); ok && string(t) == "dictionary" {
			return args, nil, nil
		}
	}
	k, err := b.Unserialize(netKw, perspective)
	if err != nil {
		return nil, nil, err
	}
	kw, err := kwargsOf(k)
	return args, kw, err
}

// argsOf checks a message's unjellied positional arguments: Python's f(*args).
func argsOf(a any) ([]any, error) {
	switch v := a.(type) {
	case jelly.Tuple:
		return v, nil
	case []any:
		return v, nil
	case nil:
		return nil, &ArgumentError{Method: "call", Message: "argument after * must be an iterable, not NoneType"}
	}
	return nil, &ArgumentError{Method: "call", Message: fmt.Sprintf("argument after * must be an iterable, not %T", a)}
}

// kwargsOf checks a message's unjellied keyword arguments: Python's f(**kw).
func kwargsOf(k any) (Kwargs, error) {
	d, ok := k.(*jelly.Dict)
	if !ok {
		return nil, &ArgumentError{Method: "call", Message: fmt.Sprintf("argument after ** must be a mapping, not %T", k)}
	}
	if d.Len() == 0 {
		return nil, nil
	}
	kw := make(Kwargs, d.Len())
	for _, it := range d.Items() {
		switch key := it.Key.(type) {
		case string:
			kw[key] = it.Value
		case []byte:
			kw[string(key)] = it.Value
		default:
			return nil, &ArgumentError{Method: "call", Message: "keywords must be strings"}
		}
	}
	return kw, nil
}

// protoAnswer handles ['answer', requestID, result].
func (b *Broker) protoAnswer(requestID, netResult field) {
	d := b.answered(requestID)
	if d == nil {
		return
	}
	v, err := b.Unserialize(netResult.value(), nil)
	if err != nil {
		// Twisted aborts and never fires this call's Deferred; Go tells the caller why.
		d.Errback(err)
		b.abort(fmt.Errorf("pb: cannot unjelly the answer to request %d: %w", requestID.i, err))
		return
	}
	d.Callback(v)
}

// answered takes the Deferred waiting for requestID, aborting the connection if none is.
func (b *Broker) answered(requestID field) *deferred.Deferred {
	d, ok := b.waiting[requestID.i]
	if requestID.kind != fieldInt || !ok {
		b.abort(protocolErrorf("answer for unknown request %v", requestID.value()))
		return nil
	}
	delete(b.waiting, requestID.i)
	return d
}

// protoError handles ['error', requestID, failure].
func (b *Broker) protoError(requestID, fail field) {
	d, ok := b.waiting[requestID.i]
	if requestID.kind != fieldInt || !ok {
		b.abort(protocolErrorf("error for unknown request %v", requestID.value()))
		return
	}
	id := requestID.i
	delete(b.waiting, id)
	v, err := b.Unserialize(fail.value(), nil)
	if err != nil {
		d.Errback(err)
		b.abort(fmt.Errorf("pb: cannot unjelly the error for request %d: %w", id, err))
		return
	}
	switch e := v.(type) {
	case error:
		d.Errback(e)
	case []byte:
		// Twisted tolerates a bare bytes payload (a Failure of type bytes).
		d.Errback(&CopiedFailure{Type: "builtins.bytes", Value: string(e)})
	default:
		d.Errback(&ProtocolError{Message: fmt.Sprintf("peer sent a non-exception error: %v", v)})
		b.abort(protocolErrorf("error payload for request %d is not an exception", id))
	}
}

// protoDecref handles ['decref', luid].
func (b *Broker) protoDecref(objectID field) {
	if objectID.kind != fieldInt {
		// A named object (root) is never refcounted: Twisted dies on this.
		b.abort(protocolErrorf("decref for %v", objectID.value()))
		return
	}
	id := objectID.i
	l := b.locals[id]
	if l == nil {
		b.abort(protocolErrorf("decref for unknown object %d", id))
		return
	}
	l.refcount--
	if l.refcount == 0 {
		delete(b.locals, id)
		delete(b.luids, l.puid)
		if f, ok := b.localCleanup[l.puid]; ok {
			delete(b.localCleanup, l.puid)
			b.protect("local cleanup", f)
		}
	}
}

// protoDecache handles ['decache', cacheID].
func (b *Broker) protoDecache(objectID field) {
	id := objectID.i
	lobj, ok := b.cachedOut[id]
	if objectID.kind != fieldInt || !ok {
		b.abort(protocolErrorf("decache for unknown cache %v", objectID.value()))
		return
	}
	lobj.refcount--
	if lobj.refcount > 0 {
		return
	}
	b.protect("StoppedObserving", func() { stoppedObserving(lobj) })
	delete(b.cacheIDs, lobj.object)
	delete(b.cachedOut, id)
	b.sendCall2(cmdUncache, id)
}

// protoUncache handles ['uncache', cacheID].
func (b *Broker) protoUncache(objectID field) {
	id := objectID.i
	e, ok := b.cachedIn[id]
	if objectID.kind != fieldInt || !ok {
		b.abort(protocolErrorf("uncache for unknown cache %v", objectID.value()))
		return
	}
	e.inner.broker = nil
	delete(b.cachedIn, id)
}

// --- object tables

// LocalObjectForID returns the object exported under id (an int luid or a name), or nil.
func (b *Broker) LocalObjectForID(id any) any {
	var l *local
	switch v := id.(type) {
	case int64:
		l = b.locals[v]
	case []byte:
		l = b.named[string(v)]
	case string:
		l = b.named[v]
	}
	if l == nil {
		return nil
	}
	return l.object
}

// SetNameForLocal exports obj under a name, as the root object is exported as "root".
// The peer reaches it with RemoteForName(name).
func (b *Broker) SetNameForLocal(name string, obj any) {
	if b.disconnected {
		return
	}
	b.named[name] = &local{object: obj, refcount: 1}
}

// RemoteForName returns a reference to the object the peer exported under name. It is
// not reference counted (Twisted never decrefs names) and is not checked: a call on an
// unknown name fails with "Invalid Object ID".
func (b *Broker) RemoteForName(name string) *RemoteReference {
	return &RemoteReference{broker: b, luid: name}
}

// numLocals is len(localObjects) in Twisted: exported objects plus named ones.
func (b *Broker) numLocals() int { return len(b.locals) + len(b.named) }

// registerReference exports obj (identified by puid) and returns its luid, reusing the
// luid of an object already exported and counting one more reference to it.
func (b *Broker) registerReference(puid any, obj any, perspective any) (int64, error) {
	if b.disconnected {
		return 0, &DeadReferenceError{ProtocolError{Message: "Calling Stale Broker"}}
	}
	if luid, ok := b.luids[puid]; ok {
		b.locals[luid].refcount++
		return luid, nil
	}
	if b.numLocals() > MaxBrokerRefs {
		return 0, b.refLimitError("Maximum PB reference count exceeded.")
	}
	b.currentLocalID++
	luid := b.currentLocalID
	b.locals[luid] = &local{object: obj, perspective: perspective, refcount: 1, puid: puid}
	b.luids[puid] = luid
	return luid, nil
}

func (b *Broker) refLimitError(msg string) error {
	b.refViolations++
	if b.refViolations > 3 {
		b.Transport.LoseConnection()
		return NewError(msg + "  Goodbye.")
	}
	return NewError(msg)
}

// LocalCount returns how many objects this side has exported by reference (named ones
// such as the root included): the length of Twisted's localObjects.
func (b *Broker) LocalCount() int { return b.numLocals() }

// CachedCount returns how many Cacheables this side has sent that the peer still holds.
func (b *Broker) CachedCount() int { return len(b.cachedOut) }

// RemoteCacheCount returns how many RemoteCaches this side holds for the peer.
func (b *Broker) RemoteCacheCount() int { return len(b.cachedIn) }

// PendingCalls returns how many calls wait for an answer.
func (b *Broker) PendingCalls() int { return len(b.waiting) }

// IsExported reports whether obj is currently exported to the peer by reference.
func (b *Broker) IsExported(obj any) bool {
	_, ok := b.luids[obj]
	return ok
}

// SetLocalCleanup registers f to run when the peer releases its last reference to obj
// (or never, if obj is not exported): Twisted's broker._localCleanup, which cred uses to
// log an avatar out.
func (b *Broker) SetLocalCleanup(obj any, f func()) {
	if b.localCleanup != nil {
		b.localCleanup[obj] = f
	}
}

// --- garbage-collected references

// queueDecref is called from a runtime cleanup goroutine when a RemoteReference was
// collected: it hands the luid to the reactor goroutine.
func (b *Broker) queueDecref(luid int64) {
	b.decrefMu.Lock()
	b.pendingDecref = append(b.pendingDecref, luid)
	post := !b.decrefPosted && b.rf != nil
	if post {
		b.decrefPosted = true
	}
	b.decrefMu.Unlock()
	if post {
		b.rf.CallFromThread(b.flushDecrefs)
	}
}

// flushDecrefs sends the decrefs of collected references (on the reactor goroutine).
func (b *Broker) flushDecrefs() {
	b.decrefMu.Lock()
	pending := b.pendingDecref
	b.pendingDecref = nil
	b.decrefPosted = false
	b.decrefMu.Unlock()
	if b.disconnected {
		return
	}
	for _, luid := range pending {
		b.sendCall2(cmdDecref, luid)
	}
}

// FlushDecrefs sends at once the decrefs of RemoteReferences the garbage collector has
// freed (normally they go out through the reactor shortly after). Tests call it after
// runtime.GC to make the release deterministic.
func (b *Broker) FlushDecrefs() { b.flushDecrefs() }
