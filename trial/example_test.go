package trial_test

import (
	"fmt"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// upper answers each chunk it receives in upper case.
type upper struct{ reactor.BaseProtocol }

func (u *upper) DataReceived(data []byte) {
	out := make([]byte, len(data))
	for i, b := range data {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		out[i] = b
	}
	u.Transport.Write(out)
}

// listener records what it receives and how the connection ended.
type listener struct {
	reactor.BaseProtocol
	got  []byte
	lost string
}

func (l *listener) ConnectionMade()          { l.Transport.Write([]byte("hello")) }
func (l *listener) DataReceived(data []byte) { l.got = append(l.got, data...) }
func (l *listener) ConnectionLost(reason *failure.Failure) {
	l.lost = failure.TypeName(reason.Value)
}

// Two protocols talk in memory; nothing moves until the pump runs.
func ExampleConnect() {
	server, client := &upper{}, &listener{}
	pump := trial.Connect(server, client, false)
	fmt.Printf("before pumping: %q\n", client.got)

	pump.Flush()
	fmt.Printf("after pumping: %q\n", client.got)

	client.Transport.LoseConnection()
	pump.Flush()
	fmt.Println("client lost its connection with", client.lost)
	// Output:
	// before pumping: ""
	// after pumping: "HELLO"
	// client lost its connection with *reactor.ConnectionDone
}

func ExampleDirtyReactorAggregateError() {
	err := &trial.DirtyReactorAggregateError{
		DelayedCalls: []string{"<DelayedCall 0xc000123456 [99.9s] called=0 cancelled=0 main.tick()>"},
		Selectables:  []string{"<TCP Port 127.0.0.1:41234>"},
	}
	fmt.Println(err)
	// Output:
	// Reactor was unclean.
	// DelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)
	// <DelayedCall 0xc000123456 [99.9s] called=0 cancelled=0 main.tick()>
	// Selectables:
	// <TCP Port 127.0.0.1:41234>
}
