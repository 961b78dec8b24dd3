package pb

import (
	"errors"
	"fmt"
	"reflect"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/spread/banana"
	"github.com/gotwisted/twisted/spread/jelly"
)

// The flavors of remotely accessible objects (Twisted's twisted.spread.flavors). A Go type
// takes a flavor by embedding it, the way a Python class inherits from it:
//
//	type Echoer struct{ pb.Root }                                  // served as the root
//	func (e *Echoer) RemoteEcho(s string) string { return s }     // callRemote("echo", s)
//
// Values of Referenceable, Root, Viewable and Cacheable types must be pointers: they are
// identified by address, as Python identifies objects by id().

// Referenceable is Twisted's pb.Referenceable: embedded in a struct, it makes pointers to
// that struct travel by reference. The peer receives a RemoteReference, and its
// CallRemote("name", args...) runs the method Remote<Name> (see MethodName) here, its
// arguments converted to the method's parameter types. A remote method may return
// nothing, a value, an error, (value, error), or a *deferred.Deferred for a result that
// comes later.
type Referenceable struct {
	// perspective is the serializing perspective of this object's results (Twisted's
	// Referenceable.perspective, normally None). Its presence also gives every
	// Referenceable a distinct address.
	perspective any
}

func (r *Referenceable) pbReferenceable() *Referenceable { return r }

type referenceable interface{ pbReferenceable() *Referenceable }

// JellyFor sends the value that embeds r as ['remote', luid], exporting it to the broker
// it is sent to.
func (r *Referenceable) JellyFor(j *jelly.Jellier) (any, error) {
	b, outer, err := flavorContext(j, r, "Referenceable")
	if err != nil {
		return nil, err
	}
	luid, err := b.registerReference(outer, outer, nil)
	if err != nil {
		return nil, err
	}
	return []any{tagRemote, luid}, nil
}

// IPBRoot is Twisted's IPBRoot: a server's root object source. PBServerFactory calls
// RootObject for every connection and exports the result as "root". A root value that
// does not implement it (a plain Root) is itself the root of every connection.
type IPBRoot interface {
	RootObject(b *Broker) any
}

// Root is Twisted's pb.Root: a Referenceable that a PBServerFactory serves as the root
// object, the one a client's GetRootObject reaches. Give the embedding type a RootObject
// method to serve a different object to each connection.
type Root struct {
	Referenceable
}

// ViewPoint is Twisted's flavors.ViewPoint: a Viewable seen through a perspective. The
// peer's calls run the Viewable's View<Name> methods with the perspective as first
// argument, so the object knows who is calling.
type ViewPoint struct {
	Perspective any
	Object      any
}

// Viewable is Twisted's pb.Viewable: embedded in a struct, it makes the value travel as a
// ViewPoint bound to the serializing perspective (the avatar of a cred login, when an
// avatar's method returns it). The same Viewable sent to the same perspective keeps one
// reference id; another perspective gets another.
type Viewable struct {
	_ byte // gives every Viewable a distinct address
}

func (v *Viewable) pbViewable() *Viewable { return v }

type viewable interface{ pbViewable() *Viewable }

type viewKey struct{ perspective, object any }

// JellyFor sends the value that embeds v as a ViewPoint: ['remote', luid].
func (v *Viewable) JellyFor(j *jelly.Jellier) (any, error) {
	b, outer, err := flavorContext(j, v, "Viewable")
	if err != nil {
		return nil, err
	}
	p := b.serializingPerspective
	var key any = viewKey{p, outer}
	if p != nil && !reflect.TypeOf(p).Comparable() {
		key = &ViewPoint{Perspective: p, Object: outer} // cannot be shared: a fresh id
	}
	vp := &ViewPoint{Perspective: p, Object: outer}
	if luid, ok := b.luids[key]; ok {
		vp = b.locals[luid].object.(*ViewPoint)
	}
	luid, err := b.registerReference(key, vp, p)
	if err != nil {
		return nil, err
	}
	return []any{tagRemote, luid}, nil
}

// Copyable is Twisted's pb.Copyable: embedded in a struct, it documents that the value
// travels by copy. What makes it travel is a wire class name (a JellyClassName method, as
// jelly.ClassNamer, or a registration with SetUnjellyableForClass) and its state: the
// exported fields (field tag `jelly:"name"`, else the name with its first letter
// lowered), or what GetStateToCopy returns, or GetStateFor(j) for a state that depends
// on the receiver (SerializingPerspective(j) tells who that is). An error type that
// travels by copy is sent as itself, not as a CopyableFailure.
//
// The state may hold Referenceables, Viewables and Cacheables: they travel by reference
// (or as caches) wherever they are, as in Twisted.
type Copyable struct{}

func (Copyable) pbCopyable() {}

// RemoteCopy is Twisted's pb.RemoteCopy: embedded in a struct registered with
// SetUnjellyableForClass, it documents that the struct receives copies. The value is
// allocated without running any constructor and given the state: SetCopyableState if
// the type has it, else the state dictionary is copied into the exported fields.
type RemoteCopy struct{}

func (RemoteCopy) pbRemoteCopy() {}

// SetUnjellyableForClass registers the Go type that receives copies sent under a wire
// class name (Twisted's setUnjellyableForClass): pass a pointer to the type, as in
// pb.SetUnjellyableForClass("copy_sender.CopyPond", &ReceiverPond{}). A RemoteCache type
// is given the cache protocol; any other type is registered with jelly as is.
func SetUnjellyableForClass(name string, v any) {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() != reflect.Pointer {
		t = reflect.PointerTo(t)
	}
	if t != nil && t.Implements(reflect.TypeFor[remoteCache]()) {
		jelly.SetUnjellyableForClass(name, jelly.UnjellyFunc(func(u *jelly.Unjellier, sexp []any) (any, error) {
			return unjellyRemoteCache(u, sexp, t.Elem())
		}))
		return
	}
	jelly.SetUnjellyableForClass(name, v)
}

// SetUnjellyableFactoryForClass registers a function that builds the value for copies
// sent under a class name; it receives the unjellied state and may return an existing
// object (Twisted's setUnjellyableFactoryForClass).
func SetUnjellyableFactoryForClass(name string, f func(state any) (any, error)) {
	jelly.SetUnjellyableFactoryForClass(name, f)
}

// SerializingPerspective returns the perspective a value is being sent for, inside a
// GetStateFor(j) or JellyFor(j) method: Twisted's broker.serializingPerspective, the
// argument of getStateToCopyFor(perspective).
func SerializingPerspective(j *jelly.Jellier) any {
	if b, ok := j.Invoker.(*Broker); ok {
		return b.serializingPerspective
	}
	return nil
}

// UnserializingPerspective returns the perspective a value is being received for, inside
// SetStateFor, SetCopyableState or an unjelly function.
func UnserializingPerspective(u *jelly.Unjellier) any {
	if b, ok := u.Invoker.(*Broker); ok {
		return b.unserializingPerspective
	}
	return nil
}

// flavorContext finds the broker and the user's value for an embedded flavor.
func flavorContext(j *jelly.Jellier, inner any, flavor string) (*Broker, any, error) {
	b, ok := j.Invoker.(*Broker)
	if !ok || b == nil {
		return nil, nil, fmt.Errorf("pb: a %s can only be sent through a PB broker", flavor)
	}
	outer, ok := b.outers[inner]
	if !ok {
		return nil, nil, fmt.Errorf("pb: cannot find the value that embeds this pb.%s: "+
			"send it through its broker (a call's arguments or result, Broker.Serialize)", flavor)
	}
	return b, outer, nil
}

// Serialize jellies obj for the peer with perspective as the serializing perspective
// (Twisted's broker.serialize): the s-expression Referenceables, Viewables and
// Cacheables are exported in. A *deferred.Deferred gives a Deferred that fires with the
// serialized value.
func (b *Broker) Serialize(obj any, perspective any) (any, error) {
	if d, ok := obj.(*deferred.Deferred); ok {
		return d.AddCallback(func(r any) (any, error) { return b.Serialize(r, perspective) }), nil
	}
	switch obj.(type) {
	case int64, int, []byte, float64, nil:
		return b.jellier.Jelly(obj) // atoms: no flavors to find, no session to guard
	}
	j := &b.jellier
	nested := b.jellying
	if nested {
		// A GetState method that sends a message of its own: jelly it in a session of
		// its own (Twisted's serialize is not reentrant at all).
		nj := b.newJellier()
		j = &nj
	}
	b.jellying = true
	savedP := b.serializingPerspective
	b.serializingPerspective = perspective
	sexp, err := j.Jelly(obj)
	b.serializingPerspective = savedP
	if !nested {
		b.jellying = false
		clear(b.outers)
	}
	return sexp, err
}

// Unserialize unjellies sexp from the peer with perspective as the unserializing
// perspective (Twisted's broker.unserialize).
//
// A MessageReceiver gets its arguments still jellied: as the raw bytes of the message
// (banana.Raw, valid only during the call) or as atoms. Unserialize takes either, and
// an s-expression tree too.
func (b *Broker) Unserialize(sexp any, perspective any) (any, error) {
	switch sexp.(type) {
	case int64, []byte, float64:
		return sexp, nil
	}
	saved := b.unserializingPerspective
	b.unserializingPerspective = perspective
	var v any
	var err error
	if raw, ok := sexp.(banana.Raw); ok {
		v, _, err = b.unjellier.UnjellyBanana(raw, b.dialect())
	} else {
		v, err = b.unjellier.Unjelly(sexp)
	}
	b.unserializingPerspective = saved
	return v, err
}

// --- receiving references and caches: the unjelly functions PB registers, like
// Twisted's setUnjellyableForClass("remote"/"local"/"cached"/"lcache", ...).

func init() {
	jelly.SetUnjellyableForClass("remote", jelly.UnjellyFunc(unjellyRemote))
	jelly.SetUnjellyableForClass("local", jelly.UnjellyFunc(unjellyLocal))
	jelly.SetUnjellyableForClass("cached", jelly.UnjellyFunc(unjellyCached))
	jelly.SetUnjellyableForClass("lcache", jelly.UnjellyFunc(unjellyLCache))
	jelly.SetUnjellyableForClass(pyCopyableFailure, jelly.UnjellyFunc(unjellyCopiedFailure))
}

var errNoBroker = errors.New("pb: reference received outside a PB broker")

func brokerAndID(u *jelly.Unjellier, sexp []any) (*Broker, any, error) {
	b, ok := u.Invoker.(*Broker)
	if !ok || b == nil {
		return nil, nil, errNoBroker
	}
	if len(sexp) != 2 {
		return nil, nil, &jelly.Error{Kind: jelly.ErrMalformed, Msg: fmt.Sprintf("%s node needs one id", sexp[0])}
	}
	return b, sexp[1], nil
}

// unjellyRemote: ['remote', luid] is a new RemoteReference every time.
func unjellyRemote(u *jelly.Unjellier, sexp []any) (any, error) {
	b, id, err := brokerAndID(u, sexp)
	if err != nil {
		return nil, err
	}
	switch v := id.(type) {
	case int64:
		return newRemoteReference(b, v, b.unserializingPerspective), nil
	case []byte:
		// A named object: Twisted would decref it later and kill the connection; Go
		// does not count references to names.
		return &RemoteReference{broker: b, luid: string(v), perspective: b.unserializingPerspective}, nil
	}
	return nil, &jelly.Error{Kind: jelly.ErrMalformed, Msg: fmt.Sprintf("remote id %v is not an int or a name", id)}
}

// unjellyLocal: ['local', luid] is the object this side exported; unknown ids give nil.
func unjellyLocal(u *jelly.Unjellier, sexp []any) (any, error) {
	b, id, err := brokerAndID(u, sexp)
	if err != nil {
		return nil, err
	}
	obj := b.LocalObjectForID(id)
	if vp, ok := obj.(*ViewPoint); ok {
		return vp.Object, nil
	}
	return obj, nil
}

// unjellyCached: ['cached', cacheID] is the RemoteCache received earlier.
func unjellyCached(u *jelly.Unjellier, sexp []any) (any, error) {
	b, id, err := brokerAndID(u, sexp)
	if err != nil {
		return nil, err
	}
	n, _ := id.(int64)
	e, ok := b.cachedIn[n]
	if !ok {
		return nil, &KeyError{Key: fmt.Sprint(id)}
	}
	e.inner.refs++
	return e.object, nil
}

// unjellyLCache: ['lcache', cacheID] is this side's own Cacheable, handed back.
func unjellyLCache(u *jelly.Unjellier, sexp []any) (any, error) {
	b, id, err := brokerAndID(u, sexp)
	if err != nil {
		return nil, err
	}
	n, _ := id.(int64)
	l, ok := b.cachedOut[n]
	if !ok {
		return nil, &KeyError{Key: fmt.Sprint(id)}
	}
	return l.object, nil
}
