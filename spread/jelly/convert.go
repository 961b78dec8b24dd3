package jelly

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"time"
)

// Convert stores the unjellied value src into *dst (dst must be a non-nil pointer),
// converting between the jelly mapping and ordinary Go types: int64 into any integer kind
// (range-checked), numbers into floats, []any/Tuple/Set/FrozenSet into slices and arrays,
// *Dict into maps and structs, string and []byte into each other, TimeDelta into
// time.Duration, *Instance into structs, nil into pointers, slices, maps and interfaces.
// PB uses it to fit remote arguments into Go method parameters. Failures wrap
// ErrCannotConvert and name the path of the offending element.
func Convert(dst any, src any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return newError(ErrCannotConvert, fmt.Sprintf("destination %T is not a non-nil pointer", dst))
	}
	return convertInto(rv.Elem(), src, "")
}

// ConvertTo returns src converted to type t, as Convert does.
func ConvertTo(src any, t reflect.Type) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	if err := convertInto(v, src, ""); err != nil {
		return reflect.Value{}, err
	}
	return v, nil
}

var (
	typeTime      = reflect.TypeOf(time.Time{})
	typeDuration  = reflect.TypeOf(time.Duration(0))
	typeBigInt    = reflect.TypeOf(big.Int{})
	typeBigIntPtr = reflect.TypeOf((*big.Int)(nil))
)

func convErr(path string, src any, dst reflect.Type) error {
	if path == "" {
		path = "value"
	}
	return newError(ErrCannotConvert, fmt.Sprintf("%s: cannot use %s as %v", path, atomType(src), dst))
}

func convertInto(dst reflect.Value, src any, path string) error {
	t := dst.Type()
	if src == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			dst.SetZero()
			return nil
		}
		return convErr(path, src, t)
	}
	sv := reflect.ValueOf(src)
	if sv.Type().AssignableTo(t) {
		dst.Set(sv)
		return nil
	}
	switch t {
	case typeDuration:
		if td, ok := src.(TimeDelta); ok {
			dst.SetInt(int64(td.Duration()))
			return nil
		}
	case typeBigIntPtr:
		if i, ok := src.(int64); ok {
			dst.Set(reflect.ValueOf(big.NewInt(i)))
			return nil
		}
	case typeBigInt:
		switch v := src.(type) {
		case int64:
			dst.Set(reflect.ValueOf(*big.NewInt(v)))
			return nil
		case *big.Int:
			dst.Set(reflect.ValueOf(*new(big.Int).Set(v)))
			return nil
		}
	case typeTime:
		return convErr(path, src, t)
	}
	switch t.Kind() {
	case reflect.Interface:
		if sv.Type().Implements(t) {
			dst.Set(sv)
			return nil
		}
	case reflect.Bool:
		if b, ok := src.(bool); ok {
			dst.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := src.(int64)
		if !ok {
			if b, isBig := src.(*big.Int); isBig && b.IsInt64() {
				i, ok = b.Int64(), true
			}
		}
		if ok {
			if dst.OverflowInt(i) {
				return newError(ErrCannotConvert, fmt.Sprintf("%s: %d overflows %v", orValue(path), i, t))
			}
			dst.SetInt(i)
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var u uint64
		ok := false
		switch v := src.(type) {
		case int64:
			u, ok = uint64(v), v >= 0
		case *big.Int:
			u, ok = v.Uint64(), v.IsUint64()
		}
		if ok {
			if dst.OverflowUint(u) {
				return newError(ErrCannotConvert, fmt.Sprintf("%s: %d overflows %v", orValue(path), u, t))
			}
			dst.SetUint(u)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		switch v := src.(type) {
		case float64:
			dst.SetFloat(v)
			return nil
		case int64:
			dst.SetFloat(float64(v))
			return nil
		case *big.Int:
			f, _ := new(big.Float).SetInt(v).Float64()
			if !math.IsInf(f, 0) {
				dst.SetFloat(f)
				return nil
			}
		}
	case reflect.String:
		switch v := src.(type) {
		case string:
			dst.SetString(v)
			return nil
		case []byte:
			dst.SetString(string(v))
			return nil
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			switch v := src.(type) {
			case []byte:
				dst.SetBytes(append([]byte(nil), v...))
				return nil
			case string:
				dst.SetBytes([]byte(v))
				return nil
			}
		}
		if elems, ok := sequence(src); ok {
			s := reflect.MakeSlice(t, len(elems), len(elems))
			for i, e := range elems {
				if err := convertInto(s.Index(i), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			dst.Set(s)
			return nil
		}
	case reflect.Array:
		if elems, ok := sequence(src); ok {
			if len(elems) != t.Len() {
				return newError(ErrCannotConvert, fmt.Sprintf("%s: %d elements for %v", orValue(path), len(elems), t))
			}
			for i, e := range elems {
				if err := convertInto(dst.Index(i), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			return nil
		}
	case reflect.Map:
		if d, ok := src.(*Dict); ok {
			m := reflect.MakeMapWithSize(t, d.Len())
			for _, it := range d.Items() {
				k := reflect.New(t.Key()).Elem()
				if err := convertInto(k, it.Key, path+"{key}"); err != nil {
					return err
				}
				v := reflect.New(t.Elem()).Elem()
				if err := convertInto(v, it.Value, fmt.Sprintf("%s[%v]", path, it.Key)); err != nil {
					return err
				}
				m.SetMapIndex(k, v)
			}
			dst.Set(m)
			return nil
		}
	case reflect.Struct:
		switch v := src.(type) {
		case *Dict:
			return setFieldsPath(dst, v, path)
		case *Instance:
			if d, ok := v.State.(*Dict); ok {
				return setFieldsPath(dst, d, path)
			}
		}
	case reflect.Pointer:
		if sv.Kind() == reflect.Pointer && sv.Type().Elem().AssignableTo(t.Elem()) {
			p := reflect.New(t.Elem())
			p.Elem().Set(sv.Elem())
			dst.Set(p)
			return nil
		}
		p := reflect.New(t.Elem())
		if err := convertInto(p.Elem(), src, path); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	return convErr(path, src, t)
}

func orValue(path string) string {
	if path == "" {
		return "value"
	}
	return path
}

func sequence(src any) ([]any, bool) {
	switch v := src.(type) {
	case []any:
		return v, true
	case Tuple:
		return v, true
	case Set:
		return v, true
	case FrozenSet:
		return v, true
	}
	return nil, false
}

// setFields is the default state setter of a registered Go type, Python's
// "__dict__ = state": each key of the state dictionary (text or bytes) names a field.
// Unknown keys are ignored; a key matches the field's jelly tag, its lowered name, or
// its name case-insensitively.
func setFields(dst reflect.Value, state any) error {
	switch s := state.(type) {
	case *Dict:
		return setFieldsPath(dst, s, "")
	case nil:
		// Python 3.11 sends ['None'] as the state of an instance with an empty __dict__.
		return nil
	}
	return newError(ErrCannotConvert, fmt.Sprintf("state of %v is %s, not a dictionary", dst.Type(), atomType(state)))
}

func setFieldsPath(dst reflect.Value, d *Dict, path string) error {
	fields := structFields(dst.Type())
	for _, it := range d.Items() {
		var name string
		switch k := it.Key.(type) {
		case string:
			name = k
		case []byte:
			name = string(k)
		default:
			continue
		}
		f := findField(fields, name)
		if f == nil {
			continue
		}
		if err := convertInto(dst.FieldByIndex(f.index), it.Value, path+"."+name); err != nil {
			return err
		}
	}
	return nil
}

func findField(fields []fieldInfo, name string) *fieldInfo {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, name) {
			return &fields[i]
		}
	}
	return nil
}
