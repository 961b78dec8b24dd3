package banana_test

import (
	"fmt"

	"github.com/gotwisted/twisted/spread/banana"
)

// Encoding an expression: lists, byte strings, integers and floats.
func ExampleAppendExpr() {
	buf, err := banana.AppendExpr(nil, []any{[]byte("hello"), 42, 1.5}, banana.DialectNone)
	fmt.Printf("% x %v\n", buf, err)
	// In the pb dialect a vocabulary word travels as one VOCAB token.
	buf, _ = banana.AppendExpr(nil, []any{[]byte("version"), 6}, banana.DialectPB)
	fmt.Printf("% x\n", buf)
	// Output:
	// 03 80 05 82 68 65 6c 6c 6f 2a 81 84 3f f8 00 00 00 00 00 00 <nil>
	// 02 80 13 87 06 81
}

// Streaming a message token by token into a caller-owned buffer.
func ExampleAppendListHeader() {
	buf := make([]byte, 0, 64)
	buf = banana.AppendListHeader(buf, 2)
	buf = banana.AppendStr(buf, "decref", banana.DialectPB)
	buf = banana.AppendInt(buf, 7)
	fmt.Printf("% x\n", buf)
	// Output: 02 80 1d 87 07 81
}

// The decoder accepts bytes in any split and yields complete expressions.
func ExampleDecoder() {
	wire := []byte{0x02, 0x80, 0x05, 0x82, 'h', 'e', 'l', 'l', 'o', 0x2a, 0x81}
	var d banana.Decoder
	var exprs []any
	for _, b := range wire { // one byte at a time
		exprs, _ = d.Feed([]byte{b}, exprs)
	}
	x := exprs[0].([]any)
	fmt.Printf("%q %d\n", x[0], x[1])
	// Output: "hello" 42
}

// Two ends of a connection negotiating the pb dialect, as a server and a client would
// over a socket.
func ExampleConn() {
	server := banana.NewConn(false, banana.Options{})
	client := banana.NewConn(true, banana.Options{})

	offer := server.ConnectionMade() // ['pb', 'none']
	_, choice, _ := client.Feed(offer)
	fmt.Printf("client chose % x, dialect %v\n", choice, client.Dialect())

	msg, _ := client.AppendExpr(nil, []any{[]byte("version"), 6})
	exprs, _, _ := server.Feed(append(choice, msg...))
	fmt.Printf("server ready=%v dialect=%v got %q\n", server.Ready(), server.Dialect(), exprs[0].([]any)[0])
	// Output:
	// client chose 02 82 70 62, dialect pb
	// server ready=true dialect=pb got "version"
}

// Format shows an expression the way Twisted's documentation writes it.
func ExampleFormat() {
	fmt.Println(banana.Format([]any{[]byte("message"), int64(1), []byte("root"), 2.5, []any{}}))
	// Output: ['message', 1, 'root', 2.5, []]
}
