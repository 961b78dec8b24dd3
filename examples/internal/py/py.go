// Package py formats Go values the way Python's str() and repr() format the Python values
// they stand for, so that the ports of Twisted's PB listings print exactly the lines the
// Python originals print.
//
// Values that came over the wire are formatted as Python shows what jelly made of them: a
// Go string is a Python str ('text'), a []byte is bytes (b'text'), []any a list, jelly.Tuple
// a tuple, *jelly.Dict a dict. Objects print in Python's default <module.Class object at
// 0x...> form: a *pb.RemoteReference as twisted.spread.pb.RemoteReference, a pointer to a
// struct of package main as __main__.Type, one of another package as package.Type (the
// packages under examples/internal are named after the Python modules they port). A type
// that wants another repr implements Reprer. Floats, strs and bytes print through
// internal/pyrepr, which the jelly and pb tests share; this package walks the rest.
package py

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/pyrepr"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

// Reprer is implemented by types whose Python repr is not the default object repr.
type Reprer interface {
	PyRepr() string
}

// Str formats v as Python's str(v): a str is itself, a Failure is Twisted's "[Failure
// instance: ...]" (with the brief traceback of a failure that has no Python frames),
// everything else is its repr.
func Str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case *failure.Failure:
		return "[Failure instance: Traceback (failure with no frames): " +
			ClassRepr(failureTypeName(x)) + ": " + x.ErrorMessage() + "\n]"
	}
	return Repr(v)
}

func failureTypeName(f *failure.Failure) string {
	if cf, ok := failure.As[*pb.CopiedFailure](f); ok {
		return cf.Type
	}
	return failure.TypeName(f.Value)
}

// Repr formats v as Python's repr(v).
func Repr(v any) string {
	var b strings.Builder
	p := printer{b: &b, seen: map[uintptr]bool{}}
	p.repr(v)
	return b.String()
}

// ObjectRepr is Python's default object repr: <module.Class object at 0x...>, with the
// address of the Go value standing in for the Python object's id.
func ObjectRepr(class string, obj any) string {
	return fmt.Sprintf("<%s object at %#x>", class, address(obj))
}

// ClassRepr is the repr of a Python class object: <class 'module.Class'>.
func ClassRepr(class string) string { return "<class '" + class + "'>" }

// FailureClass is the class of the Failure an errback receives, as Python's
// reason.__class__ shows it: a failure that came from the peer is a CopiedFailure.
func FailureClass(f *failure.Failure) string {
	if _, ok := failure.As[*pb.CopiedFailure](f); ok {
		return ClassRepr("twisted.spread.pb.CopiedFailure")
	}
	return ClassRepr("twisted.python.failure.Failure")
}

// FailureType is Python's reason.type: for a CopiedFailure, the remote class name as bytes
// (b'__main__.MyError'); for a local failure, the class of its error.
func FailureType(f *failure.Failure) string {
	if cf, ok := failure.As[*pb.CopiedFailure](f); ok {
		return Repr([]byte(cf.Type))
	}
	return ClassRepr(failureTypeName(f))
}

func address(obj any) uintptr {
	rv := reflect.ValueOf(obj)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return rv.Pointer()
	}
	return 0
}

type printer struct {
	b    *strings.Builder
	seen map[uintptr]bool // containers being printed, for Python's [...] on cycles
}

func (p *printer) repr(v any) {
	switch x := v.(type) {
	case nil:
		p.b.WriteString("None")
	case Reprer:
		p.b.WriteString(x.PyRepr())
	case bool:
		if x {
			p.b.WriteString("True")
		} else {
			p.b.WriteString("False")
		}
	case int:
		p.b.WriteString(strconv.Itoa(x))
	case int64:
		p.b.WriteString(strconv.FormatInt(x, 10))
	case int32:
		p.b.WriteString(strconv.FormatInt(int64(x), 10))
	case uint64:
		p.b.WriteString(strconv.FormatUint(x, 10))
	case *big.Int:
		p.b.WriteString(x.String())
	case float64:
		p.b.WriteString(pyrepr.Float(x))
	case float32:
		p.b.WriteString(pyrepr.Float(float64(x)))
	case string:
		p.b.WriteString(pyrepr.Str(x))
	case []byte:
		p.b.WriteString(pyrepr.Bytes(x))
	case []any:
		p.seq(x, "[", "]", false)
	case jelly.Tuple:
		p.seq(x, "(", ")", true)
	case jelly.Set:
		if len(x) == 0 {
			p.b.WriteString("set()")
			return
		}
		p.sortedSeq(x, "{", "}")
	case jelly.FrozenSet:
		if len(x) == 0 {
			p.b.WriteString("frozenset()")
			return
		}
		p.sortedSeq(x, "frozenset({", "})")
	case *jelly.Dict:
		p.dict(x)
	case *pb.RemoteReference:
		p.b.WriteString(x.String()) // pb prints it as Python's repr
	case *pb.CopiedFailure:
		// repr of the exception a CopiedFailure stands for is not available in Python
		// either; Python shows the failure.
		p.b.WriteString("<twisted.spread.pb.CopiedFailure " + x.Type + ": " + x.Value + ">")
	case *failure.Failure:
		p.b.WriteString("<twisted.python.failure.Failure " + failureTypeName(x) + ": " + x.ErrorMessage() + ">")
	default:
		p.other(v)
	}
}

func (p *printer) enter(v any) bool {
	a := address(v)
	if a == 0 {
		return true
	}
	if p.seen[a] {
		return false
	}
	p.seen[a] = true
	return true
}

func (p *printer) leave(v any) { delete(p.seen, address(v)) }

func (p *printer) seq(items []any, open, close string, tuple bool) {
	if len(items) > 0 && !p.enter(items) {
		p.b.WriteString(open + "..." + close)
		return
	}
	p.b.WriteString(open)
	for i, it := range items {
		if i > 0 {
			p.b.WriteString(", ")
		}
		p.repr(it)
	}
	if tuple && len(items) == 1 {
		p.b.WriteString(",")
	}
	p.b.WriteString(close)
	if len(items) > 0 {
		p.leave(items)
	}
}

// sortedSeq prints a set. Python's order depends on hashes; sorting the reprs gives a
// stable order that matches Python's for small ints.
func (p *printer) sortedSeq(items []any, open, close string) {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = Repr(it)
	}
	sort.Strings(parts)
	p.b.WriteString(open + strings.Join(parts, ", ") + close)
}

func (p *printer) dict(d *jelly.Dict) {
	if d == nil {
		p.b.WriteString("None")
		return
	}
	if !p.enter(d) {
		p.b.WriteString("{...}")
		return
	}
	defer p.leave(d)
	p.b.WriteString("{")
	for i, it := range d.Items() {
		if i > 0 {
			p.b.WriteString(", ")
		}
		p.repr(it.Key)
		p.b.WriteString(": ")
		p.repr(it.Value)
	}
	p.b.WriteString("}")
}

// other prints values of Go types: pointers to structs as objects, slices as lists, and
// anything else with fmt.
func (p *printer) other(v any) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			p.b.WriteString("None")
			return
		}
		if rv.Elem().Kind() == reflect.Struct {
			p.b.WriteString(ObjectRepr(ClassName(rv.Elem().Type()), v))
			return
		}
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			p.b.WriteString("[]")
			return
		}
		items := make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
		p.seq(items, "[", "]", false)
		return
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.b.WriteString(strconv.FormatInt(rv.Int(), 10))
		return
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.b.WriteString(strconv.FormatUint(rv.Uint(), 10))
		return
	case reflect.String:
		p.b.WriteString(pyrepr.Str(rv.String()))
		return
	}
	fmt.Fprint(p.b, v)
}

// ClassName is the Python class name a Go type stands for: module "__main__" for package
// main (as for a class defined in the script Python runs), else the package's name.
func ClassName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "main" || pkg == "" {
		pkg = "__main__"
	}
	return pkg + "." + t.Name()
}

// Equal is Python's == on the values jelly gives: numbers compare by value (1 == 1.0 ==
// True), str and bytes never equal each other, lists and tuples compare element by
// element (a list never equals a tuple), dicts by their items, sets by their members, and
// everything else by Go's ==, which is identity for pointers.
func Equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x.Cmp(y) == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case []any:
		y, ok := b.([]any)
		return ok && equalSeq(x, y)
	case jelly.Tuple:
		y, ok := b.(jelly.Tuple)
		return ok && equalSeq(x, y)
	case jelly.Set:
		y, ok := b.(jelly.Set)
		return ok && equalMembers(x, y)
	case jelly.FrozenSet:
		y, ok := b.(jelly.FrozenSet)
		return ok && equalMembers(x, y)
	case *jelly.Dict:
		y, ok := b.(*jelly.Dict)
		if !ok || x == nil || y == nil {
			return ok && x == y
		}
		if x.Len() != y.Len() {
			return false
		}
		for _, it := range x.Items() {
			v, found := y.Get(it.Key)
			if !found || !Equal(it.Value, v) {
				return false
			}
		}
		return true
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || !ta.Comparable() {
		return false
	}
	return a == b
}

func equalSeq(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !Equal(x[i], y[i]) {
			return false
		}
	}
	return true
}

func equalMembers(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for _, a := range x {
		found := false
		for _, b := range y {
			if Equal(a, b) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// number gives the value of a Python number (bool, int or float) as a big.Float.
func number(v any) (*big.Float, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return big.NewFloat(1), true
		}
		return big.NewFloat(0), true
	case int:
		return new(big.Float).SetInt64(int64(x)), true
	case int64:
		return new(big.Float).SetInt64(x), true
	case *big.Int:
		return new(big.Float).SetInt(x), true
	case float64:
		if math.IsNaN(x) {
			return nil, false
		}
		return big.NewFloat(x), true
	}
	return nil, false
}
