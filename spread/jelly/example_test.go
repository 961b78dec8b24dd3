package jelly_test

import (
	"fmt"

	"github.com/gotwisted/twisted/spread/banana"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Jelly turns Go values into s-expressions; text and bytes stay distinct.
func ExampleJelly() {
	sexp, _ := jelly.Jelly([]any{1, "two", []byte("three"), nil})
	fmt.Println(banana.Format(sexp))
	// Output: ['list', 1, ['unicode', 'two'], 'three', ['None']]
}

// AppendJelly writes the banana bytes directly; Unjelly reverses the trip.
func ExampleAppendJelly() {
	wire, _ := jelly.AppendJelly(nil, jelly.Tuple{1, "copy"}, banana.DialectPB)
	fmt.Printf("% x\n", wire)

	d := banana.Decoder{Dialect: banana.DialectPB}
	exprs, _ := d.Feed(wire, nil)
	v, _ := jelly.Unjelly(exprs[0])
	fmt.Printf("%#v\n", v)
	// Output:
	// 03 80 0b 87 01 81 02 80 07 82 75 6e 69 63 6f 64 65 0d 87
	// jelly.Tuple{1, "copy"}
}

// Shared and cyclic values keep their identity across the wire.
func ExampleUnjelly_cycle() {
	l := make([]any, 1)
	l[0] = l // l = [l]
	sexp, _ := jelly.Jelly(l)
	fmt.Println(banana.Format(sexp))

	v, _ := jelly.Unjelly(sexp)
	back := v.([]any)
	inner := back[0].([]any)
	fmt.Println(&inner[0] == &back[0])
	// Output:
	// ['reference', 1, ['list', ['dereference', 1]]]
	// true
}

// Point travels as a class instance named on the wire "shapes.Point", as a Python
// pb.Copyable of that name would.
type Point struct {
	X, Y int
}

func (*Point) JellyClassName() string { return "shapes.Point" }

// Registering a Go type for a class name, so both directions agree.
func ExampleSetUnjellyableForClass() {
	reg := jelly.NewRegistry()
	reg.SetUnjellyableForClass("shapes.Point", (*Point)(nil))

	sexp, _ := jelly.Jelly(&Point{3, 4})
	fmt.Println(banana.Format(sexp))

	v, _ := jelly.Unjelly(sexp, jelly.WithRegistry(reg))
	fmt.Printf("%+v\n", v)
	// Output:
	// ['shapes.Point', ['dictionary', [['unicode', 'x'], 3], [['unicode', 'y'], 4]]]
	// &{X:3 Y:4}
}

// The default taster refuses what Twisted's globalSecurity refuses.
func ExampleSecurityOptions() {
	_, err := jelly.Unjelly([]any{[]byte("os.system"), []any{[]byte("dictionary")}})
	fmt.Println(err)
	// Output: jelly: InsecureJelly: Module os not allowed (in type os.system).
}

// Convert fits unjellied values into ordinary Go types.
func ExampleConvert() {
	v, _ := jelly.Unjelly([]any{[]byte("dictionary"),
		[]any{[]any{[]byte("unicode"), []byte("a")}, []any{[]byte("list"), int64(1), int64(2)}}})
	var m map[string][]int
	err := jelly.Convert(&m, v)
	fmt.Println(m, err)
	// Output: map[a:[1 2]] <nil>
}
