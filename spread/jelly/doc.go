// Package jelly implements Twisted's jelly: Go values to and from the s-expressions that
// Perspective Broker sends over banana, byte for byte as Twisted 22.4 on Python 3 does.
//
// Jelly turns a value into a tree; banana encodes the tree:
//
//	sexp, err := jelly.Jelly([]any{1, "two", []byte("three")})
//	// ['list', 1, ['unicode', 'two'], 'three']
//	wire, err := banana.AppendExpr(nil, sexp, banana.DialectPB)
//	// 04 80 08 87 01 81 02 80 07 82 75 6e 69 63 6f 64 65 03 82 74 77 6f 05 82 74 68 72 65 65
//
// and the receiver reverses both steps:
//
//	var d banana.Decoder
//	d.Dialect = banana.DialectPB
//	exprs, err := d.Feed(wire, nil)
//	v, err := jelly.Unjelly(exprs[0]) // []any{int64(1), "two", []byte("three")}
//
// or, as PB does, in one step that builds no tree (the faster way; see Fast paths):
//
//	v, err := jelly.UnjellyBanana(wire, banana.DialectPB)
//
// Every node that is not an int, float or byte string is a list headed by a tag:
// ['None'], ['unicode', utf8], ['list', ...], ['dictionary', [k, v], ...] and so on.
// banana.Format prints a tree in that notation.
//
// # Fast paths
//
// The tree API (Jelly, Unjelly) is what Jellyable and UnjellyFunc implementations work
// with. On hot paths two functions skip the tree while producing exactly the same bytes
// and values: AppendJelly (and Jellier.AppendJelly) writes banana bytes straight into a
// caller-owned buffer, allocating nothing for ordinary values; Unjellier.UnjellyBanana
// decodes banana bytes straight into Go values, building a tree only for the rare nodes
// (references, classes, datetimes...) it hands to the ordinary unjellier; with a banana
// Conn in Raw mode a receiver never builds the tree at all (see banana.Raw). A Jellier or
// Unjellier is reusable and keeps small internal buffers between sessions, so a
// long-lived one (one per connection) allocates least.
//
// Two more serve a receiver that reads straight from its input. TryUnjellyBanana is
// UnjellyBanana limited to the nodes that have no effect beyond building the value
// (atoms, None, booleans, text, lists, tuples, dictionaries): for anything else, and for
// an expression cut short, it reports ok false having run nothing, and the receiver
// takes the ordinary path. TryUnjellyBananaSeq goes one step further for a receiver that
// knows the Go types it wants (PB, calling a method whose parameters are []int64 or
// map[string]int): it decodes the elements of a list or tuple straight into values of
// those types, storing exactly what UnjellyBanana followed by Convert would, with no
// boxed values in between.
//
// Decoded integers from -128 to 1023 point into a table instead of allocating, and others
// are boxed a few hundred to an allocation; text is copied into shared arenas. A
// received dictionary is checked for repeated keys with a table of hashes (a Python dict
// folds them) and builds its lookup index only once lookups have been made repeatedly.
//
// # Mapping
//
//	Python                 jelly node                          Go (unjellied)      Go accepted by Jelly
//	None                   ['None']                            nil                 nil, nil pointers/maps/slices
//	bool                   ['boolean', 'true'|'false']         bool                bool
//	int                    the integer                         int64, *big.Int     int*, uint*, *big.Int
//	float                  the float                           float64             float64, float32
//	bytes                  the byte string                     []byte              []byte
//	str                    ['unicode', utf8]                   string              string (valid UTF-8)
//	list                   ['list', ...]                       []any               []any, any slice or array
//	tuple                  ['tuple', ...]                      Tuple               Tuple
//	dict                   ['dictionary', [k, v], ...]         *Dict (ordered)     *Dict, any map (random order)
//	set / frozenset        ['set', ...] / ['frozenset', ...]   Set / FrozenSet     Set / FrozenSet
//	datetime (naive)       ['datetime', 'Y M D h m s us']      time.Time (UTC)     time.Time (its wall clock)
//	date / time            ['date', 'Y M D'] / ['time', ...]   Date / Time         Date / Time
//	timedelta              ['timedelta', 'days secs us']       TimeDelta           TimeDelta, time.Duration
//	Decimal                ['decimal', coefficient, exponent]  Decimal             Decimal
//	Unpersistable          ['unpersistable', reason]           *Unpersistable      *Unpersistable
//	class instance         ['module.Class', state]             registered type,    Jellyable, ClassNamer,
//	                                                           or *Instance        registered type, *Instance
//	shared/cyclic object   ['reference', id, X], ['dereference', id]
//	class object           ['class', 'module.Name']            Class               Class
//
// Text and bytes stay apart, as Python 3 keeps them apart: a Go string travels as
// ['unicode', ...] and arrives as a Python str; a []byte travels as a bare byte string and
// arrives as Python bytes. Type tags, PB message names and a CopyableFailure's type are
// bytes; keyword-argument names and instance attribute names are text.
//
// # Shared and cyclic values
//
// Lists, tuples, sets, dicts and class instances are tracked by identity (the address of
// their storage; a slice is identified by its first element and its length). The second
// time one is met in a session its first node is rewritten to ['reference', id, X] and
// the repeat becomes ['dereference', id], ids counting from 1 in order of first repeat,
// exactly as Twisted numbers them. Empty slices with no storage, strings, numbers and
// struct values have no identity and are always written out.
//
// On the way in, a shared value arrives as one Go value: a cyclic Python list l = [l]
// arrives as a []any whose element 0 is that same []any (same backing array), a cyclic
// dict as a *Dict that contains itself, a cycle through a registered pointer type as a
// pointer to itself. Containers and registered pointer types are bound to their id as soon
// as they are allocated, before their contents are unjellied, so a cycle costs nothing.
// Values built by an UnjellyFunc, a factory or an Unjellyable type only exist once their
// function returns; a dereference to them from inside receives a *Dereference placeholder
// that the unjellier replaces in every list, tuple, set and dict slot once the value
// exists, as Twisted's NotKnown placeholders do. A dereference that is never defined is an
// error (ErrUndefinedReference).
//
// # Classes
//
// A Go type is sent as a class instance when it has a wire class name, either from a
// JellyClassName method (ClassNamer) or from a registration, and the node is
// [name, state]. The state is GetStateFor (StateGetter), else GetStateToCopy
// (CopyableStateGetter), else the exported fields as a *Dict keyed by text: a field's
// name is its `jelly:"name"` tag, or its Go name with the first letter lowered. A type
// that builds its own node (PB's Referenceable, Copyable, Cacheable) implements
// Jellyable; the Invoker field of the Jellier tells it which broker it is being sent to.
// Because a Jellyable method promoted from an embedded field sees only that field, the
// Jellier's JellyForValue hook is offered every value before the Jellyable check, as
// given: PB's broker uses it to find the user's value around an embedded
// pb.Referenceable, wherever jelly meets it (arguments, containers, fields, or a state
// built by GetStateToCopy).
//
// The receiver maps tags to Go with SetUnjellyableForClass (a Go type, allocated blank
// and given its state through Unjellyable, StateSetter, CopyableStateSetter or the
// exported fields; or an UnjellyFunc called with the whole node) and
// SetUnjellyableFactoryForClass. The package-level functions fill DefaultRegistry and
// allow the tag in GlobalSecurity, as Twisted's do; an Unjellier may also carry its own
// Registry. A class with no registration arrives as *Instance only when the security
// options allow that class; otherwise it is InsecureJelly.
//
// # Security
//
// SecurityOptions is Twisted's taster. GlobalSecurity (the default of Unjellier and
// Unjelly) allows the atom tags, the basic container tags, reference and dereference, and
// every registered tag, and nothing else: ['class', ...], ['module', ...], ['instance',
// ...], unknown undotted tags and unregistered classes are refused with an error wrapping
// InsecureJelly. Nesting is limited to MaxDepth (1000) levels; malformed nodes fail with
// ErrMalformed, never a panic.
package jelly
