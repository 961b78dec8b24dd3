package pb

import (
	"fmt"
	"reflect"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Cacheable is Twisted's pb.Cacheable: embedded in a struct, it makes the value travel as
// a cache. The first time it is sent on a connection the peer receives its state and
// builds a RemoteCache; every later time only its cache id travels and the peer finds the
// same RemoteCache. The owner keeps the peer's copy current through the observer it is
// given when the state is taken:
//
//	func (c *Counter) GetStateToCacheAndObserveFor(p any, o *pb.RemoteCacheObserver) (any, error) {
//		c.observers = append(c.observers, o)
//		return map[string]any{"value": c.value}, nil
//	}
//	func (c *Counter) StoppedObserving(p any, o *pb.RemoteCacheObserver) { ...remove o... }
//	...
//	o.CallRemote("setValue", c.value) // runs the peer's ObserveSetValue
//
// Without GetStateToCacheAndObserveFor the state is what a Copyable would send. The
// wire class name comes from a JellyClassName method (else the Go type name).
type Cacheable struct {
	_ byte // gives every Cacheable a distinct address
}

func (c *Cacheable) pbCacheable() *Cacheable { return c }

type cacheable interface{ pbCacheable() *Cacheable }

// CacheObserverStater is the optional hook that gives a Cacheable's state for one peer
// and the observer that reaches that peer's copy (Twisted's
// getStateToCacheAndObserveFor).
type CacheObserverStater interface {
	GetStateToCacheAndObserveFor(perspective any, observer *RemoteCacheObserver) (any, error)
}

// StoppedObserver is the optional hook told that a peer dropped its copy, or that the
// connection was lost (Twisted's stoppedObserving). The observer is the one the state
// was taken with.
type StoppedObserver interface {
	StoppedObserving(perspective any, observer *RemoteCacheObserver)
}

// TypeToCopier is the optional hook that chooses the wire class name per perspective
// (Twisted's getTypeToCopyFor).
type TypeToCopier interface {
	GetTypeToCopyFor(perspective any) string
}

// JellyFor sends the value that embeds c: [class, cacheID, state] the first time on a
// connection, ['cached', cacheID] after that.
func (c *Cacheable) JellyFor(j *jelly.Jellier) (any, error) {
	b, outer, err := flavorContext(j, c, "Cacheable")
	if err != nil {
		return nil, err
	}
	if cid, ok := b.cacheIDs[outer]; ok {
		b.cachedOut[cid].refcount++
		return []any{tagCached, cid}, nil
	}
	// Twisted takes the id before the limit check, so a refused cache still uses one.
	b.currentLocalID++
	cid := b.currentLocalID
	if len(b.cachedOut) > MaxBrokerRefs {
		return nil, b.refLimitError("Maximum PB cache count exceeded.")
	}
	p := b.serializingPerspective
	observer := &RemoteCacheObserver{broker: b, cached: outer, perspective: p}
	b.cachedOut[cid] = &cachedLocal{object: outer, perspective: p, refcount: 1, observer: observer}
	b.cacheIDs[outer] = cid
	typ := classNameFor(outer, p)
	var state any
	switch s := outer.(type) {
	case CacheObserverStater:
		state, err = s.GetStateToCacheAndObserveFor(p, observer)
	case jelly.CopyableStateGetter:
		state, err = s.GetStateToCopy()
	default:
		state, err = jelly.StructState(outer)
	}
	if err != nil {
		delete(b.cachedOut, cid)
		delete(b.cacheIDs, outer)
		return nil, err
	}
	j.Prepare(outer)
	js, err := j.Jelly(state)
	if err != nil {
		delete(b.cachedOut, cid)
		delete(b.cacheIDs, outer)
		return nil, err
	}
	return j.Preserve(outer, []any{[]byte(typ), cid, js}), nil
}

func classNameFor(v any, perspective any) string {
	if t, ok := v.(TypeToCopier); ok {
		return t.GetTypeToCopyFor(perspective)
	}
	if n, ok := v.(jelly.ClassNamer); ok {
		return n.JellyClassName()
	}
	return goTypeName(reflect.TypeOf(v))
}

func stoppedObserving(l *cachedLocal) {
	if s, ok := l.object.(StoppedObserver); ok {
		s.StoppedObserving(l.perspective, l.observer)
	}
}

// RemoteCacheObserver is Twisted's RemoteCacheObserver: the owner's handle on one peer's
// copy of a Cacheable. CallRemote runs the copy's Observe<Name> method.
type RemoteCacheObserver struct {
	broker      *Broker
	cached      any
	perspective any
}

// CallRemote calls Observe<Name> on the peer's RemoteCache (a cachemessage). It fails if
// the peer no longer holds the cache or the connection is gone.
func (o *RemoteCacheObserver) CallRemote(name string, args ...any) *deferred.Deferred {
	cid, ok := o.broker.cacheIDs[o.cached]
	if !ok || o.broker.disconnected {
		return deferred.Fail(&ProtocolError{Message: "You can't call a cached method when the object hasn't been given to the peer yet."})
	}
	args, kw := splitKwargs(args)
	d, err := o.broker.sendMessage(true, o.perspective, cid, name, args, kw, true)
	if err != nil {
		return deferred.Fail(err)
	}
	return d
}

// Perspective returns the perspective the cache was sent for.
func (o *RemoteCacheObserver) Perspective() any { return o.perspective }

// Broker returns the broker of the peer observing.
func (o *RemoteCacheObserver) Broker() *Broker { return o.broker }

// RemoteCache is Twisted's pb.RemoteCache: embedded in a struct registered with
// SetUnjellyableForClass under a Cacheable's class name, it receives that Cacheable's
// state and the owner's updates, which call its Observe<Name> methods.
//
// Every occurrence of the cache the peer sends (its first state, then ['cached', id])
// gives this same value, and is counted. Go has no reference counting, so the holder says
// when it is done: Release sends the owner one decache per occurrence, and the owner then
// stops observing and forgets the cache. A copy is also released when the connection
// is lost or the owner uncaches it.
type RemoteCache struct {
	broker *Broker
	luid   int64
	refs   int
}

func (r *RemoteCache) pbRemoteCache() *RemoteCache { return r }

type remoteCache interface{ pbRemoteCache() *RemoteCache }

// JellyFor sends a RemoteCache back to its owner: ['lcache', cacheID], which the owner
// receives as its own Cacheable.
func (r *RemoteCache) JellyFor(j *jelly.Jellier) (any, error) {
	b, _ := j.Invoker.(*Broker)
	if b == nil || r.broker != b {
		return nil, fmt.Errorf("pb: you cannot exchange cached proxies between brokers")
	}
	return []any{tagLCache, r.luid}, nil
}

// CacheID returns the owner's id for this cache (Twisted's luid attribute).
func (r *RemoteCache) CacheID() int64 { return r.luid }

// Release tells the owner that this side holds the cache no more: one decache per
// occurrence received. Later updates from the owner are refused. It is safe to call
// twice, and does nothing after the connection is gone.
func (r *RemoteCache) Release() {
	b := r.broker
	if b == nil || b.disconnected {
		return
	}
	r.broker = nil
	n := r.refs
	r.refs = 0
	for i := 0; i < n; i++ {
		b.sendCall2(cmdDecache, r.luid)
	}
}

// unjellyRemoteCache builds a RemoteCache from [class, cacheID, state].
func unjellyRemoteCache(u *jelly.Unjellier, sexp []any, t reflect.Type) (any, error) {
	b, ok := u.Invoker.(*Broker)
	if !ok || b == nil {
		return nil, errNoBroker
	}
	if len(sexp) != 3 {
		return nil, &jelly.Error{Kind: jelly.ErrMalformed, Msg: fmt.Sprintf("cache node %s needs an id and a state", sexp[0])}
	}
	id, ok := sexp[1].(int64)
	if !ok {
		return nil, &jelly.Error{Kind: jelly.ErrMalformed, Msg: fmt.Sprintf("cache id %v is not an int", sexp[1])}
	}
	pv := reflect.New(t)
	outer := pv.Interface()
	inner := outer.(remoteCache).pbRemoteCache()
	inner.broker, inner.luid, inner.refs = b, id, 1
	if old, ok := b.cachedIn[id]; ok {
		// The owner sent a full state again for a live id: keep counting its references.
		inner.refs += old.inner.refs
		old.inner.broker = nil
	}
	b.cachedIn[id] = &cacheEntry{object: outer, inner: inner}
	st, err := u.Unjelly(sexp[2])
	if err == nil {
		if s, ok := outer.(jelly.CopyableStateSetter); ok {
			err = s.SetCopyableState(st)
		} else {
			err = jelly.Convert(outer, st)
		}
	}
	if err != nil {
		delete(b.cachedIn, id)
		return nil, err
	}
	return outer, nil
}
