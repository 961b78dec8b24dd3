// Command chatclient is chatclient.py from Twisted's PB authentication howto in Go: it
// logs in to the chat server on port 8800 (chatserver) as alice, handing itself over as
// the mind so the server can print to it, joins #NeedAFourth and says hello to the group.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

type Client struct {
	pb.Referenceable
	perspective *pb.RemoteReference
}

func (c *Client) RemotePrint(message string) {
	fmt.Println(message)
}

func (c *Client) connect() {
	factory := pb.NewPBClientFactory()
	reactor.ConnectTCP("localhost", 8800, factory)
	def1 := factory.Login(credentials.NewUsernamePassword("alice", "1234"), c)
	def1.AddCallback(c.connected)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}

func (c *Client) connected(perspective any) (any, error) {
	fmt.Println("connected, joining group #NeedAFourth")
	// this perspective is a reference to our User object. Save a reference to it here,
	// otherwise it will get garbage collected after this call, and the server will think
	// we logged out.
	c.perspective = perspective.(*pb.RemoteReference)
	d := c.perspective.CallRemote("joinGroup", "#NeedAFourth")
	d.AddCallback(c.gotGroup)
	return nil, nil
}

func (c *Client) gotGroup(group any) (any, error) {
	fmt.Println("joined group, now sending a message to all members")
	// 'group' is a reference to the Group object (through a ViewPoint)
	d := group.(*pb.RemoteReference).CallRemote("send", "You can call me Al.")
	d.AddCallback(c.shutdown)
	return nil, nil
}

func (c *Client) shutdown(result any) (any, error) {
	return nil, reactor.Stop()
}

func main() {
	(&Client{}).connect()
}
