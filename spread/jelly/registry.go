package jelly

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
)

// UnjellyFunc unjellies a whole node itself: sexp is the complete list, tag first, as
// Twisted passes it to a function registered with setUnjellyableForClass (PB registers
// "local", "cached" and "lcache" this way). It calls u.Unjelly on the parts it needs.
type UnjellyFunc func(u *Unjellier, sexp []any) (any, error)

// FactoryFunc builds a value from the unjellied state of a [tag, state] node
// (setUnjellyableFactoryForClass). It may return an existing object.
type FactoryFunc func(state any) (any, error)

// Registry maps type tags to what the unjellier builds for them. Lookups are lock-free and
// safe from any goroutine. DefaultRegistry is the process-wide one (Twisted's
// unjellyableRegistry); an Unjellier may carry its own, consulted first, so that two
// brokers in one process can register different things.
type Registry struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]*regEntry]
	// names maps Go types to the class name they were registered under, so a registered
	// type is also sent under that name.
	names atomic.Pointer[map[reflect.Type]string]
	// builtins has bit builtinCode(t) set when a built-in tag t is registered, so the
	// unjellier's fast path knows when it must consult the registry.
	builtins atomic.Uint32
}

func (r *Registry) overrides(code int) bool {
	return r != nil && r.builtins.Load()&(1<<code) != 0
}

func (r *Registry) storeMap(m map[string]*regEntry) {
	var bits uint32
	for k := range m {
		if c := builtinCode([]byte(k)); c >= 0 {
			bits |= 1 << c
		}
	}
	r.m.Store(&m)
	r.builtins.Store(bits)
}

type regEntry struct {
	fn      UnjellyFunc
	factory FactoryFunc
	typ     reflect.Type // element type to allocate
	ptr     bool         // hand back *T (true) or T
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// DefaultRegistry is the process-wide registry the package-level SetUnjellyableForClass
// and SetUnjellyableFactoryForClass fill.
var DefaultRegistry = NewRegistry()

// SetUnjellyableForClass registers what to build for the type tag name (a class name
// "module.Class" or a bare tag such as "local"). v is one of:
//
//   - an UnjellyFunc, or a func(*Unjellier, []any) (any, error): called with the whole
//     node;
//   - a Go type, given as a reflect.Type or as any value of it ((*T)(nil), &T{}, T{}):
//     the unjellier allocates a blank value without running any constructor (Twisted's
//     __new__ without __init__), binds it to its reference id at once (so cycles through
//     it resolve), and gives it the state: via UnjellyFor if *T implements Unjellyable,
//     else SetStateFor (StateSetter), else SetCopyableState (CopyableStateSetter), else by
//     copying the state dictionary into the exported fields. A pointer registration
//     yields *T; a value registration yields T.
//
// It panics on any other v, as a programming error. It also records name as the wire
// class name of a registered Go type, so the jellier sends that type under it.
func (r *Registry) SetUnjellyableForClass(name string, v any) {
	var e regEntry
	switch f := v.(type) {
	case UnjellyFunc:
		e.fn = f
	case func(*Unjellier, []any) (any, error):
		e.fn = f
	case reflect.Type:
		e.typ = f
	case nil:
		panic("jelly: SetUnjellyableForClass(" + name + ", nil)")
	default:
		e.typ = reflect.TypeOf(v)
	}
	if e.typ != nil {
		if e.typ.Kind() == reflect.Pointer {
			e.typ, e.ptr = e.typ.Elem(), true
		}
		if e.typ.Kind() == reflect.Func || e.typ.Kind() == reflect.Interface {
			panic(fmt.Sprintf("jelly: SetUnjellyableForClass(%q): cannot instantiate %v", name, e.typ))
		}
		r.setName(e.typ, name)
	}
	r.store(name, &e)
}

// SetUnjellyableFactoryForClass registers a factory for the type tag name: a [name, state]
// node becomes f(unjelly(state)).
func (r *Registry) SetUnjellyableFactoryForClass(name string, f FactoryFunc) {
	if f == nil {
		panic("jelly: SetUnjellyableFactoryForClass(" + name + ", nil)")
	}
	r.store(name, &regEntry{factory: f})
}

// Unregister removes the registration of name, if any.
func (r *Registry) Unregister(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.m.Load()
	if old == nil {
		return
	}
	n := make(map[string]*regEntry, len(*old))
	for k, v := range *old {
		if k != name {
			n[k] = v
		}
	}
	r.storeMap(n)
}

// Registered reports whether name has a registration.
func (r *Registry) Registered(name string) bool { return r.lookup(name) != nil }

func (r *Registry) store(name string, e *regEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[string]*regEntry{}
	if old := r.m.Load(); old != nil {
		for k, v := range *old {
			n[k] = v
		}
	}
	n[name] = e
	r.storeMap(n)
}

func (r *Registry) setName(t reflect.Type, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[reflect.Type]string{}
	if old := r.names.Load(); old != nil {
		for k, v := range *old {
			n[k] = v
		}
	}
	n[t] = name
	r.names.Store(&n)
}

func (r *Registry) lookup(name string) *regEntry {
	if r == nil {
		return nil
	}
	m := r.m.Load()
	if m == nil {
		return nil
	}
	return (*m)[name]
}

func (r *Registry) lookupBytes(name []byte) *regEntry {
	if r == nil {
		return nil
	}
	m := r.m.Load()
	if m == nil {
		return nil
	}
	return (*m)[string(name)]
}

// nameOf returns the class name t (a non-pointer type) was registered under.
func (r *Registry) nameOf(t reflect.Type) string {
	if r == nil {
		return ""
	}
	m := r.names.Load()
	if m == nil {
		return ""
	}
	return (*m)[t]
}

// SetUnjellyableForClass registers in DefaultRegistry and allows name in GlobalSecurity,
// exactly as Twisted's setUnjellyableForClass does. See Registry.SetUnjellyableForClass.
func SetUnjellyableForClass(name string, v any) {
	DefaultRegistry.SetUnjellyableForClass(name, v)
	GlobalSecurity.AllowTypes(name)
}

// SetUnjellyableFactoryForClass registers a factory in DefaultRegistry and allows name in
// GlobalSecurity, as Twisted's setUnjellyableFactoryForClass does.
func SetUnjellyableFactoryForClass(name string, f FactoryFunc) {
	DefaultRegistry.SetUnjellyableFactoryForClass(name, f)
	GlobalSecurity.AllowTypes(name)
}
