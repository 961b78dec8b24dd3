package jelly

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Tuple is a Python tuple: ['tuple', ...] on the wire.
type Tuple []any

// Set is a Python set: ['set', ...]. Elements keep the order they had on the wire (Python
// sends them in its set iteration order), so a received set re-encodes byte for byte.
type Set []any

// FrozenSet is a Python frozenset: ['frozenset', ...].
type FrozenSet []any

// Contains reports whether s has an element equal to x (Python equality: 1 == 1.0 ==
// True, b"a" != "a").
func (s Set) Contains(x any) bool { return containsKey(s, x) }

// Contains reports whether s has an element equal to x.
func (s FrozenSet) Contains(x any) bool { return containsKey(s, x) }

func containsKey(s []any, x any) bool {
	k, err := hashKey(x)
	if err != nil {
		return false
	}
	for _, e := range s {
		if ek, err := hashKey(e); err == nil && ek == k {
			return true
		}
	}
	return false
}

// DictItem is one key/value pair of a Dict.
type DictItem struct {
	Key, Value any
}

// Dict is a Python dict with its insertion order, which jelly preserves on the wire. Keys
// follow Python's rules: str (string), bytes ([]byte), numbers (1, 1.0 and true are the
// same key), None, Tuple, FrozenSet and pointers are hashable; []any, *Dict and Set are
// not. The zero value is an empty dict ready to use. A Dict is not safe for concurrent
// mutation.
type Dict struct {
	items []DictItem
	keys  []any       // hashKey of each item's key
	index map[any]int // hashKey -> position; built on demand (see find)
	scans int         // lookups made by linear scan while there is no index
	dirty bool        // items may hold duplicate keys (appended by the unjellier)
}

// NewDict returns an empty Dict with room for n items.
func NewDict(n int) *Dict {
	return &Dict{items: make([]DictItem, 0, n), keys: make([]any, 0, n)}
}

// DictOf builds a Dict from alternating keys and values: DictOf("a", 1, "b", 2).
// It panics if kvs has odd length or an unhashable key, like a composite literal would
// fail to compile.
func DictOf(kvs ...any) *Dict {
	if len(kvs)%2 != 0 {
		panic("jelly.DictOf: odd number of arguments")
	}
	d := NewDict(len(kvs) / 2)
	for i := 0; i < len(kvs); i += 2 {
		if err := d.Set(kvs[i], kvs[i+1]); err != nil {
			panic("jelly.DictOf: " + err.Error())
		}
	}
	return d
}

// Len returns the number of items.
func (d *Dict) Len() int {
	d.normalize()
	return len(d.items)
}

// Items returns the items in insertion order. The slice belongs to the Dict: do not
// modify it, and do not keep it across mutations.
func (d *Dict) Items() []DictItem {
	d.normalize()
	return d.items
}

// Get returns the value stored under key.
func (d *Dict) Get(key any) (any, bool) {
	k, err := hashKey(key)
	if err != nil {
		return nil, false
	}
	if i, ok := d.find(k); ok {
		return d.items[i].Value, true
	}
	return nil, false
}

// Set stores value under key, keeping the key's original position when it exists. It
// fails with ErrUnhashable when key cannot be a Python dict key.
func (d *Dict) Set(key, value any) error {
	k, err := hashKey(key)
	if err != nil {
		return err
	}
	if i, ok := d.find(k); ok {
		d.items[i].Value = value
		return nil
	}
	d.items = append(d.items, DictItem{key, value})
	d.keys = append(d.keys, k)
	if d.index != nil {
		d.index[k] = len(d.items) - 1
	}
	return nil
}

// Delete removes key and reports whether it was present.
func (d *Dict) Delete(key any) bool {
	k, err := hashKey(key)
	if err != nil {
		return false
	}
	i, ok := d.find(k)
	if !ok {
		return false
	}
	d.items = slices.Delete(d.items, i, i+1)
	d.keys = slices.Delete(d.keys, i, i+1)
	d.index = nil
	return true
}

// String formats the dict like Python's repr, for debugging.
func (d *Dict) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, it := range d.Items() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v: %v", it.Key, it.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// appendRaw adds a pair without looking for an existing key. The unjellier appends a
// whole dictionary this way and then calls checkDuplicates: duplicates are folded the way
// Python folds them (first position, last value) on first access.
func (d *Dict) appendRaw(key, value, hk any) {
	d.items = append(d.items, DictItem{key, value})
	d.keys = append(d.keys, hk)
	d.index = nil
}

// find returns the position of hash key k. A dict that is only looked up a few times
// (a received dict whose caller reads a key or two) is scanned; the index, a map, is
// built once the scans have cost about as much as building it.
func (d *Dict) find(k any) (int, bool) {
	d.normalize()
	if d.index == nil && len(d.items) > 8 {
		if d.scans++; d.scans > 8 {
			d.buildIndex()
		}
	}
	if d.index != nil {
		i, ok := d.index[k]
		return i, ok
	}
	for i, ik := range d.keys {
		if ik == k {
			return i, true
		}
	}
	return 0, false
}

// dupSeed hashes keys for the duplicate check.
var dupSeed = maphash.MakeSeed()

// maxDupFilter bounds the dictionaries checkDuplicates filters (and the memory of its
// table); larger ones are simply marked for folding.
const maxDupFilter = 4096

// checkDuplicates decides whether a dictionary the unjellier just filled may hold a key
// twice, so that only then its first access folds it (which takes a map). Small
// dictionaries compare their keys pairwise; larger ones with text or integer keys pass
// them through a table of hashes (scratch, reused), where an equal hash, rare by chance,
// merely means folding. Other keys, and very large dictionaries, are folded.
func (d *Dict) checkDuplicates(scratch *[]uint64) {
	n := len(d.keys)
	d.dirty = false
	if n <= 8 {
		for i := 1; i < n; i++ {
			for j := 0; j < i; j++ {
				if d.keys[i] == d.keys[j] {
					d.dirty = true
					return
				}
			}
		}
		return
	}
	if n > maxDupFilter {
		d.dirty = true
		return
	}
	size := 32
	for size < 2*n {
		size *= 2
	}
	if cap(*scratch) < size {
		*scratch = make([]uint64, size)
	}
	slots := (*scratch)[:size]
	clear(slots)
	mask := uint64(size - 1)
	for _, k := range d.keys {
		var h uint64
		switch v := k.(type) {
		case string:
			h = maphash.String(dupSeed, v)
		case int64:
			h = uint64(v) * 0x9E3779B97F4A7C15
			h ^= h >> 29
		default:
			d.dirty = true
			return
		}
		h |= 1 // 0 marks an empty slot
		for i := h & mask; ; i = (i + 1) & mask {
			if slots[i] == 0 {
				slots[i] = h
				break
			}
			if slots[i] == h {
				d.dirty = true
				return
			}
		}
	}
}

func (d *Dict) buildIndex() {
	d.index = make(map[any]int, len(d.items))
	for i, k := range d.keys {
		d.index[k] = i
	}
}

// normalize folds duplicate keys: the first occurrence keeps its position and takes the
// last value, as a Python dict built by successive assignments does.
func (d *Dict) normalize() {
	if !d.dirty {
		return
	}
	d.dirty = false
	seen := make(map[any]int, len(d.items))
	out := 0
	for i := range d.items {
		k := d.keys[i]
		if j, ok := seen[k]; ok {
			d.items[j].Value = d.items[i].Value
			continue
		}
		seen[k] = out
		d.items[out] = d.items[i]
		d.keys[out] = k
		out++
	}
	clear(d.items[out:])
	d.items = d.items[:out]
	d.keys = d.keys[:out]
	d.index = seen
}

// Date is a Python datetime.date: ['date', 'Y M D'].
type Date struct {
	Year, Month, Day int
}

// Time is a naive Python datetime.time: ['time', 'h m s us'].
type Time struct {
	Hour, Minute, Second, Microsecond int
}

// TimeDelta is a Python datetime.timedelta in its normalized form: ['timedelta',
// 'days seconds microseconds'] with 0 <= Seconds < 86400 and 0 <= Microseconds < 10**6.
// A time.Duration given to the jellier is converted to this form (nanoseconds dropped).
type TimeDelta struct {
	Days, Seconds, Microseconds int64
}

// NewTimeDelta normalizes d the way Python's timedelta constructor does.
func NewTimeDelta(d time.Duration) TimeDelta {
	us := d.Microseconds()
	days := floorDiv(us, 86400e6)
	us -= days * 86400e6
	return TimeDelta{Days: days, Seconds: us / 1e6, Microseconds: us % 1e6}
}

// Duration returns the delta as a time.Duration, saturating beyond ±292 years.
func (t TimeDelta) Duration() time.Duration {
	us := new(big.Int).SetInt64(t.Days)
	us.Mul(us, big.NewInt(86400e6))
	us.Add(us, big.NewInt(t.Seconds*1e6+t.Microseconds))
	us.Mul(us, big.NewInt(1000))
	if !us.IsInt64() {
		if us.Sign() < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return time.Duration(us.Int64())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Decimal is a finite Python decimal.Decimal: Coefficient × 10**Exponent, sent as
// ['decimal', coefficient, exponent]. As in Twisted, the sign of a zero is not sent.
type Decimal struct {
	Coefficient *big.Int
	Exponent    int64
}

// ParseDecimal parses a decimal literal such as "9.95", "-78.901" or "1E+3" into the
// coefficient and exponent Python's Decimal would have.
func ParseDecimal(s string) (Decimal, error) {
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 64)
		if err != nil {
			return Decimal{}, newError(ErrMalformed, "bad decimal "+strconv.Quote(s))
		}
		mant, exp = s[:i], e
	}
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		exp -= int64(len(mant) - i - 1)
		mant = mant[:i] + mant[i+1:]
	}
	c, ok := new(big.Int).SetString(mant, 10)
	if !ok {
		return Decimal{}, newError(ErrMalformed, "bad decimal "+strconv.Quote(s))
	}
	return Decimal{Coefficient: c, Exponent: exp}, nil
}

// String formats the decimal in scientific notation when the exponent is positive
// (like Python's "1E+3") and in plain notation otherwise.
func (d Decimal) String() string {
	c := d.Coefficient
	if c == nil {
		c = new(big.Int)
	}
	digits := new(big.Int).Abs(c).String()
	sign := ""
	if c.Sign() < 0 {
		sign = "-"
	}
	if d.Exponent > 0 {
		return sign + digits + "E+" + strconv.FormatInt(d.Exponent, 10)
	}
	if d.Exponent == 0 {
		return sign + digits
	}
	n := int(-d.Exponent)
	for len(digits) <= n {
		digits = "0" + digits
	}
	return sign + digits[:len(digits)-n] + "." + digits[len(digits)-n:]
}

// Unpersistable is jelly.Unpersistable: something the sender could not or would not
// serialize. ['unpersistable', reason] on the wire; Reason holds the reason's bytes as
// sent (Python's repr adds "Unpersistable data: b'...'", Go keeps the raw text).
type Unpersistable struct {
	Reason string
}

func (u *Unpersistable) String() string { return "Unpersistable(" + strconv.Quote(u.Reason) + ")" }

// Instance is an instance of a class that has no Go type registered for it, received or
// sent as [Class, state]. The unjellier produces it only when the SecurityOptions allow the
// class (AllowInstancesOf("mod.Class") or Insecure()); the jellier sends it as such when
// the class is allowed and as ['unpersistable', ...] otherwise, as Twisted does for plain
// objects.
type Instance struct {
	Class string
	State any
}

// Dereference stands for a ['dereference', id] whose target is still being built. It only
// appears inside values a registered UnjellyFunc or factory sees before the reference
// completes; the unjellier replaces it everywhere it can track (lists, tuples, sets,
// dicts) once the target exists.
type Dereference struct {
	ID any
	e  *refEntry
}

// hashKey maps a value to a comparable Go value that is equal exactly when the Python
// values are equal and hashable.
func hashKey(x any) (any, error) {
	switch v := x.(type) {
	case string, int64:
		return x, nil
	case []byte:
		return bytesKey(v), nil
	case nil:
		return noneKey{}, nil
	case bool:
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
		return bigKey(strconv.FormatUint(v, 10)), nil
	case float64:
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), nil
		}
		return v, nil
	case *big.Int:
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return bigKey(v.String()), nil
	case Tuple:
		var b strings.Builder
		b.WriteString("(")
		for _, e := range v {
			k, err := hashKey(e)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "%T:%v,", k, k)
		}
		return compositeKey(b.String()), nil
	case FrozenSet:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			k, err := hashKey(e)
			if err != nil {
				return nil, err
			}
			parts = append(parts, fmt.Sprintf("%T:%v", k, k))
		}
		slices.Sort(parts)
		parts = slices.Compact(parts)
		return compositeKey("frozenset(" + strings.Join(parts, ",")), nil
	case Decimal:
		return compositeKey("decimal(" + v.String()), nil
	case []any, Set, *Dict:
		return nil, newError(ErrUnhashable, fmt.Sprintf("unhashable type: %s", pyTypeName(x)))
	}
	rv := reflect.ValueOf(x)
	if !rv.Type().Comparable() {
		return nil, newError(ErrUnhashable, fmt.Sprintf("unhashable type: %T", x))
	}
	switch rv.Kind() {
	case reflect.Struct, reflect.Array, reflect.Interface:
		// Comparable types may still hold unhashable dynamic values; compare by content.
		return compositeKey(fmt.Sprintf("%T:%#v", x, x)), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u), nil
		}
	case reflect.String:
		return rv.String(), nil
	}
	return x, nil
}

type (
	bytesKey     string
	bigKey       string
	compositeKey string
	noneKey      struct{}
)

func pyTypeName(x any) string {
	switch x.(type) {
	case []any:
		return "list"
	case Set:
		return "set"
	case *Dict:
		return "dict"
	}
	return fmt.Sprintf("%T", x)
}
