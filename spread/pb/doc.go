// Package pb is Twisted's Perspective Broker for Go: remote method calls between a Go
// program and a Go or Python Twisted peer, on PB's own wire protocol (banana and jelly),
// byte for byte as Twisted 22.4 speaks it.
//
// Both ends of a connection run a Broker. A server publishes a root object; a client asks
// for a reference to it, calls its methods, and receives results through Deferreds. Any
// object passed along may travel by reference (the peer gets a RemoteReference it can
// call), by copy, or as a cache kept up to date by its owner.
//
// # A server
//
// The server's root embeds Root. A remote call "echo" runs the method RemoteEcho; a
// method's arguments are converted from what the caller sent into its parameter types.
//
//	package main
//
//	import (
//		"github.com/gotwisted/twisted/reactor"
//		"github.com/gotwisted/twisted/spread/pb"
//	)
//
//	type Echoer struct{ pb.Root }
//
//	func (e *Echoer) RemoteEcho(st string) string {
//		fmt.Println("echoing:", st)
//		return st
//	}
//
//	func main() {
//		reactor.ListenTCP(8789, pb.NewPBServerFactory(&Echoer{}))
//		reactor.Run()
//	}
//
// # A client
//
//	func main() {
//		factory := pb.NewPBClientFactory()
//		reactor.ConnectTCP("localhost", 8789, factory)
//		factory.GetRootObject().AddCallback(func(root any) (any, error) {
//			return root.(*pb.RemoteReference).CallRemote("echo", "hello network"), nil
//		}).AddCallback(func(echo any) (any, error) {
//			fmt.Println("got echo:", echo)
//			return nil, reactor.Stop()
//		})
//		reactor.Run()
//	}
//
// Returning a Deferred from a callback chains it, as in Twisted. deferred.Inline reads
// top to bottom instead, still on the reactor's goroutine:
//
//	deferred.Inline(func(c *deferred.Co) (any, error) {
//		root, err := deferred.Await[*pb.RemoteReference](c, factory.GetRootObject())
//		if err != nil {
//			return nil, err
//		}
//		echo, err := c.Await(root.CallRemote("echo", "hello network"))
//		...
//	})
//
// The same client talks to the Python server of Twisted's pbsimple.py, and a Python
// client to this server: each side sees the other as Twisted.
//
// # Remote methods
//
// The message "echo" calls Remote + "Echo"; "getTwo" calls RemoteGetTwo; "list_keys"
// calls RemoteListKeys (see MethodName). A method may take a final Kwargs parameter for
// keyword arguments and may be variadic. It returns nothing, a value, an error, or
// (value, error); a *deferred.Deferred value is a result that comes later, sent when it
// fires. A panic becomes an error for the caller, logged like any unexpected error.
// Arguments that do not fit the parameters (a wrong count, a text where an int is
// expected) are refused with an ArgumentError, which a Python caller sees as TypeError.
// An unknown method gives NoSuchMethod; the connection stays up in every case.
//
// Values travel as jelly maps them (package jelly): a Go string is Python text, []byte
// is bytes, ints, floats, bool and nil are themselves, []any is a list, jelly.Tuple a
// tuple, *jelly.Dict (or any map) a dict, jelly.Set a set, time.Time a datetime. Inside
// a remote method or a result, a value arrives in the jelly type; a parameter of a
// concrete type (int, []string, map[string]int, a struct) gets it converted. Numbers,
// strings, []byte, and slices, maps and pointers of those are decoded straight from the
// wire into the parameter when the call arrives whole, so a RemoteSum(xs []int64) costs
// less than a RemoteSum(xs any) that gets a []any.
//
// CallRemote's arguments are positional; a Kwargs among them is sent as keyword
// arguments. CallRemoteNoAnswer sends a call that gets no answer (Twisted's
// pbanswer=False).
//
// # By reference, by copy, as a cache
//
// A type chooses how it travels by embedding a flavor, as a Python class inherits from
// one (values of the first three must be pointers):
//
//   - Referenceable: by reference. The peer gets a *RemoteReference and calls its Remote
//     methods. A reference sent back arrives as the original object. Root is the
//     Referenceable a server publishes.
//   - Viewable: by reference through a perspective. Its View methods get the caller's
//     perspective (the avatar of a cred login) first.
//   - Cacheable: by cache. The peer's RemoteCache gets the state once, then the owner's
//     updates through the RemoteCacheObserver it was given.
//   - Copyable: by copy. The type names its wire class (a JellyClassName method) and the
//     receiver registers a type for that name with SetUnjellyableForClass; the state is
//     the exported fields unless the type provides it.
//
// Every object given to the peer by reference is counted, as Twisted counts them: the
// peer's decref releases it. Go has no reference counting, so a RemoteReference is
// released in one of two ways: Release sends the decref at once; otherwise it goes out
// after the garbage collector frees the reference (runtime.AddCleanup), on the reactor's
// goroutine. A RemoteCache is released with Release. A broker refuses to export more
// than MaxBrokerRefs objects at a time.
//
// # Errors
//
// An error returned by a remote method reaches the caller as a failed Deferred. A
// pb.Error (NewError, or a type embedding ErrorBase) is an expected error: it is not
// logged. Any other error is logged with "Peer will receive following PB traceback"
// before it is sent, as Twisted logs it. Errors that travel by copy arrive as themselves;
// the others arrive as a *CopiedFailure carrying the remote class name, message, the
// names of its base classes and, if the peer allows it, the remote traceback. Trap them
// by remote class name or by Go type:
//
//	d.AddErrback(func(f *failure.Failure) (any, error) {
//		if err := f.Trap(pb.RemoteType("builtins.ValueError"), failure.Type[*MyError]()); err != nil {
//			return nil, err
//		}
//		...
//	})
//
// A Go error travels under the class name its RemoteType method gives, or else its Go
// type name ("pkg.Type", "__main__.Type" for package main), so a Python peer can trap it.
//
// When the connection is lost, calls waiting for an answer fail with PBConnectionLost,
// and later calls fail at once with DeadReferenceError (Twisted raises it; Go returns an
// already failed Deferred).
//
// # Concurrency
//
// A Broker, its RemoteReferences and everything they return belong to the goroutine of
// the reactor that runs the connection: call them from reactor callbacks, Deferred
// callbacks and Inline bodies, as a Twisted program does. Another goroutine reaches them
// through the reactor's CallFromThread.
//
// # Differences from Twisted
//
//   - DeadReferenceError is a failed Deferred, not an exception from CallRemote.
//   - References are released by Release or by the garbage collector, not at once.
//   - A RemoteCache received several times is one Go value (Twisted makes a "borg" per
//     occurrence sharing one state); Release sends one decache per occurrence.
//   - An answer the peer sends that cannot be unjellied fails that call's Deferred before
//     the connection is dropped (Twisted drops the connection and never fires it).
//   - A result too large for banana is sent to the caller as an error (Twisted drops its
//     own connection).
//   - A Go type registered to receive copies (a RemoteCopy) is sent back under its class
//     name, where Twisted sends an instance of a non-Copyable class as unpersistable.
//   - RemoteReferences compare with Equal (Twisted compares broker and id with ==).
package pb
