package pb

import (
	"testing"

	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/trial"
)

// Flavored values are found wherever jelly meets them (the JellyForValue hook), not only
// where a walk of the exported fields would.

// stateHolder builds its state in GetStateFor: the Referenceable in it is reachable from
// no exported field.
type stateHolder struct {
	Copyable
	thing *iThing
}

func (*stateHolder) JellyClassName() string { return "pbinterop.Holder" }
func (h *stateHolder) GetStateFor(j *jelly.Jellier) (any, error) {
	return jelly.DictOf("label", "for", "thing", h.thing), nil
}

// ownJelly embeds Referenceable but defines its own JellyFor, which must win (as a Python
// subclass overriding jellyFor would), calling the embedded one for its node.
type ownJelly struct {
	Referenceable
	calls int
}

func (o *ownJelly) JellyFor(j *jelly.Jellier) (any, error) {
	o.calls++
	return o.Referenceable.JellyFor(j)
}
func (*ownJelly) RemoteWho() string { return "own" }

func TestReferenceableInsideCopyState(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		c, s, pump := connectedServerAndClient(tc)
		pump.ByteAtATime = false

		s.SetNameForLocal("holders", &holderRoot{})
		hr := c.RemoteForName("holders")

		// GetStateToCopy (the interop type) and GetStateFor, sent by the client: the server
		// calls the reference it finds in the state.
		thing := &iThing{name: "copied"}
		d := hr.CallRemote("pingHeld", &iHolder{label: "x", thing: thing}, 1)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), jelly.Tuple{"x", jelly.Tuple{"pong", "copied", int64(1)}})
		d = hr.CallRemote("pingHeld", &stateHolder{thing: thing}, 2)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), jelly.Tuple{"for", jelly.Tuple{"pong", "copied", int64(2)}})

		// Sent by the server: the client gets a working reference.
		d = hr.CallRemote("get")
		pump.Flush()
		h := tc.SuccessResultOf(d).(*iReceivedHolder)
		tc.True(h.Thing != nil, "a reference in the state")
		d = h.Thing.CallRemote("ping", 5)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), jelly.Tuple{"pong", "held", int64(5)})

		// A type's own JellyFor is still the one called.
		o := &ownJelly{}
		d = hr.CallRemote("callWho", o)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), "own")
		tc.Equal(o.calls, 1)
	})
}

type holderRoot struct{ Referenceable }

func (*holderRoot) RemoteGet() *iHolder {
	return &iHolder{label: "srv", thing: &iThing{name: "held"}}
}
func (*holderRoot) RemotePingHeld(h *iReceivedHolder, x any) any {
	return (&iRoot{}).RemotePingHeld(h, x)
}
func (*holderRoot) RemoteCallWho(r *RemoteReference) any { return r.CallRemote("who") }
