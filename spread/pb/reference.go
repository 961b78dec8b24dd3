package pb

import (
	"fmt"
	"runtime"
	"weak"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/spread/jelly"
)

// RemoteReference is Twisted's pb.RemoteReference: a reference to an object the peer
// exported (a Referenceable, a Viewable's ViewPoint, an avatar). CallRemote sends it a
// message.
//
// Reference counting. Twisted decrefs a reference when CPython frees it; Go's collector
// gives no such promptness, so a RemoteReference offers both ways:
//
//   - Release sends the decref at once. Use it when the peer should know now (an avatar
//     released means logout; a server holding many client objects).
//   - Otherwise the decref goes out after the garbage collector frees the reference
//     (runtime.AddCleanup), delivered on the reactor's goroutine through
//     CallFromThread. Collection may take a while, or never happen in a short program.
//
// Every ['remote', id] received makes a new RemoteReference and each sends its own decref,
// which keeps the peer's count balanced. A reference to a named object (the root) is not
// counted and never decref'd.
//
// A RemoteReference belongs to its broker's reactor goroutine.
type RemoteReference struct {
	broker      *Broker
	luid        any // int64, or string for a named object
	perspective any
	counted     bool
	released    bool
	cleanup     runtime.Cleanup
	disconnect  *Notifier
	callbacks   []*Notifier
}

// decrefArg is what a collected RemoteReference's cleanup needs. It holds the broker
// weakly: the runtime keeps a cleanup's argument alive until the cleanup runs, so a
// strong pointer would keep the broker (and anything reachable from it that points back
// at the reference) alive forever.
type decrefArg struct {
	b    weak.Pointer[Broker]
	luid int64
}

func newRemoteReference(b *Broker, luid int64, perspective any) *RemoteReference {
	r := &RemoteReference{broker: b, luid: luid, perspective: perspective, counted: true}
	r.cleanup = runtime.AddCleanup(r, func(a decrefArg) {
		if b := a.b.Value(); b != nil {
			b.queueDecref(a.luid)
		}
	}, decrefArg{weak.Make(b), luid})
	return r
}

// Broker returns the broker the reference came through.
func (r *RemoteReference) Broker() *Broker { return r.broker }

// LUID returns the peer's id for the object: an int64, or a string for a named object.
func (r *RemoteReference) LUID() any { return r.luid }

// Equal reports whether two references name the same remote object (Twisted compares
// broker and id).
func (r *RemoteReference) Equal(o *RemoteReference) bool {
	return r != nil && o != nil && r.broker == o.broker && r.luid == o.luid
}

// String is Python's repr of a RemoteReference, so ported programs print the same lines.
func (r *RemoteReference) String() string {
	return fmt.Sprintf("<twisted.spread.pb.RemoteReference object at %p>", r)
}

// CallRemote calls the remote method name with args (Twisted's callRemote). A Kwargs
// among args is sent as keyword arguments. The Deferred fires with the method's result,
// or fails: with a *CopiedFailure (or an error that travels by copy) for an error in the
// remote method, with *PBConnectionLost if the connection drops before the answer, and at
// once with *DeadReferenceError if the connection is already gone or the reference was
// released (Twisted raises it).
func (r *RemoteReference) CallRemote(name string, args ...any) *deferred.Deferred {
	if r.released {
		return deferred.Fail(&DeadReferenceError{ProtocolError{Message: "Calling a released reference"}})
	}
	args, kw := splitKwargs(args)
	d, err := r.broker.sendMessage(false, r.perspective, r.luid, name, args, kw, true)
	runtime.KeepAlive(r)
	if err != nil {
		return deferred.Fail(err)
	}
	return d
}

// CallRemoteNoAnswer sends the call without asking for an answer (Twisted's
// pbanswer=False): nothing comes back, not even an error. It fails only if the call
// cannot be sent.
func (r *RemoteReference) CallRemoteNoAnswer(name string, args ...any) error {
	if r.released {
		return &DeadReferenceError{ProtocolError{Message: "Calling a released reference"}}
	}
	args, kw := splitKwargs(args)
	_, err := r.broker.sendMessage(false, r.perspective, r.luid, name, args, kw, false)
	runtime.KeepAlive(r)
	return err
}

// splitKwargs takes the Kwargs out of a CallRemote argument list.
func splitKwargs(args []any) ([]any, Kwargs) {
	var kw Kwargs
	n := 0
	for _, a := range args {
		if k, ok := a.(Kwargs); ok {
			if kw == nil {
				kw = Kwargs{}
			}
			for key, v := range k {
				kw[key] = v
			}
			continue
		}
		n++
	}
	if kw == nil {
		return args, nil
	}
	out := make([]any, 0, n)
	for _, a := range args {
		if _, ok := a.(Kwargs); !ok {
			out = append(out, a)
		}
	}
	return out, kw
}

// Release drops this reference now: the peer gets its decref and may forget the object.
// Calls through a released reference fail with DeadReferenceError. Release is idempotent;
// for a named reference (the root) it only stops further calls.
func (r *RemoteReference) Release() {
	if r.released {
		return
	}
	r.released = true
	if !r.counted {
		return
	}
	r.cleanup.Stop()
	if !r.broker.disconnected {
		r.broker.sendCall2(cmdDecref, r.luid.(int64))
	}
}

// RemoteMethod returns a handle on one remote method (Twisted's remoteMethod). Handles for
// the same reference and name are equal (==).
func (r *RemoteReference) RemoteMethod(name string) RemoteMethod {
	return RemoteMethod{Ref: r, Name: name}
}

// RemoteMethod is a remote method bound to its reference; Call calls it.
type RemoteMethod struct {
	Ref  *RemoteReference
	Name string
}

// Call is CallRemote on the method's reference.
func (m RemoteMethod) Call(args ...any) *deferred.Deferred { return m.Ref.CallRemote(m.Name, args...) }

// NotifyOnDisconnect registers cb to run with this reference when the connection is lost
// (Twisted's notifyOnDisconnect). Keep the returned handle to remove it.
func (r *RemoteReference) NotifyOnDisconnect(cb func(*RemoteReference)) *Notifier {
	n := &Notifier{f: func() { cb(r) }}
	r.callbacks = append(r.callbacks, n)
	if len(r.callbacks) == 1 {
		r.disconnect = r.broker.NotifyOnDisconnect(r.disconnected)
	}
	return n
}

// DontNotifyOnDisconnect removes a callback registered with NotifyOnDisconnect.
func (r *RemoteReference) DontNotifyOnDisconnect(n *Notifier) {
	for i, c := range r.callbacks {
		if c == n {
			r.callbacks = append(r.callbacks[:i], r.callbacks[i+1:]...)
			break
		}
	}
	if len(r.callbacks) == 0 && r.disconnect != nil {
		r.broker.DontNotifyOnDisconnect(r.disconnect)
		r.disconnect = nil
	}
}

func (r *RemoteReference) disconnected() {
	cbs := r.callbacks
	r.callbacks = nil
	for _, n := range cbs {
		n.f()
	}
}

// isDisconnectNotifierRegistered reports whether the reference has asked its broker to tell
// it about disconnection (it does while it has callbacks).
func (r *RemoteReference) isDisconnectNotifierRegistered() bool {
	return r.disconnect != nil && containsNotifier(r.broker.disconnects, r.disconnect)
}

func containsNotifier(l []*Notifier, n *Notifier) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

// JellyFor sends the reference back to its owner as ['local', id], which the owner
// receives as its own object. A reference cannot be sent to another connection.
func (r *RemoteReference) JellyFor(j *jelly.Jellier) (any, error) {
	if j.Invoker == nil {
		return j.Unpersistable("References cannot be serialized"), nil
	}
	if b, ok := j.Invoker.(*Broker); !ok || b != r.broker {
		return nil, fmt.Errorf("pb: can't send references to brokers other than their own")
	}
	switch id := r.luid.(type) {
	case int64:
		return []any{tagLocal, id}, nil
	case string:
		return []any{tagLocal, []byte(id)}, nil
	}
	return nil, fmt.Errorf("pb: reference with a bad id %v", r.luid)
}
