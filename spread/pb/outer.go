package pb

import (
	"math/big"
	"reflect"
	"time"
	"unsafe"

	"github.com/gotwisted/twisted/spread/jelly"
)

// Finding the user's value behind an embedded flavor.
//
// A flavor is embedded (type Echoer struct{ pb.Root }), and jelly calls the JellyFor method
// promoted from it, whose receiver is the embedded field, not the user's *Echoer: Go
// embedding does not dispatch to the outer value. PB needs that outer value, to call its
// Remote methods later and to identify it. So before jellying, Serialize walks the value
// the way jelly will and records, for each flavored value it meets, embedded field ->
// user value; JellyFor looks itself up there.
//
// TODO(jelly): this walk disappears if the Jellier, before its Jellyable check, calls an
// optional interface with the value being jellied, for instance
//
//	type ValueJellyable interface{ JellyForValue(j *Jellier, v any) (any, error) }
//
// (v being obj itself, so a promoted method sees the user's value). Requested by the pb
// engineer; until then this file stands in for it.

type flavored interface {
	pbFlavor() any
}

func (r *Referenceable) pbFlavor() any { return r }
func (v *Viewable) pbFlavor() any      { return v }
func (c *Cacheable) pbFlavor() any     { return c }

const maxWalkDepth = 1000

type walker struct {
	b    *Broker
	seen map[uintptr]bool // containers already walked (cycles, shared values)
}

// findFlavors records every flavored value reachable from v in b.outers.
func (b *Broker) findFlavors(v any) {
	if v == nil {
		return
	}
	w := walker{b: b}
	w.walk(v, 0)
}

func (w *walker) note(inner, outer any) {
	if w.b.outers == nil {
		w.b.outers = map[any]any{}
	}
	w.b.outers[inner] = outer
}

func (w *walker) once(p unsafe.Pointer) bool {
	if p == nil {
		return true
	}
	if w.seen == nil {
		w.seen = map[uintptr]bool{}
	}
	k := uintptr(p)
	if w.seen[k] {
		return false
	}
	w.seen[k] = true
	return true
}

func (w *walker) walkSeq(s []any, depth int) {
	marked := false
	for _, x := range s {
		if isAtom(x) {
			continue
		}
		// Only a sequence that holds containers can be part of a cycle: mark it then,
		// so the common list of numbers and strings costs no bookkeeping.
		if !marked {
			if !w.once(unsafe.Pointer(unsafe.SliceData(s))) {
				return
			}
			marked = true
		}
		w.walk(x, depth+1)
	}
}

// isAtom reports the values that cannot lead to a flavored value, cheaply.
func isAtom(v any) bool {
	switch v.(type) {
	case nil, bool, int, int64, float64, string, []byte:
		return true
	}
	return false
}

func (w *walker) walk(v any, depth int) {
	if depth > maxWalkDepth {
		return // jelly reports the depth error itself
	}
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, string, []byte, *big.Int, time.Time, time.Duration,
		jelly.Date, jelly.Time, jelly.TimeDelta, jelly.Decimal, *jelly.Unpersistable,
		*RemoteReference, *CopiedFailure:
		return
	case []any:
		w.walkSeq(x, depth)
		return
	case jelly.Tuple:
		w.walkSeq(x, depth)
		return
	case jelly.Set:
		w.walkSeq(x, depth)
		return
	case jelly.FrozenSet:
		w.walkSeq(x, depth)
		return
	case *jelly.Dict:
		if x == nil || !w.once(unsafe.Pointer(x)) {
			return
		}
		for _, it := range x.Items() {
			w.walk(it.Key, depth+1)
			w.walk(it.Value, depth+1)
		}
		return
	case *jelly.Instance:
		if x != nil {
			w.walk(x.State, depth+1)
		}
		return
	case flavored:
		w.note(x.pbFlavor(), v)
		return // a Cacheable's state is walked when it is taken
	}
	// A state computed by GetStateToCopy or GetStateFor is not walked: calling it here
	// would run it twice (it may have effects, such as sending a message). Flavored
	// values inside such a state are found only if they are also reachable from the
	// value's exported fields; the jelly hook requested above lifts this limit.
	w.walkValue(reflect.ValueOf(v), depth)
}

// walkValue walks what reflection can see: the fields, elements and entries jelly will
// visit for a struct, pointer, slice, array or map.
func (w *walker) walkValue(rv reflect.Value, depth int) {
	if depth > maxWalkDepth {
		return
	}
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() || !w.once(rv.UnsafePointer()) {
			return
		}
		w.walkValue(rv.Elem(), depth+1)
	case reflect.Interface:
		if !rv.IsNil() {
			w.walkInterface(rv.Elem(), depth+1)
		}
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < rv.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && mayHoldFlavor(f.Type) {
				w.walkInterface(rv.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if rv.IsNil() || !mayHoldFlavor(rv.Type().Elem()) || !w.once(rv.UnsafePointer()) {
			return
		}
		fallthrough
	case reflect.Array:
		if !mayHoldFlavor(rv.Type().Elem()) {
			return
		}
		for i := 0; i < rv.Len(); i++ {
			w.walkInterface(rv.Index(i), depth+1)
		}
	case reflect.Map:
		if rv.IsNil() || !(mayHoldFlavor(rv.Type().Key()) || mayHoldFlavor(rv.Type().Elem())) {
			return
		}
		it := rv.MapRange()
		for it.Next() {
			w.walkInterface(it.Key(), depth+1)
			w.walkInterface(it.Value(), depth+1)
		}
	}
}

// walkInterface walks a reflected value through the type switch when it can be turned
// back into an interface (exported), else through reflection.
func (w *walker) walkInterface(rv reflect.Value, depth int) {
	if rv.CanInterface() {
		if rv.Kind() == reflect.Interface && rv.IsNil() {
			return
		}
		w.walk(rv.Interface(), depth)
		return
	}
	w.walkValue(rv, depth)
}

// mayHoldFlavor reports whether a value of type t can lead to a flavored value, so slices
// of numbers or strings are skipped at once.
func mayHoldFlavor(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String,
		reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return false
	case reflect.Array, reflect.Slice:
		return mayHoldFlavor(t.Elem())
	}
	return true
}
