package jelly

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/gotwisted/twisted/spread/banana"
)

// DefaultMaxDepth bounds nesting when jellying and unjellying. Python's own recursion
// limit stops Twisted well before this, so no real peer sends deeper trees.
const DefaultMaxDepth = 1000

// Tags as banana byte strings. They are shared by every tree the jellier builds: treat the
// []byte atoms of a jellied tree as read-only.
var (
	tagNone          = []byte("None")
	tagBoolean       = []byte("boolean")
	tagTrue          = []byte("true")
	tagFalse         = []byte("false")
	tagUnicode       = []byte("unicode")
	tagList          = []byte("list")
	tagTuple         = []byte("tuple")
	tagDictionary    = []byte("dictionary")
	tagSet           = []byte("set")
	tagFrozenSet     = []byte("frozenset")
	tagReference     = []byte("reference")
	tagDereference   = []byte("dereference")
	tagDatetime      = []byte("datetime")
	tagDate          = []byte("date")
	tagTime          = []byte("time")
	tagTimedelta     = []byte("timedelta")
	tagDecimal       = []byte("decimal")
	tagUnpersistable = []byte("unpersistable")
	tagClass         = []byte("class")
)

// Jellier turns Go values into jelly s-expressions: Twisted's _Jellier. One top-level
// Jelly call is one jelly() session: reference ids start at 1 and every shared or cyclic
// container is written once, then as ['dereference', id]. A Jellier may be reused for
// many sessions (PB keeps one per broker) but not concurrently.
type Jellier struct {
	// Invoker is handed to Jellyable values; PB puts its Broker here.
	Invoker any
	// Security decides which *Instance classes are sent in full. nil allows all, like the
	// bare jelly() function (Twisted's DummySecurityOptions).
	Security *SecurityOptions
	// Registry supplies wire class names for Go types registered with
	// SetUnjellyableForClass (consulted before DefaultRegistry). May be nil.
	Registry *Registry
	// MaxDepth bounds nesting; 0 means DefaultMaxDepth.
	MaxDepth int

	// SizeLimit caps lists and strings in AppendJelly; 0 means banana.SizeLimit.
	SizeLimit int

	// JellyForValue, when set, is offered each value that reaches the Jellyable check
	// (everything but the atoms and fixed types of the mapping table: containers,
	// pointers, structs, named types), before that check, with the value exactly as it
	// was given. That is what a Jellyable method promoted from an embedded field cannot
	// see: its receiver is the embedded field, not the user's value around it. Returning
	// ok true makes sexp the node of v, built as a JellyFor result is (the same depth
	// limit and panic guard, and the same reference tracking: a value already jellied in
	// this session has become a dereference before the hook is asked). Returning ok false
	// lets jelly carry on as if there were no hook, so a hook may also just take note of
	// v: PB's broker notes which of the user's values embeds a pb.Referenceable, Viewable
	// or Cacheable, whose promoted JellyFor jelly calls next.
	JellyForValue func(j *Jellier, v any) (sexp any, ok bool, err error)

	depth int
	refID int
	tr    tracker
	late  int // number of objects cooked after their node was finished

	// fused encoder state (AppendJelly)
	fused     bool
	dialect   banana.Dialect
	tok       *tokens
	inserts   []insertion
	treeNodes map[*any]objKey // tree nodes built by JellyFor, awaiting their byte offset
}

// Jelly returns the s-expression for obj. Called by a Jellyable's JellyFor, it jellies a
// part of the current session; called from outside, it starts a new session.
func (j *Jellier) Jelly(obj any) (any, error) {
	if j.depth > 0 {
		return j.jelly(obj)
	}
	j.reset()
	x, err := j.jelly(obj)
	if err == nil && j.late > 0 {
		x = j.fixLate(x)
	}
	j.reset()
	return x, err
}

func (j *Jellier) reset() {
	j.depth, j.refID, j.late = 0, 0, 0
	j.tr.reset()
	j.fused = false
	j.inserts = j.inserts[:0]
	if j.treeNodes != nil {
		clear(j.treeNodes)
	}
}

func (j *Jellier) maxDepth() int {
	if j.MaxDepth > 0 {
		return j.MaxDepth
	}
	return DefaultMaxDepth
}

// Prepare registers obj as under construction, Twisted's jellier.prepare: a reference to
// obj met before Preserve becomes a cycle back-reference.
func (j *Jellier) Prepare(obj any) {
	if k, ok := identity(obj); ok {
		j.tr.add(k)
	}
}

// Preserve records sexp as obj's node, Twisted's jellier.preserve. If obj was referenced
// from inside itself, it returns ['reference', id, sexp]; otherwise sexp itself (which a
// later reference to obj will wrap the same way).
func (j *Jellier) Preserve(obj any, sexp []any) any {
	k, ok := identity(obj)
	if !ok {
		return sexp
	}
	t := j.tr.get(k)
	if t == nil {
		return sexp
	}
	if cap(sexp) == 0 {
		sexp = make([]any, 0, 1) // give the node an identity of its own
	}
	t.done = true
	if t.id != 0 {
		t.sexp = nil
		return []any{tagReference, int64(t.id), sexp}
	}
	t.sexp = sexp
	j.noteTreeNode(t, sexp)
	return sexp
}

// noteTreeNode remembers, in fused mode, which track a finished tree node belongs to, so
// the encoder can learn its byte offset when it writes it.
func (j *Jellier) noteTreeNode(t *track, sexp []any) {
	if !j.fused {
		return
	}
	if j.treeNodes == nil {
		j.treeNodes = make(map[*any]objKey)
	}
	j.treeNodes[unsafe.SliceData(sexp)] = t.key
}

// checkMutable returns the dereference node for an object already seen in this session,
// assigning its reference id on the first repeat (Twisted's _checkMutable and _cook).
func (j *Jellier) checkMutable(k objKey) []any {
	t := j.tr.get(k)
	if t == nil {
		return nil
	}
	j.cook(t)
	return []any{tagDereference, int64(t.id)}
}

// cook gives a repeated object its reference id. Its first node must then become
// ['reference', id, node]: a node already written by the fused encoder gets the header
// inserted at its offset, a finished tree node is wrapped at the end (fixLate) or when the
// fused encoder reaches it, and a node still under construction is wrapped by pres.
func (j *Jellier) cook(t *track) {
	if t.id != 0 {
		return
	}
	j.refID++
	t.id = j.refID
	switch {
	case t.off >= 0:
		j.inserts = append(j.inserts, insertion{off: t.off, depth: t.depth, id: t.id})
	case t.done:
		j.late++
	}
}

// JellyInstance is the default Jellyable.jellyFor: [class, jelly(state)] with obj tracked
// for shared and cyclic references.
func (j *Jellier) JellyInstance(obj any, class string, state any) (any, error) {
	j.Prepare(obj)
	s, err := j.jelly(state)
	if err != nil {
		return nil, err
	}
	return j.Preserve(obj, []any{[]byte(class), s}), nil
}

// Unpersistable returns ['unpersistable', reason], Twisted's jellier.unpersistable.
func (j *Jellier) Unpersistable(reason string) []any {
	return []any{tagUnpersistable, []byte(reason)}
}

func (j *Jellier) jelly(obj any) (any, error) {
	switch v := obj.(type) {
	case nil:
		return []any{tagNone}, nil
	case bool:
		if v {
			return []any{tagBoolean, tagTrue}, nil
		}
		return []any{tagBoolean, tagFalse}, nil
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	case float64:
		return v, nil
	case []byte:
		return v, nil
	case string:
		if !utf8.ValidString(v) {
			return nil, newError(ErrNotJellyable, "string is not valid UTF-8: "+strconv.Quote(v))
		}
		return []any{tagUnicode, []byte(v)}, nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint:
		return uintValue(uint64(v)), nil
	case uint64:
		return uintValue(v), nil
	case float32:
		return float64(v), nil
	case *big.Int:
		if v == nil {
			return []any{tagNone}, nil
		}
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return v, nil
	case time.Time:
		return []any{tagDatetime, []byte(datetimeString(v))}, nil
	case Date:
		return []any{tagDate, []byte(strconv.Itoa(v.Year) + " " + strconv.Itoa(v.Month) + " " + strconv.Itoa(v.Day))}, nil
	case Time:
		return []any{tagTime, []byte(timeString(v))}, nil
	case TimeDelta:
		return []any{tagTimedelta, []byte(timedeltaString(v))}, nil
	case time.Duration:
		return []any{tagTimedelta, []byte(timedeltaString(NewTimeDelta(v)))}, nil
	case Decimal:
		return decimalNode(v)
	case *Decimal:
		if v == nil {
			return []any{tagNone}, nil
		}
		return decimalNode(*v)
	case *Unpersistable:
		if v == nil {
			return []any{tagNone}, nil
		}
		return j.Unpersistable(v.Reason), nil
	case *Dereference:
		return nil, newError(ErrUndefinedReference, "cannot jelly an unresolved dereference")
	case Class:
		return []any{tagClass, []byte(v)}, nil
	}
	// Everything below is a container or an object: tracked for references, and nested.
	k, tracked := identity(obj)
	if tracked {
		if ref := j.checkMutable(k); ref != nil {
			return ref, nil
		}
	}
	if err := j.enter(); err != nil {
		return nil, err
	}
	if j.JellyForValue != nil {
		if x, ok, err := j.offer(obj); ok || err != nil {
			j.leave()
			return x, err
		}
	}
	if jl, ok := obj.(Jellyable); ok {
		x, err := guard("JellyFor", func() (any, error) { return jl.JellyFor(j) })
		j.leave()
		return x, err
	}
	x, err := j.container(obj, k, tracked)
	j.leave()
	return x, err
}

// offer calls the JellyForValue hook, turning a panic into ErrHookPanic.
func (j *Jellier) offer(obj any) (x any, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, ok, err = nil, false, newError(ErrHookPanic, fmt.Sprintf("JellyForValue: %v", r))
		}
	}()
	return j.JellyForValue(j, obj)
}

// container jellies the tracked kinds: containers and objects.
func (j *Jellier) container(obj any, k objKey, tracked bool) (any, error) {
	switch v := obj.(type) {
	case []any:
		return j.seq(k, tracked, tagList, v)
	case Tuple:
		return j.seq(k, tracked, tagTuple, v)
	case Set:
		return j.seq(k, tracked, tagSet, v)
	case FrozenSet:
		return j.seq(k, tracked, tagFrozenSet, v)
	case *Dict:
		if v == nil {
			return []any{tagNone}, nil
		}
		j.prep(k, tracked)
		items := v.Items()
		sxp := make([]any, 1, 1+len(items))
		sxp[0] = tagDictionary
		for _, it := range items {
			kx, err := j.jelly(it.Key)
			if err != nil {
				return nil, err
			}
			vx, err := j.jelly(it.Value)
			if err != nil {
				return nil, err
			}
			sxp = append(sxp, []any{kx, vx})
		}
		return j.pres(k, tracked, sxp), nil
	case *Instance:
		if v == nil {
			return []any{tagNone}, nil
		}
		j.prep(k, tracked)
		var sxp []any
		if j.Security == nil || j.Security.IsClassAllowed(v.Class) {
			s, err := j.jelly(v.State)
			if err != nil {
				return nil, err
			}
			sxp = []any{[]byte(v.Class), s}
		} else {
			sxp = j.Unpersistable("instance of class " + v.Class + " deemed insecure")
		}
		return j.pres(k, tracked, sxp), nil
	}
	return j.reflectValue(obj, k, tracked)
}

func (j *Jellier) enter() error {
	j.depth++
	if j.depth > j.maxDepth() {
		j.depth--
		return newError(ErrTooDeep, "more than "+strconv.Itoa(j.maxDepth())+" levels")
	}
	return nil
}

func (j *Jellier) leave() { j.depth-- }

func (j *Jellier) prep(k objKey, tracked bool) {
	if tracked {
		j.tr.add(k)
	}
}

func (j *Jellier) pres(k objKey, tracked bool, sxp []any) any {
	if !tracked {
		return sxp
	}
	t := j.tr.get(k)
	t.done = true
	if t.id != 0 {
		return []any{tagReference, int64(t.id), sxp}
	}
	t.sexp = sxp
	j.noteTreeNode(t, sxp)
	return sxp
}

func (j *Jellier) seq(k objKey, tracked bool, tag []byte, v []any) (any, error) {
	j.prep(k, tracked)
	sxp := make([]any, 1+len(v))
	sxp[0] = tag
	for i, e := range v {
		x, err := j.jelly(e)
		if err != nil {
			return nil, err
		}
		sxp[i+1] = x
	}
	return j.pres(k, tracked, sxp), nil
}

// reflectValue handles typed slices, arrays, maps, and Go types with a class name.
func (j *Jellier) reflectValue(obj any, k objKey, tracked bool) (any, error) {
	rv := reflect.ValueOf(obj)
	if name := j.classNameOf(obj, rv.Type()); name != "" {
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return []any{tagNone}, nil
		}
		j.prep(k, tracked)
		state, err := j.stateOf(obj, rv)
		if err != nil {
			return nil, err
		}
		s, err := j.jelly(state)
		if err != nil {
			return nil, err
		}
		return j.pres(k, tracked, []any{[]byte(name), s}), nil
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return rv.Bytes(), nil
		}
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return []any{tagNone}, nil
		}
		j.prep(k, tracked)
		n := rv.Len()
		sxp := make([]any, 1+n)
		sxp[0] = tagList
		for i := 0; i < n; i++ {
			x, err := j.jelly(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			sxp[i+1] = x
		}
		return j.pres(k, tracked, sxp), nil
	case reflect.Map:
		if rv.IsNil() {
			return []any{tagNone}, nil
		}
		j.prep(k, tracked)
		sxp := make([]any, 1, 1+rv.Len())
		sxp[0] = tagDictionary
		it := rv.MapRange()
		for it.Next() {
			kx, err := j.jelly(it.Key().Interface())
			if err != nil {
				return nil, err
			}
			vx, err := j.jelly(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			sxp = append(sxp, []any{kx, vx})
		}
		return j.pres(k, tracked, sxp), nil
	case reflect.Pointer:
		if rv.IsNil() {
			return []any{tagNone}, nil
		}
	case reflect.Bool:
		return j.jelly(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintValue(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		return j.jelly(rv.String())
	case reflect.Interface:
		return j.jelly(rv.Elem().Interface())
	}
	return nil, newError(ErrUnsupportedType, "cannot jelly "+rv.Type().String()+
		"; give the type a JellyClassName method, register it, or implement Jellyable")
}

// classNameOf returns the wire class name of a Go value, or "".
func (j *Jellier) classNameOf(obj any, t reflect.Type) string {
	if cn, ok := obj.(ClassNamer); ok {
		return cn.JellyClassName()
	}
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if base.Kind() != reflect.Struct {
		return ""
	}
	if n := j.Registry.nameOf(base); n != "" {
		return n
	}
	return DefaultRegistry.nameOf(base)
}

// stateOf returns the state to send for a class instance.
func (j *Jellier) stateOf(obj any, rv reflect.Value) (any, error) {
	if g, ok := obj.(StateGetter); ok {
		return guard("GetStateFor", func() (any, error) { return g.GetStateFor(j) })
	}
	if g, ok := obj.(CopyableStateGetter); ok {
		return guard("GetStateToCopy", g.GetStateToCopy)
	}
	return StructState(obj)
}

// StructState returns the default state of a struct (or pointer to struct): a *Dict of its
// exported fields in declaration order, keyed by text (Python attribute names). A field's
// name is its `jelly:"name"` tag, else the Go name with its first letter lowered; a tag
// of "-" skips the field.
func StructState(obj any) (*Dict, error) {
	rv := reflect.ValueOf(obj)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, newError(ErrUnsupportedType, "nil pointer has no state")
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, newError(ErrUnsupportedType, "no default state for "+rv.Type().String())
	}
	fields := structFields(rv.Type())
	d := NewDict(len(fields))
	for _, f := range fields {
		d.items = append(d.items, DictItem{f.name, rv.FieldByIndex(f.index).Interface()})
		d.keys = append(d.keys, f.name)
	}
	return d, nil
}

type fieldInfo struct {
	name  string
	index []int
}

func structFields(t reflect.Type) []fieldInfo {
	if c, ok := fieldCache.Load(t); ok {
		return c.([]fieldInfo)
	}
	var out []fieldInfo
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := f.Tag.Get("jelly")
		if name == "-" {
			continue
		}
		if name == "" {
			r, size := utf8.DecodeRuneInString(f.Name)
			name = strings.ToLower(string(r)) + f.Name[size:]
		}
		out = append(out, fieldInfo{name, f.Index})
	}
	fieldCache.Store(t, out)
	return out
}

func uintValue(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return new(big.Int).SetUint64(u)
}

func decimalNode(d Decimal) (any, error) {
	var c any = int64(0)
	if d.Coefficient != nil {
		if d.Coefficient.IsInt64() {
			c = d.Coefficient.Int64()
		} else {
			c = new(big.Int).Set(d.Coefficient)
		}
	}
	return []any{tagDecimal, c, d.Exponent}, nil
}

func datetimeString(t time.Time) string {
	b := make([]byte, 0, 32)
	b = strconv.AppendInt(b, int64(t.Year()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.Month()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.Day()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.Hour()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.Minute()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.Second()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.Nanosecond()/1000), 10)
	return string(b)
}

func timeString(t Time) string {
	return strconv.Itoa(t.Hour) + " " + strconv.Itoa(t.Minute) + " " + strconv.Itoa(t.Second) + " " + strconv.Itoa(t.Microsecond)
}

func timedeltaString(t TimeDelta) string {
	return strconv.FormatInt(t.Days, 10) + " " + strconv.FormatInt(t.Seconds, 10) + " " + strconv.FormatInt(t.Microseconds, 10)
}

// fixLate wraps the nodes of objects first referenced again after their node was
// finished: their first occurrence becomes ['reference', id, node]. Go slices cannot be
// rewritten in place as Python lists are, so the finished tree is patched in one pass.
func (j *Jellier) fixLate(root any) any {
	want := make(map[*any]int64, j.late)
	for i := range j.tr.items {
		t := &j.tr.items[i]
		if t.id != 0 && t.sexp != nil {
			want[unsafe.SliceData(t.sexp)] = int64(t.id)
		}
	}
	wrap := func(x any) (any, bool) {
		s, ok := x.([]any)
		if !ok || cap(s) == 0 {
			return x, false
		}
		if id, ok := want[unsafe.SliceData(s)]; ok {
			return []any{tagReference, id, s}, true
		}
		return x, false
	}
	root, _ = wrap(root)
	stack := []any{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s, ok := n.([]any)
		if !ok {
			continue
		}
		for i, e := range s {
			if w, ok := wrap(e); ok {
				s[i] = w
			}
			if _, ok := e.([]any); ok {
				stack = append(stack, e)
			}
		}
	}
	return root
}
