package pb

import (
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/trial"
)

// Ports of twisted/spread/test/test_pb.py (pb-wire.md 6.3), on trial's in-memory IOPump.

// echoer is test_pb.py's Echoer.
type echoer struct{ Root }

func (*echoer) RemoteEcho(st any) any { return st }
func (*echoer) RemoteEchoWithKeywords(st any, kw Kwargs) jelly.Tuple {
	return jelly.Tuple{st, kwargsDict(kw)}
}

// connectedServerAndClient is test_pb.py's helper: two brokers on an IOPump. The server
// serves an echoer; tests export more with SetNameForLocal.
func connectedServerAndClient(tc *trial.T) (c, s *Broker, pump *trial.IOPump) {
	cf := NewPBClientFactory()
	sf := NewPBServerFactory(&echoer{})
	client, server, pump := trial.ConnectServerAndClient(tc, cf, sf)
	return client.(*Broker), server.(*Broker), pump
}

func rootRef(tc *trial.T, c *Broker) *RemoteReference {
	f := c.Factory.(*PBClientFactory)
	return tc.SuccessResultOf(f.GetRootObject()).(*RemoteReference)
}

type simpleRemote struct {
	Referenceable
	arg int
}

func (s *simpleRemote) RemoteThunk(arg int) int { s.arg = arg; return arg + 1 }
func (s *simpleRemote) RemoteKnuth(arg int) error {
	return errors.New("knuth")
}

type nestedRemote struct{ Referenceable }

func (*nestedRemote) RemoteGetSimple() *simpleRemote { return &simpleRemote{} }

type simpleCopy struct {
	Copyable
	X int            `jelly:"x"`
	Y map[string]any `jelly:"y"`
	Z []any          `jelly:"z"`
}

func (*simpleCopy) JellyClassName() string { return "twisted.spread.test.test_pb.SimpleCopy" }

type simpleLocalCopy struct {
	RemoteCopy
	X int
	Y map[string]string
	Z []string
}

type simpleFactoryCopy struct {
	Copyable
	ID int `jelly:"id"`
}

func (*simpleFactoryCopy) JellyClassName() string {
	return "twisted.spread.test.test_pb.SimpleFactoryCopy"
}

var factoryCopies = map[int]*simpleFactoryCopy{}

func newSimpleFactoryCopy(id int) *simpleFactoryCopy {
	c := &simpleFactoryCopy{ID: id}
	factoryCopies[id] = c
	return c
}

type nestedCopy struct{ Referenceable }

func (*nestedCopy) RemoteGetCopy() *simpleCopy {
	return &simpleCopy{X: 1, Y: map[string]any{"Hello": "World"}, Z: []any{"test"}}
}
func (*nestedCopy) RemoteGetFactory(v int) *simpleFactoryCopy { return newSimpleFactoryCopy(v) }

type newStyleCopy struct {
	Copyable
	RemoteCopy
	S string `jelly:"s"`
}

func (*newStyleCopy) JellyClassName() string { return "twisted.spread.test.test_pb.NewStyleCopy" }

// newStyleCopy2 counts how many values its constructor made: a received copy is
// allocated without it (Twisted's RemoteCopy skips __init__).
type newStyleCopy2 struct {
	Copyable
	RemoteCopy
	Value int `jelly:"value"`
}

var newStyleCopy2Initialized int

func newNewStyleCopy2() *newStyleCopy2 {
	newStyleCopy2Initialized++
	return &newStyleCopy2{Value: 2}
}

func (*newStyleCopy2) JellyClassName() string { return "twisted.spread.test.test_pb.NewStyleCopy2" }

func init() {
	SetUnjellyableForClass("twisted.spread.test.test_pb.SimpleCopy", &simpleLocalCopy{})
	SetUnjellyableForClass("twisted.spread.test.test_pb.NewStyleCopy", &newStyleCopy{})
	SetUnjellyableForClass("twisted.spread.test.test_pb.NewStyleCopy2", &newStyleCopy2{})
	SetUnjellyableFactoryForClass("twisted.spread.test.test_pb.SimpleFactoryCopy", func(state any) (any, error) {
		d, ok := state.(*jelly.Dict)
		if !ok {
			return nil, errors.New("factory copy state is not a dict")
		}
		id, ok := d.Get("id")
		if !ok {
			return nil, errors.New("factory copy state has no 'id' member")
		}
		inst, ok := factoryCopies[int(id.(int64))]
		if !ok {
			return nil, errors.New("factory class has no such ID")
		}
		return inst, nil
	})
	SetUnjellyableForClass("twisted.spread.test.test_pb.VeryVeryComplicatedCacheable", &ratherBaroqueCache{})
	SetUnjellyableForClass("twisted.spread.test.test_pb.SimpleCache", &simpleLocalCache{})
	SetUnjellyableForClass("twisted.spread.test.test_pb.NewStyleCacheCopy", &newStyleCacheReceiver{})
}

// Ports test_pb.py NewStyleTests.test_newStyle.
func TestNewStyle(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, _, pump := connectedServerAndClient(tc)
		orig := &newStyleCopy{S: "value"}
		d := rootRef(tc, c).CallRemote("echo", orig)
		pump.Flush()
		res := tc.SuccessResultOf(d).(*newStyleCopy)
		tc.Equal(res.S, "value")
		tc.True(res != orig, "no cheating")
	})
}

// Ports test_pb.py NewStyleTests.test_alloc: a received copy is allocated without the
// type's constructor and gets its state from the wire.
func TestAlloc(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		newStyleCopy2Initialized = 0
		c, _, pump := connectedServerAndClient(tc)
		orig := newNewStyleCopy2()
		tc.Equal(newStyleCopy2Initialized, 1)
		d := rootRef(tc, c).CallRemote("echo", orig)
		pump.Flush()
		res := tc.SuccessResultOf(d).(*newStyleCopy2)
		tc.Equal(res.Value, 2)
		tc.Equal(newStyleCopy2Initialized, 1)
		tc.True(res != orig, "no cheating")
	})
}

// Ports test_pb.py NewStyleTests.test_newStyleWithKeywords.
func TestNewStyleWithKeywords(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, _, pump := connectedServerAndClient(tc)
		orig := &newStyleCopy{S: "value1"}
		d := rootRef(tc, c).CallRemote("echoWithKeywords", orig, Kwargs{"keyword1": "one", "keyword2": "two"})
		pump.Flush()
		res := tc.SuccessResultOf(d).(jelly.Tuple)
		cp := res[0].(*newStyleCopy)
		tc.Equal(cp.S, "value1")
		tc.True(cp != orig, "no cheating")
		tc.Equal(pyDescribe(res[1]), "{'keyword1': 'one', 'keyword2': 'two'}")
	})
}

// newStyleCacheCopy is test_pb.py's NewStyleCacheCopy, sending side; Go cannot embed
// Cacheable and RemoteCache in one type (their JellyFor methods collide), so the
// receiving side is newStyleCacheReceiver.
type newStyleCacheCopy struct {
	Cacheable
	S string `jelly:"s"`
}

func (*newStyleCacheCopy) JellyClassName() string {
	return "twisted.spread.test.test_pb.NewStyleCacheCopy"
}

type newStyleCacheReceiver struct {
	RemoteCache
	S string `jelly:"s"`
}

type cachedReturner struct {
	Root
	cache any
}

func (r *cachedReturner) RemoteGiveMeCache(st any) any { return r.cache }

// Ports test_pb.py NewStyleCachedTests.test_newStyleCache, over real TCP.
func TestNewStyleCache(t *testing.T) {
	trial.Run(t, func(tc *trial.T) *deferred.Deferred {
		r := tc.Reactor()
		orig := &newStyleCacheCopy{S: "value"}
		sf := NewPBServerFactory(&cachedReturner{cache: orig})
		port, err := r.ListenTCP(0, sf, reactor.Interface("127.0.0.1"))
		tc.NoError(err)
		tc.AddCleanup(port.StopListening)
		cf := NewPBClientFactory()
		r.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port, cf)
		tc.AddCleanup(func() *deferred.Deferred { return disconnectAndWait(cf) })
		return deferred.Inline(func(c *deferred.Co) (any, error) {
			ref, err := deferred.Await[*RemoteReference](c, cf.GetRootObject())
			if err != nil {
				return nil, err
			}
			res, err := deferred.Await[*newStyleCacheReceiver](c, ref.CallRemote("giveMeCache", orig))
			if err != nil {
				return nil, err
			}
			tc.Equal(res.S, "value")
			// And again: the second time only ['cached', id] travels.
			again, err := deferred.Await[*newStyleCacheReceiver](c, ref.CallRemote("giveMeCache", orig))
			tc.Identical(again, res)
			tc.Equal(again.S, "value")
			return nil, err
		})
	})
}

// Ports test_pb.py BrokerTests.test_reference.
func TestReference(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("y", &throwY{})
		y := c.RemoteForName("y")
		x, z := &catchX{}, &catchX{}
		y.CallRemote("throw", x, z)
		pump.Pump()
		pump.Pump()
		pump.Pump()
		tc.Identical(x.caught, any(z), "X should have caught Z")
		tc.True(y.RemoteMethod("throw") == y.RemoteMethod("throw"), "remote methods compare equal")
	})
}

type catchX struct {
	Referenceable
	caught any
}

func (x *catchX) RemoteCatch(arg any) { x.caught = arg }

type throwY struct{ Referenceable }

func (*throwY) RemoteThrow(a *RemoteReference, b any) { a.CallRemote("catch", b) }

// Ports test_pb.py BrokerTests.test_result, in both directions.
func TestResult(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		for _, pair := range [][2]*Broker{{c, s}, {s, c}} {
			x, y := pair[0], pair[1]
			foo := &simpleRemote{}
			x.SetNameForLocal("foo", foo)
			bar := y.RemoteForName("foo")
			var result any
			bar.CallRemote("thunk", 7).AddCallback(func(v any) (any, error) { result = v; return nil, nil })
			pump.Pump() // question
			pump.Pump() // answer
			tc.Equal(result, int64(8), "result wasn't received")
		}
	})
}

// Ports test_pb.py BrokerTests.test_tooManyRefs.
func TestTooManyRefs(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		pump.ByteAtATime = false
		s.SetNameForLocal("foo", &nestedRemote{})
		x := c.RemoteForName("foo")
		var got, errs int
		st := s.Transport.(*trial.FakeTransport)
		for i := 0; i < MaxBrokerRefs+10; i++ {
			if st.Disconnecting() {
				break
			}
			x.CallRemote("getSimple").AddCallbacks(func(any) (any, error) {
				got++
				return nil, nil
			}, func(f *failure.Failure) (any, error) {
				errs++
				return nil, nil
			})
			pump.Pump()
		}
		tc.True(st.Disconnecting(), "transport was not closed")
		tc.Equal(got, MaxBrokerRefs-1)
		pump.Flush()
		tc.Equal(errs, 4, "three refusals, then Goodbye")
		tc.FlushLoggedErrors() // the refusals are pb.Errors; nothing else is logged
	})
}

// Ports test_pb.py BrokerTests.test_copy.
func TestCopy(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("foo", &nestedCopy{})
		d := c.RemoteForName("foo").CallRemote("getCopy")
		pump.Pump()
		pump.Pump()
		res := tc.SuccessResultOf(d).(*simpleLocalCopy)
		tc.Equal(res.X, 1)
		tc.Equal(res.Y["Hello"], "World")
		tc.Equal(res.Z[0], "test")
	})
}

type observable struct {
	Referenceable
	observers []*RemoteReference
}

func (o *observable) RemoteObserve(obs *RemoteReference) { o.observers = append(o.observers, obs) }

// RemoteUnobserve receives the observer as a new RemoteReference to the same remote
// object: references compare with Equal, as Twisted's compare broker and id.
func (o *observable) RemoteUnobserve(obs *RemoteReference) {
	for i, x := range o.observers {
		if x.Equal(obs) {
			o.observers = append(o.observers[:i], o.observers[i+1:]...)
			return
		}
	}
}
func (o *observable) notify(obj any) {
	for _, obs := range o.observers {
		obs.CallRemote("notify", o, obj)
	}
}

type observer struct {
	Referenceable
	notified int
	obj      any
}

func (o *observer) RemoteNotify(other *RemoteReference, obj any) {
	o.obj = obj
	o.notified++
	other.CallRemote("unobserve", o)
}

// Ports test_pb.py BrokerTests.test_observe: the observer passed back through the
// server is the server's own RemoteReference (identity through 'local'), so it can be
// removed, and the second notification is not delivered.
func TestObserve(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		a, b := &observable{}, &observer{}
		s.SetNameForLocal("a", a)
		ra := c.RemoteForName("a")
		ra.CallRemote("observe", b)
		pump.Pump()
		a.notify(1)
		pump.Pump()
		pump.Pump()
		a.notify(10)
		pump.Pump()
		pump.Pump()
		tc.Equal(b.obj, int64(1), "notified too much")
		tc.Equal(b.notified, 1)
		pump.Flush()
	})
}

type deferredRemote struct {
	Referenceable
	run int
	d   *deferred.Deferred
}

func (r *deferredRemote) RemoteDoItLater() *deferred.Deferred {
	r.d = deferred.New(nil)
	r.d.AddCallback(func(v any) (any, error) { r.run = v.(int); return r.run + 1, nil })
	return r.d
}

// Ports test_pb.py BrokerTests.test_defer.
func TestDefer(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		d := &deferredRemote{}
		s.SetNameForLocal("d", d)
		e := c.RemoteForName("d")
		var results []any
		e.CallRemote("doItLater").AddCallback(func(v any) (any, error) { results = append(results, v); return nil, nil })
		pump.Pump()
		pump.Pump()
		tc.Equal(d.run, 0, "Deferred method run too early")
		d.d.Callback(5)
		tc.Equal(d.run, 5, "Deferred method run too late")
		pump.Pump()
		pump.Pump()
		tc.Equal(results, []any{int64(6)})
	})
}

// Ports test_pb.py BrokerTests.test_refcount: once the client drops its reference and
// the collector frees it, the server's table no longer holds the object.
func TestRefcount(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("foo", &nestedRemote{})
		bar := c.RemoteForName("foo")
		d := bar.CallRemote("getSimple")
		pump.Pump()
		pump.Pump()
		luid := tc.SuccessResultOf(d).(*RemoteReference).luid.(int64)
		tc.True(s.locals[luid] != nil, "exported")
		// The test's own variables were the only references: the result was consumed.
		for i := 0; i < 200 && s.locals[luid] != nil; i++ {
			runtime.GC()
			time.Sleep(time.Millisecond)
			c.FlushDecrefs()
			pump.Pump()
		}
		tc.True(s.locals[luid] == nil, "the server still holds the object after the client's reference was collected")
	})
}

// The explicit form of TestRefcount: Release sends the decref at once.
func TestRefcountRelease(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("foo", &nestedRemote{})
		d := c.RemoteForName("foo").CallRemote("getSimple")
		pump.Flush()
		ref := tc.SuccessResultOf(d).(*RemoteReference)
		tc.Equal(s.LocalCount(), 3) // root, foo, the simpleRemote
		ref.Release()
		ref.Release() // idempotent
		pump.Flush()
		tc.Equal(s.LocalCount(), 2)
		f := tc.FailureResultOf(ref.CallRemote("thunk", 1))
		tc.NoError(f.Trap(failure.Type[*DeadReferenceError]()))
	})
}

// test_pb.py's caches.

type simpleCache struct {
	Cacheable
	X int `jelly:"x"`
}

func (*simpleCache) JellyClassName() string { return "twisted.spread.test.test_pb.SimpleCache" }

type simpleLocalCache struct {
	RemoteCache
	X int
}

func (c *simpleLocalCache) checkSelf() *simpleLocalCache { return c }

type nestedCache struct {
	Referenceable
	x *simpleCache
}

func (n *nestedCache) RemoteGetCache() []any         { return []any{n.x, n.x} }
func (n *nestedCache) RemotePutCache(cache any) bool { return cache == any(n.x) }

type veryVeryComplicatedCacheable struct {
	Cacheable
	x, y, foo int
	observer  *RemoteCacheObserver
	stopped   []any
}

func (*veryVeryComplicatedCacheable) JellyClassName() string {
	return "twisted.spread.test.test_pb.VeryVeryComplicatedCacheable"
}

func (v *veryVeryComplicatedCacheable) setFoo4() {
	v.foo = 4
	v.observer.CallRemote("foo", 4)
}

func (v *veryVeryComplicatedCacheable) GetStateToCacheAndObserveFor(p any, o *RemoteCacheObserver) (any, error) {
	v.observer = o
	return jelly.DictOf("x", v.x, "y", v.y, "foo", v.foo), nil
}

func (v *veryVeryComplicatedCacheable) StoppedObserving(p any, o *RemoteCacheObserver) {
	o.CallRemote("end")
	if o == v.observer {
		v.observer = nil
	}
}

type ratherBaroqueCache struct {
	RemoteCache
	X, Y, Foo int
	ended     bool
}

func (r *ratherBaroqueCache) ObserveFoo(newFoo int) { r.Foo = newFoo }
func (r *ratherBaroqueCache) ObserveEnd()           { r.ended = true }

type nestedComplicatedCache struct {
	Referenceable
	c *veryVeryComplicatedCacheable
}

func (n *nestedComplicatedCache) RemoteGetCache() any { return n.c }

// Ports test_pb.py BrokerTests.test_cache.
func TestCache(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		obj := &nestedCache{x: &simpleCache{X: 1}}
		vcc := &veryVeryComplicatedCacheable{x: 1, y: 2, foo: 3}
		obj2 := &nestedComplicatedCache{c: vcc}
		s.SetNameForLocal("obj", obj)
		s.SetNameForLocal("xxx", obj2)
		o2 := c.RemoteForName("obj")
		o3 := c.RemoteForName("xxx")
		coll := []*deferred.Deferred{o2.CallRemote("getCache"), o2.CallRemote("getCache")}
		complex := []*deferred.Deferred{o3.CallRemote("getCache"), o3.CallRemote("getCache")}
		pump.Flush()
		cx := tc.SuccessResultOf(complex[0]).(*ratherBaroqueCache)
		tc.Identical(tc.SuccessResultOf(complex[1]), any(cx))
		tc.Equal([]int{cx.X, cx.Y, cx.Foo}, []int{1, 2, 3})
		vcc.setFoo4()
		pump.Flush()
		tc.Equal(cx.Foo, 4)
		first := tc.SuccessResultOf(coll[0]).([]any)
		second := tc.SuccessResultOf(coll[1]).([]any)
		cp := first[0].(*simpleLocalCache)
		tc.Identical(first[1], any(cp), "[x, x] arrives as one object")
		tc.Identical(second[0], any(cp))
		tc.Identical(cp.checkSelf(), cp, "potential refcounting issue")
		put := o2.CallRemote("putCache", cp)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(put), true, "lcache gives the server its own object")
		tc.True(o2.RemoteMethod("getCache") == o2.RemoteMethod("getCache"), "remote methods compare equal")
		luid, baroqueLuid := cp.CacheID(), cx.CacheID()
		tc.True(s.cachedOut[luid] != nil, "remote cache doesn't have it")
		cp.Release()
		cx.Release()
		pump.Flush()
		tc.True(s.cachedOut[luid] == nil, "Server still had it after release")
		tc.True(c.cachedIn[luid] == nil, "Client still had it after release")
		tc.True(s.cachedOut[baroqueLuid] == nil, "Server still had complex after release")
		tc.True(c.cachedIn[baroqueLuid] == nil, "Client still had complex after release")
		tc.True(vcc.observer == nil, "observer was not removed")
		tc.True(cx.ended, "the observer's last call (from StoppedObserving) arrived")
	})
}

// Ports test_pb.py BrokerTests.test_factoryCopy.
func TestFactoryCopy(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("foo", &nestedCopy{})
		d := c.RemoteForName("foo").CallRemote("getFactory", 99)
		pump.Pump()
		pump.Pump()
		pump.Pump()
		res := tc.SuccessResultOf(d).(*simpleFactoryCopy)
		tc.Equal(res.ID, 99)
		tc.Identical(res, factoryCopies[99], "the factory returned the registered instance")
	})
}

type badCopyable struct{ Copyable }

func (*badCopyable) JellyClassName() string { return "twisted.spread.test.test_pb.BadCopyable" }

var errFreakOut = errors.New("freak out")

func (*badCopyable) GetStateToCopy() (any, error) { return nil, errFreakOut }

type badCopySet struct{ Referenceable }

func (*badCopySet) RemoteSetBadCopy(bc any) {}

// Ports test_pb.py DisconnectionTests.test_badSerialization: the call fails locally
// and nothing is sent.
func TestBadSerialization(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("o", &badCopySet{})
		g := c.RemoteForName("o")
		pump.Flush()
		d := g.CallRemote("setBadCopy", &badCopyable{})
		tc.False(pump.Pump(), "something was sent")
		f := tc.FailureResultOf(d)
		tc.True(errors.Is(f, errFreakOut), "got %v", f)
	})
}

// Ports test_pb.py DisconnectionTests.test_disconnection.
func TestDisconnection(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		s.SetNameForLocal("o", &simpleRemote{})
		r := c.RemoteForName("o")
		pump.Pump()
		errorCB := func() { tc.Fail("I shouldn't have been called") }
		n := c.NotifyOnDisconnect(errorCB)
		tc.True(containsNotifier(c.disconnects, n))
		c.DontNotifyOnDisconnect(n)
		tc.False(containsNotifier(c.disconnects, n))
		rn := r.NotifyOnDisconnect(func(*RemoteReference) { tc.Fail("I shouldn't have been called") })
		tc.True(r.isDisconnectNotifierRegistered())
		r.DontNotifyOnDisconnect(rn)
		tc.False(r.isDisconnectNotifierRegistered())
		tc.Equal(len(r.callbacks), 0)
		gotCallback, objectCallback := false, false
		c.NotifyOnDisconnect(func() { gotCallback = true })
		r.NotifyOnDisconnect(func(o *RemoteReference) {
			tc.Identical(o, r)
			objectCallback = true
		})
		c.ConnectionLost(failure.New(&reactor.ConnectionDone{}))
		tc.True(gotCallback)
		tc.True(objectCallback)
	})
}

// Ports test_pb.py NewCredTests.test_getRootObject: GetRootObject gives a
// RemoteReference, and disconnecting runs its disconnect callbacks.
func TestGetRootObject(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := NewPBClientFactory()
		client, _, pump := trial.ConnectServerAndClient(tc, cf, NewPBServerFactory(&echoer{}))
		root := tc.SuccessResultOf(cf.GetRootObject()).(*RemoteReference)
		disconnected := false
		root.NotifyOnDisconnect(func(*RemoteReference) { disconnected = true })
		cf.Disconnect()
		tc.True(client.(*Broker).Transport.(*trial.FakeTransport).Disconnecting())
		pump.Flush()
		tc.True(disconnected)
	})
}

// Ports test_pb.py NewCredTests.test_deadReferenceError: after the connection is lost,
// a call fails at once with DeadReferenceError (Twisted raises it).
func TestDeadReferenceError(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := NewPBClientFactory()
		_, _, pump := trial.ConnectServerAndClient(tc, cf, NewPBServerFactory(&echoer{}))
		root := tc.SuccessResultOf(cf.GetRootObject()).(*RemoteReference)
		cf.Disconnect()
		pump.Flush()
		f := tc.FailureResultOf(root.CallRemote("method"))
		tc.NoError(f.Trap(failure.Type[*DeadReferenceError]()))
		tc.Equal(f.ErrorMessage(), "Calling Stale Broker")
	})
}

// reconnectOnce is test_clientConnectionLost's factory: the first connection lost is
// reported as "reconnecting".
type reconnectOnce struct {
	*PBClientFactory
	reconnectedAlready bool
}

func (f *reconnectOnce) ClientConnectionLost(c reactor.Connector, reason *failure.Failure) {
	reconnecting := !f.reconnectedAlready
	f.reconnectedAlready = true
	f.PBClientFactory.ClientConnectionLostReconnecting(c, reason, reconnecting)
}

// Ports test_pb.py NewCredTests.test_clientConnectionLost: with reconnecting, a root
// requested while disconnected is delivered by the next connection.
func TestClientConnectionLost(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		f := &reconnectOnce{PBClientFactory: NewPBClientFactory()}
		sf := NewPBServerFactory(&echoer{})
		connect := func() *trial.IOPump {
			client := f.BuildProtocol(nil)
			server := sf.BuildProtocol(nil)
			return trial.Connect(server, client, true)
		}
		pump := connect()
		root := tc.SuccessResultOf(f.GetRootObject()).(*RemoteReference)
		lost := false
		root.NotifyOnDisconnect(func(*RemoteReference) { lost = true })
		f.Disconnect()
		pump.Flush()
		tc.True(lost)
		f.ClientConnectionLost(nil, failure.New(&reactor.ConnectionDone{}))
		d := f.GetRootObject()
		tc.AssertNoResult(d)
		pump = connect()
		another := tc.SuccessResultOf(d).(*RemoteReference)
		tc.True(another != root, "a new root for the new connection")
		f.Disconnect()
		pump.Flush()
		f.ClientConnectionLost(nil, failure.New(&reactor.ConnectionDone{}))
		// Not reconnecting any more: a new request waits, and fails when the next
		// connection attempt fails.
		d = f.GetRootObject()
		f.ClientConnectionFailed(nil, failure.New(&reactor.ConnectionRefusedError{}))
		tc.NoError(tc.FailureResultOf(d).Trap(failure.Type[*reactor.ConnectionRefusedError]()))
	})
}

// Ports test_pb.py NewCredTests.test_immediateClose: a server broker whose connection
// closes before any byte arrives logs nothing.
func TestImmediateClose(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		sf := NewPBServerFactory(&echoer{})
		b := sf.BuildProtocol(nil).(*Broker)
		reactor.MakeConnection(b, trial.NewFakeTransport(b, true))
		b.ConnectionLost(failure.New(&reactor.ConnectionDone{}))
	})
}

// Ports the intent of test_pb.py NewCredTests.test_loginConnectionRefused for the root:
// GetRootObject fails with the reason when the connection attempt fails.
func TestGetRootObjectConnectionRefused(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		f := NewPBClientFactory()
		d := f.GetRootObject()
		f.ClientConnectionFailed(nil, failure.New(&reactor.ConnectionRefusedError{}))
		tc.NoError(tc.FailureResultOf(d).Trap(failure.Type[*reactor.ConnectionRefusedError]()))
	})
}

// Ports test_pb.py PBWithSecurityOptionsTests: factories give their security options
// to every broker they build, GlobalSecurity by default.
func TestPBWithSecurityOptions(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf, sf := NewPBClientFactory(), NewPBServerFactory(&echoer{})
		tc.Identical(cf.BuildProtocol(nil).(*Broker).security(), jelly.GlobalSecurity)
		tc.Identical(sf.BuildProtocol(nil).(*Broker).security(), jelly.GlobalSecurity)
		custom := jelly.NewSecurityOptions()
		cf.Security, sf.Security = custom, custom
		tc.Identical(cf.BuildProtocol(nil).(*Broker).security(), custom)
		tc.Identical(sf.BuildProtocol(nil).(*Broker).security(), custom)
	})
}

// nestedSender sends a message of its own while it is being jellied.
type nestedSender struct {
	Copyable
	root  *RemoteReference
	inner *deferred.Deferred
}

func (*nestedSender) JellyClassName() string { return "twisted.spread.test.test_pb.NestedSender" }

type nestedReceived struct{ RemoteCopy }

func init() { SetUnjellyableForClass("twisted.spread.test.test_pb.NestedSender", &nestedReceived{}) }

func (n *nestedSender) GetStateToCopy() (any, error) {
	n.inner = n.root.CallRemote("echo", "inner")
	return jelly.NewDict(0), nil
}

// A call made while the arguments of another are being jellied takes the next request
// id first (Twisted takes the id only after serializing), and both get their answers.
func TestMessageSentWhileJellying(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, _, pump := connectedServerAndClient(tc)
		pump.ByteAtATime = false
		root := rootRef(tc, c)
		n := &nestedSender{root: root}
		outer := root.CallRemote("echo", []any{"outer", n})
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(n.inner), "inner")
		res := tc.SuccessResultOf(outer).([]any)
		tc.Equal(res[0], "outer")
		tc.Equal(c.currentRequestID, int64(2))
	})
}
