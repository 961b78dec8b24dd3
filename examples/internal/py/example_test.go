package py_test

import (
	"fmt"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Values from the wire print as Python prints the values they stand for.
func ExampleStr() {
	ducks := []any{"one duck", []byte("two duck"), int64(3), 1.5, jelly.DictOf(1, 2)}
	fmt.Println("[2] ducks: ", py.Str(ducks))
	fmt.Println("echoing:", py.Str("hello network"))
	// Output:
	// [2] ducks:  ['one duck', b'two duck', 3, 1.5, {1: 2}]
	// echoing: hello network
}

// Python's == across the types jelly produces.
func ExampleEqual() {
	fmt.Println(py.Equal([]any{int64(1), "hi"}, []any{1.0, "hi"}))
	fmt.Println(py.Equal("hi", []byte("hi")))
	// Output:
	// true
	// false
}
