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
)

// Unjellier turns jelly s-expressions back into Go values: Twisted's _Unjellier. One
// top-level Unjelly call is one session (reference ids are local to it). An Unjellier may
// be reused for many sessions, not concurrently.
type Unjellier struct {
	// Invoker is available to registered UnjellyFuncs and types; PB puts its Broker here.
	Invoker any
	// Security is the taster. nil means GlobalSecurity (what PB uses); pass Insecure()
	// for the permissive behaviour of Twisted's bare unjelly().
	Security *SecurityOptions
	// Registry is consulted before DefaultRegistry, so per-connection registrations do
	// not leak into other connections. Tags registered here pass the type check.
	Registry *Registry
	// MaxDepth bounds nesting; 0 means DefaultMaxDepth. Deeper input fails with ErrTooDeep.
	MaxDepth int
	// PersistentLoad resolves ['persistent', pid] nodes. nil turns them into
	// &Unpersistable{"Persistent callback not found"}, as PB does.
	PersistentLoad func(pid any, u *Unjellier) (any, error)
	// SizeLimit and PrefixLimit are banana's limits (elements or bytes per list and
	// string; bytes per prefix) as UnjellyBanana and TryUnjellyBanana apply them; 0 means
	// banana.SizeLimit and banana.PrefixLimit. A receiver with other limits on its
	// connection sets the same here.
	SizeLimit, PrefixLimit int

	refs    map[any]*refEntry
	post    []PostUnjellier
	depth   int
	pendHK  any      // reference id the next container should bind to as soon as it exists
	hasPend bool     //
	open    int      // placeholders not yet resolved
	bx      ubox     // storage for boxing results (box.go)
	dups    []uint64 // scratch table of Dict.checkDuplicates
}

// refEntry is the state of one reference id.
type refEntry struct {
	val   any
	state uint8 // refPlaceholder, refEarly, refDone
	ph    *Dereference
	deps  []dependant
}

const (
	refPlaceholder = iota // dereferenced before its value exists
	refEarly              // value allocated and bound, still being filled
	refDone
)

// dependant is a slot holding a placeholder, patched when the reference completes.
type dependant struct {
	s     []any
	d     *Dict
	i     int
	isKey bool
}

// Unjelly returns the Go value for sexp. Called by an UnjellyFunc or Unjellyable, it
// unjellies a part of the current session; called from outside, it runs a new session,
// checks that every dereference was resolved and then runs the PostUnjelly hooks.
//
// Unjelly never modifies sexp, but the lists and tuples it returns may share storage with
// sexp's nodes (a ['list', 1, 2, 3] of atoms becomes a []any over the same elements), so a
// caller that keeps the result should not modify sexp afterwards.
func (u *Unjellier) Unjelly(sexp any) (any, error) {
	if u.depth > 0 {
		return u.unjelly(sexp)
	}
	u.reset()
	v, err := u.unjelly(sexp)
	if err == nil && u.open > 0 {
		err = u.unresolvedError()
	}
	post := u.post
	u.reset()
	if err != nil {
		return nil, err
	}
	for _, p := range post {
		if err := guardErr("PostUnjelly", func() error { p.PostUnjelly(); return nil }); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (u *Unjellier) reset() {
	u.bx.endSession()
	u.refs = nil
	u.post = nil
	u.depth = 0
	u.hasPend = false
	u.open = 0
}

func (u *Unjellier) unresolvedError() error {
	for _, e := range u.refs {
		if e.state == refPlaceholder {
			return newError(ErrUndefinedReference, fmt.Sprintf("['dereference', %v] never defined", e.ph.ID))
		}
	}
	return newError(ErrUndefinedReference, "unresolved dereference")
}

func (u *Unjellier) security() *SecurityOptions {
	if u.Security != nil {
		return u.Security
	}
	return GlobalSecurity
}

func (u *Unjellier) maxDepth() int {
	if u.MaxDepth > 0 {
		return u.MaxDepth
	}
	return DefaultMaxDepth
}

// bind makes obj the value of the pending reference id, if the node being built is the
// direct child of a ['reference', id, ...] node.
func (u *Unjellier) bind(hk any, has bool, obj any) {
	if !has {
		return
	}
	if u.refs == nil {
		u.refs = make(map[any]*refEntry)
	}
	e := u.refs[hk]
	if e == nil {
		u.refs[hk] = &refEntry{val: obj, state: refEarly}
		return
	}
	// A forward dereference came first: keep its dependants for completion time.
	if e.state == refPlaceholder {
		u.open--
	}
	e.val, e.state = obj, refEarly
}

func (u *Unjellier) unjelly(x any) (any, error) {
	hk, has := u.pendHK, u.hasPend
	u.hasPend = false
	l, ok := x.([]any)
	if !ok {
		return x, nil
	}
	if len(l) == 0 {
		return nil, newError(ErrMalformed, "empty list as a jelly node (IndexError)")
	}
	tag, ok := l[0].([]byte)
	if !ok {
		return nil, newError(ErrMalformed, fmt.Sprintf("jelly node tag is %s, not bytes (AttributeError)", atomType(l[0])))
	}
	u.depth++
	if u.depth > u.maxDepth() {
		u.depth--
		return nil, newError(ErrTooDeep, "more than "+strconv.Itoa(u.maxDepth())+" levels")
	}
	v, err := u.node(l, tag, hk, has)
	u.depth--
	return v, err
}

// node unjellies a list node whose tag has been read. (Split from unjelly so that
// unjelly, called for every atom, stays small.)
func (u *Unjellier) node(l []any, tag []byte, hk any, has bool) (any, error) {
	sec := u.security()
	// Fast path for jelly's own tags when no registry overrides them: one bit test for
	// the security check instead of map lookups. The order of checks is Twisted's:
	// taster, then registries, then the built-in handler.
	if code := builtinCode(tag); code >= 0 && !u.Registry.overrides(code) && !DefaultRegistry.overrides(code) {
		if !sec.allowsBuiltin(code) {
			return nil, newError(InsecureJelly, quoteBytes(tag))
		}
	} else {
		e := u.Registry.lookupBytes(tag)
		if e == nil {
			if !sec.isTagAllowedBytes(tag) {
				return nil, newError(InsecureJelly, quoteBytes(tag))
			}
			e = DefaultRegistry.lookupBytes(tag)
		}
		if e != nil {
			return u.registered(e, l, hk, has)
		}
	}
	switch string(tag) {
	case "None":
		return nil, nil
	case "unicode":
		b, err := u.atomBytes(l, 1, "unicode")
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, newError(ErrInvalidUnicode, "'utf-8' codec can't decode "+quoteBytes(b))
		}
		return u.bx.string(b), nil
	case "boolean":
		b, err := u.atomBytes(l, 1, "boolean")
		if err != nil {
			return nil, err
		}
		switch string(b) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, newError(ErrMalformed, "boolean must be true or false, not "+quoteBytes(b)+" (AssertionError)")
	case "list", "tuple":
		typ := listTypeW
		if tag[0] == 't' {
			typ = tupleTypeW
		}
		if len(l) > 1 && atomsOnly(l[1:]) {
			// Elements that are atoms unjelly to themselves: share the node's storage
			// instead of copying it (capacity capped, so appends cannot reach the node).
			v := u.bx.list(typ, l[1:len(l):len(l)])
			u.bind(hk, has, v)
			return v, nil
		}
		s := u.bx.slice(len(l)-1, max(len(l)-1, 1))
		v := u.bx.list(typ, s)
		u.bind(hk, has, v)
		return v, u.fill(s, l[1:], false)
	case "set", "frozenset":
		s := make([]any, len(l)-1, max(len(l)-1, 1))
		u.bx.owned += 16 * len(s)
		var v any = Set(s)
		if string(tag) == "frozenset" {
			v = FrozenSet(s)
		}
		u.bind(hk, has, v)
		if err := u.fill(s, l[1:], true); err != nil {
			return nil, err
		}
		if n := dedupe(s); n != len(s) {
			// Python sets fold equal elements; a shorter set is a new value.
			if string(tag) == "frozenset" {
				return FrozenSet(s[:n:n]), nil
			}
			return Set(s[:n:n]), nil
		}
		return v, nil
	case "dictionary":
		d := &Dict{items: make([]DictItem, 0, len(l)-1), keys: make([]any, 0, len(l)-1)}
		u.bx.owned += 48 * (len(l) - 1) // storage of its own (see ubox.endSession)
		u.bind(hk, has, d)
		return d, u.fillDict(d, l[1:])
	case "reference":
		return u.reference(l)
	case "dereference":
		return u.dereference(l)
	case "datetime", "date", "time", "timedelta":
		return u.timeValue(string(tag), l)
	case "decimal":
		return u.decimal(l)
	case "unpersistable":
		if len(l) < 2 {
			return nil, newError(ErrMalformed, "unpersistable without a reason (IndexError)")
		}
		if b, ok := l[1].([]byte); ok {
			return &Unpersistable{Reason: string(b)}, nil
		}
		return &Unpersistable{Reason: fmt.Sprint(l[1])}, nil
	case "persistent":
		if len(l) < 2 {
			return nil, newError(ErrMalformed, "persistent without an id (IndexError)")
		}
		if u.PersistentLoad != nil {
			return u.PersistentLoad(l[1], u)
		}
		return &Unpersistable{Reason: "Persistent callback not found"}, nil
	case "class":
		b, err := u.atomBytes(l, 1, "class")
		if err != nil {
			return nil, err
		}
		name := string(b)
		if !sec.IsModuleAllowed(moduleOf(name)) {
			return nil, newError(InsecureJelly, "module "+moduleOf(name)+" not allowed")
		}
		if !strings.Contains(name, ".") {
			// Twisted imports the module part, "": ValueError. (Letting it through would
			// also make an *Instance whose class is a jelly tag, e.g. "instance".)
			return nil, newError(ErrMalformed, "class "+strconv.Quote(name)+" has no module: Empty module name (ValueError)")
		}
		if !sec.IsClassAllowed(name) {
			return nil, newError(InsecureJelly, "class not allowed: "+name)
		}
		return Class(name), nil
	case "instance":
		if len(l) < 3 {
			return nil, newError(ErrMalformed, "instance node too short (IndexError)")
		}
		c, err := u.unjelly(l[1])
		if err != nil {
			return nil, err
		}
		cl, ok := c.(Class)
		if !ok {
			return nil, newError(InsecureJelly, "instance of something that is not a class")
		}
		return u.generic(string(cl), l[2], hk, has)
	case "module", "function", "method":
		return nil, newError(InsecureJelly, "cannot unjelly a Python "+string(tag)+" in Go")
	}
	name := string(tag)
	mod := moduleOf(name)
	if !sec.IsModuleAllowed(mod) {
		return nil, newError(InsecureJelly, "Module "+mod+" not allowed (in type "+name+").")
	}
	if !sec.IsClassAllowed(name) {
		return nil, newError(InsecureJelly, "Class "+name+" not allowed.")
	}
	if len(l) < 2 {
		return nil, newError(ErrMalformed, "instance node without state (IndexError)")
	}
	return u.generic(name, l[1], hk, has)
}

// Class is a Python class object, ['class', 'module.Name'], accepted only when the
// SecurityOptions allow that class.
type Class string

func (u *Unjellier) generic(name string, state any, hk any, has bool) (any, error) {
	in := &Instance{Class: name}
	u.bind(hk, has, in)
	s, err := u.unjelly(state)
	if err != nil {
		return nil, err
	}
	in.State = s
	return in, nil
}

// registered builds the value for a tag found in a registry (Twisted's
// unjellyableRegistry and unjellyableFactoryRegistry, in that order of precedence).
func (u *Unjellier) registered(e *regEntry, l []any, hk any, has bool) (any, error) {
	var res any
	switch {
	case e.fn != nil:
		r, err := guard("unjellier for "+quoteBytes(l[0].([]byte)), func() (any, error) { return e.fn(u, l) })
		if err != nil {
			return nil, err
		}
		res = r
	case e.factory != nil:
		if len(l) < 2 {
			return nil, newError(ErrMalformed, "factory node without state (IndexError)")
		}
		state, err := u.unjelly(l[1])
		if err != nil {
			return nil, err
		}
		if res, err = guard("factory for "+quoteBytes(l[0].([]byte)), func() (any, error) { return e.factory(state) }); err != nil {
			return nil, err
		}
	default:
		pv := reflect.New(e.typ)
		ptr := pv.Interface()
		if uj, ok := ptr.(Unjellyable); ok {
			// It may return something other than itself (RemoteCache does): no early
			// binding, references to it inside resolve through placeholders.
			r, err := guard("UnjellyFor", func() (any, error) { return uj.UnjellyFor(u, l) })
			if err != nil {
				return nil, err
			}
			res = r
			break
		}
		if len(l) < 2 {
			return nil, newError(ErrMalformed, "instance node without state (IndexError)")
		}
		if e.ptr {
			u.bind(hk, has, ptr)
		}
		state, err := u.unjelly(l[1])
		if err != nil {
			return nil, err
		}
		switch s := ptr.(type) {
		case StateSetter:
			err = guardErr("SetStateFor", func() error { return s.SetStateFor(u, state) })
		case CopyableStateSetter:
			err = guardErr("SetCopyableState", func() error { return s.SetCopyableState(state) })
		default:
			err = setFields(pv.Elem(), state)
		}
		if err != nil {
			return nil, err
		}
		if e.ptr {
			res = ptr
		} else {
			res = pv.Elem().Interface()
		}
	}
	if p, ok := res.(PostUnjellier); ok {
		u.post = append(u.post, p)
	}
	return res, nil
}

// quickTextOK reports whether ['unicode', ...] nodes one level below the current node may
// take quickText: the tag is allowed and not overridden, and the node is not too deep.
func (u *Unjellier) quickTextOK() bool {
	return u.depth < u.maxDepth() && u.security().allowsBuiltin(codeUnicode) &&
		!u.Registry.overrides(codeUnicode) && !DefaultRegistry.overrides(codeUnicode)
}

// quickText unjellies the common ['unicode', text] node with valid UTF-8 text, when
// quickTextOK, without the general machinery; ok is false for anything else (another
// node or atom, or one the general path must judge), which unjelly then takes.
func (u *Unjellier) quickText(x any) (v any, ok bool) {
	l, ok := x.([]any)
	if !ok || len(l) != 2 {
		return nil, false
	}
	if tag, ok := l[0].([]byte); !ok || string(tag) != "unicode" {
		return nil, false
	}
	b, ok := l[1].([]byte)
	if !ok || !utf8.Valid(b) {
		return nil, false
	}
	return u.bx.string(b), true
}

// element unjellies x, an element of the current node: atoms are themselves, and text
// takes quickText when text (quickTextOK) is true. (Inside a node no reference is pending,
// which is all unjelly would otherwise do for an atom.)
func (u *Unjellier) element(x any, text bool) (any, error) {
	if _, ok := x.([]any); !ok {
		return x, nil
	}
	if text {
		if v, ok := u.quickText(x); ok {
			return v, nil
		}
	}
	return u.unjelly(x)
}

// fill unjellies src into dst, recording placeholders as dependants.
func (u *Unjellier) fill(dst []any, src []any, hashable bool) error {
	text := u.quickTextOK()
	for i, x := range src {
		v, err := u.element(x, text)
		if err != nil {
			return err
		}
		dst[i] = v
		if ph, ok := v.(*Dereference); ok && ph.e != nil && ph.e.state == refPlaceholder {
			ph.e.deps = append(ph.e.deps, dependant{s: dst, i: i})
			continue
		}
		if hashable {
			if _, err := hashKey(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (u *Unjellier) fillDict(d *Dict, pairs []any) error {
	text := u.quickTextOK()
	for _, p := range pairs {
		kv, ok := p.([]any)
		if !ok || len(kv) != 2 {
			return newError(ErrMalformed, "dictionary item is not a [key, value] pair")
		}
		k, err := u.element(kv[0], text)
		if err != nil {
			return err
		}
		v, err := u.element(kv[1], text)
		if err != nil {
			return err
		}
		hk, err := hashKey(k)
		if err != nil {
			return err
		}
		d.appendRaw(k, v, hk)
		i := len(d.items) - 1
		if ph, ok := k.(*Dereference); ok && ph.e != nil && ph.e.state == refPlaceholder {
			ph.e.deps = append(ph.e.deps, dependant{d: d, i: i, isKey: true})
		}
		if ph, ok := v.(*Dereference); ok && ph.e != nil && ph.e.state == refPlaceholder {
			ph.e.deps = append(ph.e.deps, dependant{d: d, i: i})
		}
	}
	d.checkDuplicates(&u.dups)
	return nil
}

func (u *Unjellier) reference(l []any) (any, error) {
	if len(l) < 3 {
		return nil, newError(ErrMalformed, "reference node too short (IndexError)")
	}
	hk, err := hashKey(l[1])
	if err != nil {
		return nil, err
	}
	if e := u.refs[hk]; e != nil && e.state != refPlaceholder {
		return nil, newError(ErrDuplicateReference, fmt.Sprintf("Multiple references with same ID! (%v)", l[1]))
	}
	u.pendHK, u.hasPend = hk, true
	o, err := u.unjelly(l[2])
	u.hasPend = false
	if err != nil {
		return nil, err
	}
	if u.refs == nil {
		u.refs = make(map[any]*refEntry)
	}
	e := u.refs[hk]
	switch {
	case e == nil:
		u.refs[hk] = &refEntry{val: o, state: refDone}
	case e.state == refDone:
		// The same id was defined inside its own subtree.
		return nil, newError(ErrDuplicateReference, fmt.Sprintf("Multiple references with same ID! (%v)", l[1]))
	default:
		if e.state == refPlaceholder {
			u.open--
		}
		e.val, e.state = o, refDone
		for _, d := range e.deps {
			d.patch(o)
		}
		e.deps = nil
	}
	return o, nil
}

func (d dependant) patch(o any) {
	if d.s != nil {
		d.s[d.i] = o
		return
	}
	if d.isKey {
		d.d.items[d.i].Key = o
		if hk, err := hashKey(o); err == nil {
			d.d.keys[d.i] = hk
		}
	} else {
		d.d.items[d.i].Value = o
	}
	d.d.dirty = true
	d.d.index = nil
}

func (u *Unjellier) dereference(l []any) (any, error) {
	if len(l) < 2 {
		return nil, newError(ErrMalformed, "dereference node without an id (IndexError)")
	}
	hk, err := hashKey(l[1])
	if err != nil {
		return nil, err
	}
	if u.refs == nil {
		u.refs = make(map[any]*refEntry)
	}
	if e := u.refs[hk]; e != nil {
		if e.state == refPlaceholder {
			return e.ph, nil
		}
		return e.val, nil
	}
	e := &refEntry{state: refPlaceholder}
	e.ph = &Dereference{ID: l[1], e: e}
	u.refs[hk] = e
	u.open++
	return e.ph, nil
}

func (u *Unjellier) atomBytes(l []any, i int, what string) ([]byte, error) {
	if len(l) <= i {
		return nil, newError(ErrMalformed, what+" node too short (IndexError)")
	}
	b, ok := l[i].([]byte)
	if !ok {
		return nil, newError(ErrMalformed, fmt.Sprintf("%s payload is %s, not bytes (TypeError)", what, atomType(l[i])))
	}
	return b, nil
}

func (u *Unjellier) timeValue(tag string, l []any) (any, error) {
	b, err := u.atomBytes(l, 1, tag)
	if err != nil {
		return nil, err
	}
	f, err := intFields(b)
	if err != nil {
		return nil, err
	}
	bad := func() (any, error) {
		return nil, newError(ErrMalformed, fmt.Sprintf("bad %s %q (ValueError)", tag, b))
	}
	switch tag {
	case "timedelta":
		if len(f) != 3 {
			return bad()
		}
		return normalizeTimeDelta(f[0], f[1], f[2])
	case "time":
		if len(f) > 4 {
			return bad()
		}
		t := [4]int64{}
		copy(t[:], f)
		if !inRange(t[0], 0, 23) || !inRange(t[1], 0, 59) || !inRange(t[2], 0, 59) || !inRange(t[3], 0, 999999) {
			return bad()
		}
		return Time{int(t[0]), int(t[1]), int(t[2]), int(t[3])}, nil
	}
	// datetime and date
	if len(f) < 3 || (tag == "date" && len(f) != 3) || len(f) > 7 {
		return bad()
	}
	t := [7]int64{}
	copy(t[:], f)
	if !inRange(t[0], 1, 9999) || !inRange(t[1], 1, 12) || !inRange(t[2], 1, int64(daysIn(t[0], t[1]))) ||
		!inRange(t[3], 0, 23) || !inRange(t[4], 0, 59) || !inRange(t[5], 0, 59) || !inRange(t[6], 0, 999999) {
		return bad()
	}
	if tag == "date" {
		return Date{int(t[0]), int(t[1]), int(t[2])}, nil
	}
	return time.Date(int(t[0]), time.Month(t[1]), int(t[2]), int(t[3]), int(t[4]), int(t[5]), int(t[6])*1000, time.UTC), nil
}

func inRange(v, lo, hi int64) bool { return v >= lo && v <= hi }

func daysIn(y, m int64) int {
	return time.Date(int(y), time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// intFields splits at whitespace and parses each field like Python's int(bytes).
func intFields(b []byte) ([]int64, error) {
	var out []int64
	i := 0
	for i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !isSpace(b[j]) {
			j++
		}
		if j > i {
			if len(out) == 8 {
				return nil, newError(ErrMalformed, "too many fields in "+quoteBytes(b))
			}
			s := string(b[i:j])
			if len(s) > 1 && s[0] == '+' {
				s = s[1:]
			}
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, newError(ErrMalformed, "invalid literal for int(): "+quoteBytes(b[i:j])+" (ValueError)")
			}
			out = append(out, v)
		}
		i = j
	}
	return out, nil
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// normalizeTimeDelta does what Python's timedelta(days, seconds, microseconds) does.
func normalizeTimeDelta(days, secs, us int64) (any, error) {
	total := new(big.Int).Mul(big.NewInt(days), big.NewInt(86400e6))
	total.Add(total, new(big.Int).Mul(big.NewInt(secs), big.NewInt(1e6)))
	total.Add(total, big.NewInt(us))
	d, rem := new(big.Int).DivMod(total, big.NewInt(86400e6), new(big.Int))
	if !d.IsInt64() || d.Int64() > 999999999 || d.Int64() < -999999999 {
		return nil, newError(ErrMalformed, "timedelta out of range (OverflowError)")
	}
	r := rem.Int64()
	return TimeDelta{Days: d.Int64(), Seconds: r / 1e6, Microseconds: r % 1e6}, nil
}

func (u *Unjellier) decimal(l []any) (any, error) {
	if len(l) < 3 {
		return nil, newError(ErrMalformed, "decimal node too short (IndexError)")
	}
	var c *big.Int
	switch v := l[1].(type) {
	case int64:
		c = big.NewInt(v)
	case *big.Int:
		c = new(big.Int).Set(v)
	default:
		return nil, newError(ErrMalformed, "decimal value is "+atomType(l[1])+", not an integer")
	}
	var exp int64
	switch v := l[2].(type) {
	case int64:
		exp = v
	case *big.Int:
		if !v.IsInt64() {
			return nil, newError(ErrMalformed, "decimal exponent out of range")
		}
		exp = v.Int64()
	default:
		return nil, newError(ErrMalformed, "decimal exponent is "+atomType(l[2])+", not an integer")
	}
	return Decimal{Coefficient: c, Exponent: exp}, nil
}

// atomsOnly reports whether no element is a list (a jelly node).
func atomsOnly(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.([]any); ok {
			return false
		}
	}
	return true
}

// dedupe folds equal elements in place (first occurrence wins) and returns the new length.
func dedupe(s []any) int {
	if len(s) < 2 {
		return len(s)
	}
	seen := make(map[any]struct{}, len(s))
	n := 0
	for _, x := range s {
		k, err := hashKey(x)
		if err != nil {
			k = x // placeholders: keep
		}
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		s[n] = x
		n++
	}
	return n
}

func quoteBytes(b []byte) string {
	const max = 80
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

func atomType(x any) string {
	switch x.(type) {
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case []byte:
		return "bytes"
	case nil:
		return "None"
	}
	return fmt.Sprintf("%T", x)
}

var _ = math.MaxInt64
