// Command trap_server is trap_server.py from Twisted's PB usage howto in Go: fooMethod
// answers "response", or fails with MyException when given "panic!", and shutdown stops
// the server. It listens on port 8800; run trap_client against it.
package main

import (
	"log"

	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// MyException is a pb.Error; it travels as __main__.MyException.
type MyException struct{ pb.ErrorBase }

type One struct{ pb.Root }

func (o *One) RemoteFooMethod(arg any) (string, error) {
	if arg == "panic!" {
		return "", MyException{}
	}
	return "response", nil
}

func (o *One) RemoteShutdown() {
	reactor.Stop()
}

func main() {
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(&One{})); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
