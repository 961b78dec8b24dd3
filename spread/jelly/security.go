package jelly

import (
	"strings"
	"sync"
	"sync/atomic"
)

// SecurityOptions is Twisted's taster: which type tags, modules and classes an unjellier
// accepts, and which classes a jellier sends in full. Reads are lock-free and safe from
// any goroutine; the Allow methods may be called concurrently too (they copy on write),
// though a program normally configures its options once at start-up.
type SecurityOptions struct {
	mu       sync.Mutex // serialises writers
	allowAll bool
	set      atomic.Pointer[allowSets]
}

type allowSets struct {
	types, modules, classes map[string]struct{}
	builtin                 uint32 // bit builtinCode(t) set when tag t is allowed
}

// builtinTags are the tags the unjellier handles itself; builtinCode numbers them.
var builtinTags = []string{"None", "unicode", "boolean", "list", "tuple", "set", "frozenset",
	"dictionary", "reference", "dereference", "datetime", "date", "time", "timedelta",
	"decimal", "unpersistable", "persistent", "class", "instance", "module", "function", "method"}

func builtinCode(tag []byte) int {
	switch string(tag) {
	case "None":
		return 0
	case "unicode":
		return 1
	case "boolean":
		return 2
	case "list":
		return 3
	case "tuple":
		return 4
	case "set":
		return 5
	case "frozenset":
		return 6
	case "dictionary":
		return 7
	case "reference":
		return 8
	case "dereference":
		return 9
	case "datetime":
		return 10
	case "date":
		return 11
	case "time":
		return 12
	case "timedelta":
		return 13
	case "decimal":
		return 14
	case "unpersistable":
		return 15
	case "persistent":
		return 16
	case "class":
		return 17
	case "instance":
		return 18
	case "module":
		return 19
	case "function":
		return 20
	case "method":
		return 21
	}
	return -1
}

func (a *allowSets) computeBuiltin() {
	a.builtin = 0
	for i, t := range builtinTags {
		if _, ok := a.types[t]; ok {
			a.builtin |= 1 << i
		}
	}
}

func (s *SecurityOptions) allowsBuiltin(code int) bool {
	return s.allowAll || s.set.Load().builtin&(1<<code) != 0
}

// The tags a bare SecurityOptions() allows, and those AllowBasicTypes adds.
var (
	defaultTypes = []string{"None", "bool", "boolean", "string", "str", "int", "float",
		"datetime", "time", "date", "timedelta", "NoneType", "unicode", "decimal", "set", "frozenset"}
	basicTypes = []string{"dictionary", "list", "tuple", "reference", "dereference",
		"unpersistable", "persistent", "long_int", "long", "dict"}
)

// NewSecurityOptions returns Twisted's SecurityOptions(): only the atom-like tags
// (None, boolean, unicode, datetime family, decimal, set, frozenset, ...) are allowed; no
// modules, no classes. Most programs want AllowBasicTypes too, or GlobalSecurity.
func NewSecurityOptions() *SecurityOptions {
	s := &SecurityOptions{}
	a := &allowSets{types: map[string]struct{}{}, modules: map[string]struct{}{}, classes: map[string]struct{}{}}
	for _, t := range defaultTypes {
		a.types[t] = struct{}{}
	}
	a.computeBuiltin()
	s.set.Store(a)
	return s
}

// Insecure returns options that allow everything, Twisted's DummySecurityOptions (the
// default of the bare jelly()/unjelly() functions, never used by PB). Any dotted class
// name is accepted, arriving as *Instance when no Go type is registered for it.
func Insecure() *SecurityOptions {
	s := NewSecurityOptions()
	s.allowAll = true
	return s
}

// GlobalSecurity is Twisted's globalSecurity: NewSecurityOptions plus AllowBasicTypes plus
// every tag registered with the package-level SetUnjellyableForClass or
// SetUnjellyableFactoryForClass. PB uses it unless told otherwise.
var GlobalSecurity = func() *SecurityOptions {
	s := NewSecurityOptions()
	s.AllowBasicTypes()
	return s
}()

func (s *SecurityOptions) update(f func(a *allowSets)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.set.Load()
	n := &allowSets{
		types:   make(map[string]struct{}, len(old.types)+4),
		modules: make(map[string]struct{}, len(old.modules)),
		classes: make(map[string]struct{}, len(old.classes)),
	}
	for k := range old.types {
		n.types[k] = struct{}{}
	}
	for k := range old.modules {
		n.modules[k] = struct{}{}
	}
	for k := range old.classes {
		n.classes[k] = struct{}{}
	}
	f(n)
	n.computeBuiltin()
	s.set.Store(n)
}

// AllowBasicTypes allows dictionary, list, tuple, reference, dereference, unpersistable,
// persistent (and the legacy long_int, long, dict).
func (s *SecurityOptions) AllowBasicTypes() { s.AllowTypes(basicTypes...) }

// AllowTypes allows the given type tags.
func (s *SecurityOptions) AllowTypes(tags ...string) {
	s.update(func(a *allowSets) {
		for _, t := range tags {
			a.types[t] = struct{}{}
		}
	})
}

// DisallowTypes removes tags, as Twisted's tests do by deleting from allowedTypes
// (test_decimalSecurity, test_setSecurity).
func (s *SecurityOptions) DisallowTypes(tags ...string) {
	s.update(func(a *allowSets) {
		for _, t := range tags {
			delete(a.types, t)
		}
	})
}

// AllowModules allows module names (the part of a class name before its last dot).
func (s *SecurityOptions) AllowModules(modules ...string) {
	s.update(func(a *allowSets) {
		for _, m := range modules {
			a.modules[m] = struct{}{}
		}
	})
}

// AllowInstancesOf allows instances of the named classes ("module.Class"): it calls
// AllowBasicTypes, allows the tags instance, class, classobj and module, and allows each
// class's name as a type, its module, and the class itself. A Go value implementing
// ClassNamer may be passed instead of a name.
func (s *SecurityOptions) AllowInstancesOf(classes ...any) {
	s.AllowBasicTypes()
	s.AllowTypes("instance", "class", "classobj", "module")
	s.update(func(a *allowSets) {
		for _, c := range classes {
			name := className(c)
			if name == "" {
				continue
			}
			a.types[name] = struct{}{}
			a.modules[moduleOf(name)] = struct{}{}
			a.classes[name] = struct{}{}
		}
	})
}

func className(c any) string {
	switch v := c.(type) {
	case string:
		return v
	case ClassNamer:
		return v.JellyClassName()
	}
	return ""
}

// IsTypeAllowed reports whether a type tag passes the first gate: it is allowed, or it
// contains a dot (dotted names are checked as modules and classes later).
func (s *SecurityOptions) IsTypeAllowed(tag string) bool {
	if s.allowAll || strings.IndexByte(tag, '.') >= 0 {
		return true
	}
	_, ok := s.set.Load().types[tag]
	return ok
}

// IsModuleAllowed reports whether a module name is allowed.
func (s *SecurityOptions) IsModuleAllowed(module string) bool {
	if s.allowAll {
		return true
	}
	_, ok := s.set.Load().modules[module]
	return ok
}

// IsClassAllowed reports whether a class, by its qualified name, is allowed.
func (s *SecurityOptions) IsClassAllowed(class string) bool {
	if s.allowAll {
		return true
	}
	_, ok := s.set.Load().classes[class]
	return ok
}

// isTagAllowedBytes is IsTypeAllowed without converting the tag to a string.
func (s *SecurityOptions) isTagAllowedBytes(tag []byte) bool {
	if s.allowAll {
		return true
	}
	for _, c := range tag {
		if c == '.' {
			return true
		}
	}
	_, ok := s.set.Load().types[string(tag)]
	return ok
}

func moduleOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return ""
}
