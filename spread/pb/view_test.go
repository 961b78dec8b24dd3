package pb

import (
	"testing"

	"github.com/gotwisted/twisted/trial"
)

// testAvatar stands for a cred avatar: it dispatches messages to its Perspective methods
// and is the serializing perspective of their results, as pb.Avatar is.
type testAvatar struct {
	Referenceable
	name string
	view *myView
}

func (a *testAvatar) RemoteMessageReceived(b *Broker, message string, args, kw any) (any, error) {
	return b.Dispatch(a, PerspectivePrefix, []byte(message), a, nil, args, kw)
}

func (a *testAvatar) PerspectiveGetViewPoint() *myView { return a.view }
func (a *testAvatar) PerspectiveAdd(x, y int) int      { return x + y }

type myView struct{ Viewable }

func (v *myView) ViewCheck(user *testAvatar) bool       { return user != nil }
func (v *myView) ViewWho(user *testAvatar) string       { return user.name }
func (v *myView) ViewIsMe(user *testAvatar, x any) bool { return x == any(v) }

type avatarRoot struct {
	Root
	view *myView
}

func (r *avatarRoot) RemoteLogin(name string) *testAvatar {
	return &testAvatar{name: name, view: r.view}
}

// Ports the viewpoint part of test_pb.py NewCredTests.test_view: a Viewable returned by
// an avatar's method is bound to that avatar, and its View methods receive it.
func TestView(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := NewPBClientFactory()
		view := &myView{}
		client, server, pump := trial.ConnectServerAndClient(tc, cf, NewPBServerFactory(&avatarRoot{view: view}))
		pump.ByteAtATime = false
		s := server.(*Broker)
		root := tc.SuccessResultOf(cf.GetRootObject()).(*RemoteReference)
		login := func(name string) *RemoteReference {
			d := root.CallRemote("login", name)
			pump.Flush()
			return tc.SuccessResultOf(d).(*RemoteReference)
		}
		call := func(ref *RemoteReference, name string, args ...any) any {
			d := ref.CallRemote(name, args...)
			pump.Flush()
			return tc.SuccessResultOf(d)
		}
		alice, bob := login("alice"), login("bob")
		tc.Equal(call(alice, "add", 100, 23), int64(123))
		va := call(alice, "getViewPoint").(*RemoteReference)
		tc.Equal(call(va, "check"), true)
		tc.Equal(call(va, "who"), "alice")
		va2 := call(alice, "getViewPoint").(*RemoteReference)
		tc.True(va.Equal(va2), "the same Viewable for the same perspective keeps its id")
		vb := call(bob, "getViewPoint").(*RemoteReference)
		tc.False(va.Equal(vb), "another perspective gets another id")
		tc.Equal(call(vb, "who"), "bob")
		// A ViewPoint sent back arrives as the Viewable itself.
		tc.Equal(call(vb, "isMe", va), true)
		// A missing View method is an AttributeError, not NoSuchMethod.
		d := va.CallRemote("nosuch")
		pump.Flush()
		f := tc.FailureResultOf(d)
		tc.NoError(f.Trap(RemoteType("builtins.AttributeError")))
		tc.Equal(f.Check(RemoteType(pyNoSuchMethod)), nil)
		tc.FlushLoggedErrors()
		before := s.LocalCount()
		va.Release()
		va2.Release()
		pump.Flush()
		tc.Equal(s.LocalCount(), before-1, "both references released: the ViewPoint is gone")
		_ = client
	})
}

// RemoteMethod handles call like CallRemote.
func TestRemoteMethodCall(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, _, pump := connectedServerAndClient(tc)
		pump.ByteAtATime = false
		m := rootRef(tc, c).RemoteMethod("echo")
		d := m.Call("x")
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), "x")
	})
}
