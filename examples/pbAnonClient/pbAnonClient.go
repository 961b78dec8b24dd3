// Command pbAnonClient is pbAnonClient.py from Twisted's PB authentication howto in Go: a
// client which talks to the server run by pbAnonServer, logging in both anonymously and
// with username/password credentials.
package main

import (
	"log"
	"os"

	"github.com/gotwisted/twisted/cred/credentials"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/examples/internal/twlog"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// errorf returns a catch-all errback which simply logs the failure. This isn't expected
// to be invoked in the normal case for this example.
func errorf(msg string) deferred.Errback {
	return func(why *failure.Failure) (any, error) {
		twlog.Err(why, msg)
		return nil, nil
	}
}

// avatars keeps the perspectives for the program's lifetime: releasing one logs it out.
var avatars []*pb.RemoteReference

// connected is the login callback, which invokes the remote "foo" method on the
// perspective which the server returned.
func connected(p any) (any, error) {
	perspective := p.(*pb.RemoteReference)
	avatars = append(avatars, perspective)
	twlog.Msg("got perspective1 ref:", perspective)
	twlog.Msg("asking it to foo(13)")
	return perspective.CallRemote("foo", 13), nil
}

// finished is invoked when both logins and method calls have finished to shut down the
// reactor so the example exits.
func finished(ignored any) (any, error) {
	return nil, reactor.Stop()
}

// main connects to a PB server running on port 8800 on localhost and logs in to it, both
// anonymously and using a username/password it will recognize.
func main() {
	twlog.StartLogging(os.Stdout)
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)

	anonymousLogin := factory.Login(credentials.Anonymous{}, nil)
	anonymousLogin.AddCallback(connected)
	anonymousLogin.AddErrback(errorf("Anonymous login failed"))

	usernameLogin := factory.Login(credentials.NewUsernamePassword("user1", "pass1"), nil)
	usernameLogin.AddCallback(connected)
	usernameLogin.AddErrback(errorf("Username/password login failed"))

	bothDeferreds := deferred.Gather([]*deferred.Deferred{anonymousLogin, usernameLogin})
	bothDeferreds.AddCallback(finished)

	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
	twlog.Msg("Main loop terminated.") // Twisted's reactor logs this as run() returns
}
