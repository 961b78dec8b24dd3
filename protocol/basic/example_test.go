package basic_test

import (
	"fmt"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

// Shouter answers each line in capitals.
type Shouter struct {
	basic.LineReceiver
}

func NewShouter() *Shouter {
	s := &Shouter{}
	s.Handler = s // the receiver calls back into Shouter through Handler
	return s
}

func (s *Shouter) LineReceived(line []byte) {
	out := make([]byte, len(line))
	for i, c := range line {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	s.SendLine(out)
}

func ExampleLineReceiver() {
	s := NewShouter()
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(s, tr)

	// Lines may arrive in any pieces.
	s.DataReceived([]byte("hel"))
	s.DataReceived([]byte("lo\r\nwor"))
	s.DataReceived([]byte("ld\r\n"))
	fmt.Printf("%q\n", tr.Value())
	// Output: "HELLO\r\nWORLD\r\n"
}

// Store keeps the netstrings it receives.
type Store struct {
	basic.NetstringReceiver
	got []string
}

func (s *Store) StringReceived(b []byte) { s.got = append(s.got, string(b)) }

func ExampleNetstringReceiver() {
	s := &Store{}
	s.Handler = s
	tr := reactortest.NewStringTransport()
	protocol.MakeConnection(s, tr)

	s.DataReceived([]byte("5:hello,4:1:a,,"))
	fmt.Println(s.got)

	s.DataReceived([]byte("3:abcd,")) // no comma where one must be
	fmt.Println(tr.Disconnecting(), s.Err)

	s.SendString([]byte("reply"))
	fmt.Printf("%s\n", tr.Value())
	// Output:
	// [hello 1:a,]
	// true The received netstring is not terminated by a comma.
	// 5:reply,
}
