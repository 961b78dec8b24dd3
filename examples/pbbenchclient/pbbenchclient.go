// Command pbbenchclient is pbbenchclient.py from twisted-doc's examples in Go: it logs in
// to pbbenchserver on port 8787 and calls simple and complexTypes in a loop, two calls in
// flight at a time, printing how many rounds it completed each second.
package main

import (
	"fmt"
	"log"
	"time"

	"github.com/gotwisted/twisted/cred/credentials"
	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type PBBenchClient struct {
	hostname         string
	portno           int
	calledThisSecond int
	lastSecond       int64
	persp            *pb.RemoteReference
}

func (c *PBBenchClient) callLoop(ignored any) (any, error) {
	d1 := c.persp.CallRemote("simple")
	d2 := c.persp.CallRemote("complexTypes")
	deferred.NewDeferredList([]*deferred.Deferred{d1, d2}).AddCallback(c.callLoop)
	c.calledThisSecond++
	thisSecond := time.Now().Unix()
	if thisSecond != c.lastSecond {
		if thisSecond-c.lastSecond > 1 {
			fmt.Println("WARNING it took more than one second")
		}
		fmt.Println("cps:", c.calledThisSecond)
		c.calledThisSecond = 0
		c.lastSecond = thisSecond
	}
	return nil, nil
}

func (c *PBBenchClient) cbPerspective(persp any) (any, error) {
	c.persp = persp.(*pb.RemoteReference)
	c.lastSecond = time.Now().Unix()
	return c.callLoop(nil)
}

func (c *PBBenchClient) runTest() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP(c.hostname, c.portno, factory)
	factory.Login(credentials.NewUsernamePassword("benchmark", "benchmark"), nil).AddCallback(c.cbPerspective)
}

func main() {
	(&PBBenchClient{hostname: "localhost", portno: pb.PortNo}).runTest()
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
