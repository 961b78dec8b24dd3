package jelly

import (
	"reflect"
	"sync"
	"unsafe"
)

// objKey identifies a Go value the way Python's id() identifies an object: the address of
// its storage, plus its type (a struct and its first field share an address) and, for
// slices, its length (s[:1] and s[:2] are different lists).
type objKey struct {
	t reflect.Type
	p unsafe.Pointer
	n int
}

// identity returns the key of values that have identity: pointers, maps, and slices with
// storage. Slices without storage (cap 0) and plain values have none and are never
// shared by reference.
func identity(x any) (objKey, bool) {
	switch v := x.(type) {
	case []any:
		if cap(v) == 0 {
			return objKey{}, false
		}
		return objKey{reflect.TypeOf(x), unsafe.Pointer(unsafe.SliceData(v)), len(v)}, true
	case Tuple:
		if cap(v) == 0 {
			return objKey{}, false
		}
		return objKey{reflect.TypeOf(x), unsafe.Pointer(unsafe.SliceData(v)), len(v)}, true
	case Set:
		if cap(v) == 0 {
			return objKey{}, false
		}
		return objKey{reflect.TypeOf(x), unsafe.Pointer(unsafe.SliceData(v)), len(v)}, true
	case FrozenSet:
		if cap(v) == 0 {
			return objKey{}, false
		}
		return objKey{reflect.TypeOf(x), unsafe.Pointer(unsafe.SliceData(v)), len(v)}, true
	case *Dict:
		if v == nil {
			return objKey{}, false
		}
		return objKey{reflect.TypeOf(x), unsafe.Pointer(v), 0}, true
	case *Instance:
		if v == nil {
			return objKey{}, false
		}
		return objKey{reflect.TypeOf(x), unsafe.Pointer(v), 0}, true
	case []byte, string, nil:
		return objKey{}, false
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map:
		if rv.IsNil() {
			return objKey{}, false
		}
		return objKey{rv.Type(), rv.UnsafePointer(), 0}, true
	case reflect.Slice:
		if rv.Cap() == 0 {
			return objKey{}, false
		}
		return objKey{rv.Type(), rv.UnsafePointer(), rv.Len()}, true
	}
	return objKey{}, false
}

// track is the jellier's record of one object: whether its node is finished, the
// reference id it got on its first repeat, and its node while it may still need wrapping.
type track struct {
	key   objKey
	id    int
	done  bool
	sexp  []any // tree mode: the finished node, while a later repeat may need to wrap it
	off   int   // fused encoder: byte offset where the node starts, -1 while unknown
	depth int   // nesting depth of the node, to order insertions at one offset
}

// tracker is a small table of tracks: a linear scan while it is short (the common case,
// no hashing), a map index once it grows.
type tracker struct {
	items []track
	index map[objKey]int
}

const trackerIndexAt = 16

func (t *tracker) reset() {
	clear(t.items)
	t.items = t.items[:0]
	t.index = nil
}

func (t *tracker) get(k objKey) *track {
	if t.index != nil {
		if i, ok := t.index[k]; ok {
			return &t.items[i]
		}
		return nil
	}
	for i := range t.items {
		if t.items[i].key == k {
			return &t.items[i]
		}
	}
	return nil
}

func (t *tracker) add(k objKey) *track {
	t.items = append(t.items, track{key: k, off: -1})
	i := len(t.items) - 1
	if t.index != nil {
		t.index[k] = i
	} else if len(t.items) > trackerIndexAt {
		t.index = make(map[objKey]int, 2*len(t.items))
		for j := range t.items {
			t.index[t.items[j].key] = j
		}
	}
	return &t.items[i]
}

// fieldCache holds the exported-field layout of struct types (reflect.Type -> []fieldInfo).
var fieldCache sync.Map
