// Command exc_server is exc_server.py from Twisted's PB usage howto in Go: two remote
// methods that fail, one with an expected error (a pb.Error, sent to the caller without a
// traceback in the server's log) and one with an unexpected error (logged as "Peer will
// receive following PB traceback"). It listens on port 8800; run exc_client against it.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/pb"
)

// MyError is an Expected Exception. Something bad happened.
//
// Embedding pb.ErrorBase makes it a pb.Error. It travels as __main__.MyError, the name the
// Python class has when exc_server.py runs as a script.
type MyError struct{ pb.ErrorBase }

// MyError2 is an Unexpected Exception. Something really bad happened.
type MyError2 struct{ msg string }

func (e MyError2) Error() string { return e.msg }

type One struct{ pb.Root }

func (o *One) RemoteBroken() error {
	msg := "fall down go boom"
	fmt.Printf("raising a MyError exception with data '%s'\n", msg)
	return MyError{pb.NewError(msg)}
}

func (o *One) RemoteBroken2() error {
	msg := "hadda owie"
	fmt.Printf("raising a MyError2 exception with data '%s'\n", msg)
	return MyError2{msg}
}

func main() {
	if _, err := reactor.ListenTCP(8800, pb.NewPBServerFactory(&One{})); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
