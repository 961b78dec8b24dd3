package pb

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Prefix selects the family of methods a message is dispatched to, as Twisted's
// remote_/view_/observe_/perspective_ prefixes do.
type Prefix uint8

const (
	// RemotePrefix: Referenceable and Root methods, "echo" -> RemoteEcho.
	RemotePrefix Prefix = iota
	// ViewPrefix: Viewable methods, called with the caller's perspective first.
	ViewPrefix
	// ObservePrefix: RemoteCache methods, called by the Cacheable's observer.
	ObservePrefix
	// PerspectivePrefix: avatar methods after a cred login.
	PerspectivePrefix
	numPrefixes
)

var prefixNames = [numPrefixes]string{"Remote", "View", "Observe", "Perspective"}
var pyPrefixes = [numPrefixes]string{"remote_", "view_", "observe_", "perspective_"}

// String returns the Go method prefix ("Remote", "View", ...).
func (p Prefix) String() string {
	if p < numPrefixes {
		return prefixNames[p]
	}
	return fmt.Sprintf("Prefix(%d)", uint8(p))
}

// MethodName returns the Go method a PB message name dispatches to: the prefix followed by
// the name with each underscore-separated part capitalized, so "echo" gives RemoteEcho,
// "getTwo" RemoteGetTwo and "list_keys" RemoteListKeys. It reports false for a name that
// cannot be part of a Go identifier.
func MethodName(p Prefix, message string) (string, bool) {
	if message == "" || p >= numPrefixes {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(prefixNames[p]) + len(message))
	b.WriteString(prefixNames[p])
	upper := true
	for _, r := range message {
		switch {
		case r == '_':
			upper = true
			continue
		case r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)):
			return "", false
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == len(prefixNames[p]) {
		return "", false
	}
	return b.String(), true
}

// Kwargs are keyword arguments. Passed among CallRemote's arguments, a Kwargs travels as
// the message's keyword dictionary (Python's **kw); a remote method whose last parameter
// is a Kwargs receives the caller's keyword arguments there. Without such a parameter a
// call with keywords fails with an ArgumentError, because Go keeps no parameter names to
// match them against.
type Kwargs map[string]any

// method is a remote method found by reflection, with what is needed to call it.
type method struct {
	fn       reflect.Value // the method expression: receiver first
	name     string        // "(*main.Root).RemoteEcho", for error messages
	in       []reflect.Type
	variadic bool
	kwargs   bool // last parameter (before a variadic one, if any) is Kwargs
	errOut   int  // index of the error result, -1 if none
	valOut   int  // index of the value result, -1 if none
	// planFrom: the parameters from this index on can all be decoded straight from the
	// wire (jelly.HasPlan); len(in)+1 when the method cannot be called that way at all
	// (variadic, keyword arguments, an unusable signature).
	planFrom int
}

var (
	typeKwargs   = reflect.TypeFor[Kwargs]()
	typeError    = reflect.TypeFor[error]()
	typeDeferred = reflect.TypeFor[*deferred.Deferred]()
)

// methodCache maps (type, prefix, wire name) to a method, nil meaning "no such method".
// Lookups take a read lock and index by the name's bytes without allocating.
type methodCache struct {
	mu sync.RWMutex
	m  [numPrefixes]map[string]*method
}

var methodCaches sync.Map // reflect.Type -> *methodCache

func lookupMethod(t reflect.Type, p Prefix, name []byte) *method {
	c, ok := methodCaches.Load(t)
	if !ok {
		c, _ = methodCaches.LoadOrStore(t, &methodCache{})
	}
	mc := c.(*methodCache)
	mc.mu.RLock()
	m, found := mc.m[p][string(name)]
	mc.mu.RUnlock()
	if found {
		return m
	}
	m = findMethod(t, p, string(name))
	mc.mu.Lock()
	if mc.m[p] == nil {
		mc.m[p] = map[string]*method{}
	}
	// Bound the cache per type: hostile peers may try endless unknown names.
	if m != nil || len(mc.m[p]) < 4096 {
		mc.m[p][string(name)] = m
	}
	mc.mu.Unlock()
	return m
}

func findMethod(t reflect.Type, p Prefix, message string) *method {
	goName, ok := MethodName(p, message)
	if !ok {
		return nil
	}
	rm, ok := t.MethodByName(goName)
	if !ok {
		return nil
	}
	ft := rm.Type
	m := &method{fn: rm.Func, name: "(" + t.String() + ")." + goName, errOut: -1, valOut: -1,
		variadic: ft.IsVariadic()}
	for i := 1; i < ft.NumIn(); i++ {
		m.in = append(m.in, ft.In(i))
	}
	fixed := len(m.in)
	if m.variadic {
		fixed--
	}
	if fixed > 0 && m.in[fixed-1] == typeKwargs {
		m.kwargs = true
	}
	m.planFrom = len(m.in) + 1
	if !m.variadic && !m.kwargs {
		m.planFrom = len(m.in)
		for m.planFrom > 0 && jelly.HasPlan(m.in[m.planFrom-1]) {
			m.planFrom--
		}
	}
	switch ft.NumOut() {
	case 0:
	case 1:
		if ft.Out(0) == typeError {
			m.errOut = 0
		} else {
			m.valOut = 0
		}
	case 2:
		if ft.Out(1) != typeError {
			return &method{name: m.name, errOut: -2} // unusable signature, reported on call
		}
		m.valOut, m.errOut = 0, 1
	default:
		return &method{name: m.name, errOut: -2}
	}
	return m
}

// call converts the arguments to the method's parameter types, calls it and interprets
// its results: (value), (error), (value, error), with a *deferred.Deferred value standing
// for a result to come. A panic in the method becomes an error carrying its stack.
func (m *method) call(recv reflect.Value, lead []any, args []any, kw Kwargs) (result any, err error) {
	if m.errOut == -2 {
		return nil, &ArgumentError{Method: m.name, Message: "a remote method must return a value, an error, or (value, error)"}
	}
	nFixed := len(m.in)
	if m.variadic {
		nFixed--
	}
	nPos := nFixed // parameters filled from lead and args
	if m.kwargs {
		nPos--
	}
	given := len(lead) + len(args)
	if given < nPos || (!m.variadic && given > nPos) {
		want := fmt.Sprintf("%d", nPos-len(lead))
		if m.variadic {
			want = "at least " + want
		}
		return nil, &ArgumentError{Method: m.name, Message: fmt.Sprintf(
			"takes %s positional arguments but %d were given", want, len(args))}
	}
	if len(kw) > 0 && !m.kwargs {
		keys := make([]string, 0, len(kw))
		for k := range kw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return nil, &ArgumentError{Method: m.name, Message: "got unexpected keyword arguments " +
			strings.Join(keys, ", ") + " (give the method a final pb.Kwargs parameter)"}
	}
	var buf [8]reflect.Value
	in := buf[:0]
	if n := 1 + len(m.in) + len(args); n > len(buf) {
		in = make([]reflect.Value, 0, n)
	}
	in = append(in, recv)
	for i := 0; i < nPos; i++ {
		var src any
		if i < len(lead) {
			src = lead[i]
		} else {
			src = args[i-len(lead)]
		}
		v, err := convertArg(src, m.in[i])
		if err != nil {
			return nil, &ArgumentError{Method: m.name, Message: fmt.Sprintf("argument %d: %v", i+1-len(lead), err)}
		}
		in = append(in, v)
	}
	if m.kwargs {
		if kw == nil {
			kw = Kwargs{}
		}
		in = append(in, reflect.ValueOf(kw))
	}
	if m.variadic {
		et := m.in[len(m.in)-1].Elem()
		for i := nPos; i < given; i++ {
			src := args[i-len(lead)]
			v, err := convertArg(src, et)
			if err != nil {
				return nil, &ArgumentError{Method: m.name, Message: fmt.Sprintf("argument %d: %v", i+1-len(lead), err)}
			}
			in = append(in, v)
		}
	}
	return m.callIn(in)
}

// callIn calls the method with its receiver and arguments ready, and interprets its
// results as call does.
func (m *method) callIn(in []reflect.Value) (result any, err error) {
	out, err := callRecovering(m.fn, in)
	if err != nil {
		return nil, err
	}
	if m.errOut >= 0 && !out[m.errOut].IsNil() {
		return nil, out[m.errOut].Interface().(error)
	}
	if m.valOut >= 0 {
		return out[m.valOut].Interface(), nil
	}
	return nil, nil
}

// typedCall is a call whose arguments were decoded straight into the method's parameter
// types (see Broker.direct).
type typedCall struct {
	m           *method
	in          []reflect.Value
	perspective any
}

// typedArgs decodes a call's arguments, at the start of wire, straight into the
// parameters of the method t's message name leads to, when the method takes only types
// jelly can decode that way and the keyword arguments are the usual empty dictionary
// that follows them. It returns the call and the length of the arguments and keywords,
// or a call without a method, having done nothing.
func (b *Broker) typedArgs(t callTarget, name []byte, wire []byte) (typedCall, int) {
	if t.mr != nil {
		return typedCall{}, 0
	}
	m := lookupMethod(typeOf(t.obj), t.prefix, name)
	if m == nil || m.errOut == -2 || m.planFrom > len(t.lead) || len(t.lead) > len(m.in) {
		return typedCall{}, 0
	}
	in := make([]reflect.Value, 1+len(m.in))
	in[0] = valueOf(t.obj)
	for i, x := range t.lead {
		v, err := convertArg(x, m.in[i])
		if err != nil {
			return typedCall{}, 0
		}
		in[1+i] = v
	}
	for i := len(t.lead); i < len(m.in); i++ {
		in[1+i] = reflect.New(m.in[i]).Elem()
	}
	n, ok := b.unjellier.TryUnjellyBananaSeq(wire, b.dialect(), in[1+len(t.lead):])
	if !ok || !bytes.HasPrefix(wire[n:], emptyDictBytes) {
		return typedCall{}, 0
	}
	return typedCall{m: m, in: in, perspective: t.perspective}, n + len(emptyDictBytes)
}

// callRecovering calls fn, turning a panic into a Failure whose traceback shows the panic
// site, as an exception raised in a Python remote method would be.
func callRecovering(fn reflect.Value, in []reflect.Value) (out []reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = failure.FromPanic(r, 0)
		}
	}()
	return fn.Call(in), nil
}

var typeAny = reflect.TypeFor[any]()

// convertArg fits an unjellied value into a parameter type.
func convertArg(src any, t reflect.Type) (reflect.Value, error) {
	if t == typeAny {
		if src == nil {
			return reflect.Zero(t), nil
		}
		return reflect.ValueOf(src), nil
	}
	if src != nil {
		sv := reflect.ValueOf(src)
		if sv.Type() == t {
			return sv, nil
		}
		// Fast paths for the common parameter kinds, without allocating a temporary.
		switch x := src.(type) {
		case int64:
			switch t.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				v := reflect.New(t).Elem()
				if !v.OverflowInt(x) {
					v.SetInt(x)
					return v, nil
				}
			case reflect.Float64, reflect.Float32:
				v := reflect.New(t).Elem()
				v.SetFloat(float64(x))
				return v, nil
			}
		case string:
			if t.Kind() == reflect.String {
				return sv.Convert(t), nil
			}
		}
	}
	return jelly.ConvertTo(src, t)
}

func typeOf(v any) reflect.Type   { return reflect.TypeOf(v) }
func valueOf(v any) reflect.Value { return reflect.ValueOf(v) }
