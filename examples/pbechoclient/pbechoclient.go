// Command pbechoclient is pbechoclient.py from twisted-doc's examples in Go: it logs in to
// pbecho on port 8787 as guest, has its perspective echo "hello world", and traps the
// DefinedError the perspective's error method raises.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// DefinedError is pbecho's DefinedError (imported from pbecho in the Python listing).
type DefinedError struct{ pb.ErrorBase }

func (DefinedError) RemoteType() string { return "pbecho.DefinedError" }

func success(message any) (any, error) {
	fmt.Println("Message received:", py.Str(message))
	// reactor.Stop()
	return nil, nil
}

func onFailure(err *failure.Failure) (any, error) {
	if t := err.Check(failure.Type[DefinedError]()); t == nil {
		return nil, err // trap: not a DefinedError, the failure goes on
	}
	fmt.Println("error received:", py.ClassRepr("pbecho.DefinedError"))
	return nil, reactor.Stop()
}

// perspective is kept while the program runs: releasing it would log out.
var perspective *pb.RemoteReference

func connected(p any) (any, error) {
	perspective = p.(*pb.RemoteReference)
	perspective.CallRemote("echo", "hello world").AddCallbacks(success, onFailure)
	perspective.CallRemote("error").AddCallbacks(success, onFailure)
	fmt.Println("connected.")
	return nil, nil
}

func main() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", pb.PortNo, factory)
	factory.Login(credentials.NewUsernamePassword("guest", "guest"), nil).AddCallbacks(connected, onFailure)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
