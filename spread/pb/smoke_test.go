package pb

import (
	"testing"

	"github.com/gotwisted/twisted/trial"
)

type smokeRoot struct{ Root }

func (r *smokeRoot) RemoteEcho(x any) any   { return x }
func (r *smokeRoot) RemoteAdd(a, b int) int { return a + b }

func TestSmoke(t *testing.T) {
	trial.Sync(t, func(tc *trial.T) {
		cf := NewPBClientFactory()
		sf := NewPBServerFactory(&smokeRoot{})
		_, _, pump := trial.ConnectServerAndClient(tc, cf, sf)
		root := tc.SuccessResultOf(cf.GetRootObject()).(*RemoteReference)
		d := root.CallRemote("echo", "hi")
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), "hi")
		d = root.CallRemote("add", 2, 3)
		pump.Flush()
		tc.Equal(tc.SuccessResultOf(d), int64(5))
	})
}
