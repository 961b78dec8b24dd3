// Command pbinterop is Twisted's examples/pbinterop.py in Go: the PB interop server, a
// root object on port 8789 with a remote method for each kind of value PB carries (int,
// str, float, list, a list that contains itself, dict, a reference) and methods that take
// values and references back and check them.
package main

import (
	"fmt"
	"log"

	"github.com/gotwisted/twisted/examples/internal/py"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

// ValueError is Python's ValueError: the checks below fail with it, as the Python ones
// raise it, and it travels under that name.
type ValueError struct{ msg string }

func (e *ValueError) Error() string      { return e.msg }
func (e *ValueError) RemoteType() string { return "builtins.ValueError" }

// Copyable is a bare flavors.Copyable with an attribute x, as remote_copy builds one.
type Copyable struct {
	pb.Copyable
	X any
}

func (*Copyable) JellyClassName() string { return "twisted.spread.flavors.Copyable" }

// Interop is the test object for PB interop tests.
type Interop struct {
	pb.Root
	o *pb.Referenceable
}

func NewInterop() *Interop {
	return &Interop{o: &pb.Referenceable{}}
}

func (i *Interop) RemoteInt() int {
	return 1
}

func (i *Interop) RemoteString() string {
	return "string"
}

func (i *Interop) RemoteUnicode() string {
	return "string"
}

func (i *Interop) RemoteFloat() float64 {
	return 1.5
}

func (i *Interop) RemoteList() []int {
	return []int{1, 2, 3}
}

func (i *Interop) RemoteRecursive() []any {
	l := make([]any, 1)
	l[0] = l
	return l
}

func (i *Interop) RemoteDict() map[int]int {
	return map[int]int{1: 2}
}

func (i *Interop) RemoteReference() *pb.Referenceable {
	return i.o
}

func (i *Interop) RemoteLocal(obj *pb.RemoteReference) {
	d := obj.CallRemote("hello")
	d.AddCallback(i.localSuccess)
}

func (i *Interop) localSuccess(result any) (any, error) {
	if result != "hello, world" {
		return nil, &ValueError{fmt.Sprintf("%s != %s", py.Str(result), "hello, world")}
	}
	return nil, nil
}

func (i *Interop) RemoteReceive(obj any) error {
	expected := []any{1, 1.5, "hi", "hi", jelly.DictOf(1, 2)}
	if !py.Equal(obj, expected) {
		return &ValueError{fmt.Sprintf("%s != %s", py.Str(obj), py.Str(expected))}
	}
	return nil
}

func (i *Interop) RemoteSelf(obj any) error {
	if obj != i {
		return &ValueError{fmt.Sprintf("%s != %s", py.Str(obj), py.Str(i))}
	}
	return nil
}

func (i *Interop) RemoteCopy(x any) *Copyable {
	o := &Copyable{}
	o.X = x
	return o
}

func main() {
	if _, err := reactor.ListenTCP(8789, pb.NewPBServerFactory(NewInterop())); err != nil {
		log.Fatal(err)
	}
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
}
