package jelly

// Jellyable is implemented by Go types that produce their own s-expression, like
// Twisted's IJellyable.jellyFor. PB's Referenceable returns ['remote', luid], a Copyable
// [tag, state], a Cacheable [tag, id, state] or ['cached', id].
//
// JellyFor builds the node with banana atoms ([]byte tags, int64, float64), []any lists
// and the results of j.Jelly for the parts that are themselves Go values. To take part in
// shared and cyclic references (so a value met twice is sent once and then as
// ['dereference', id]) it brackets its work with j.Prepare(obj) and j.Preserve(obj, sexp),
// exactly as Twisted's prepare/preserve; j.JellyInstance does all of that for the common
// [class, state] shape. Types that never repeat by reference (Referenceable) skip both.
type Jellyable interface {
	JellyFor(j *Jellier) (any, error)
}

// ClassNamer gives a Go type its class name on the wire ("copy_sender.CopyPond"), so a
// Go peer and a Python peer agree on it. A value of such a type that is not Jellyable is
// sent as [name, state], state being GetStateFor, GetStateToCopy or, by default, a
// dictionary of the exported fields (see the package documentation for field names).
type ClassNamer interface {
	JellyClassName() string
}

// StateGetter is Jellyable.getStateFor: the state sent for an instance.
type StateGetter interface {
	GetStateFor(j *Jellier) (any, error)
}

// CopyableStateGetter is Copyable.getStateToCopy: the state sent for an instance when it
// has no GetStateFor.
type CopyableStateGetter interface {
	GetStateToCopy() (any, error)
}

// Unjellyable is IUnjellyable.unjellyFor: a registered Go type whose blank value builds
// itself from the whole node (tag first). The value it returns is the result, usually
// the receiver itself.
type Unjellyable interface {
	UnjellyFor(u *Unjellier, sexp []any) (any, error)
}

// StateSetter is Unjellyable.setStateFor: it receives the unjellied state (usually a
// *Dict with string keys).
type StateSetter interface {
	SetStateFor(u *Unjellier, state any) error
}

// CopyableStateSetter is RemoteCopy.setCopyableState: it receives the unjellied state
// when the type has no SetStateFor.
type CopyableStateSetter interface {
	SetCopyableState(state any) error
}

// PostUnjellier is the postUnjelly hook: called once the whole tree has been unjellied,
// in the order the values were built.
type PostUnjellier interface {
	PostUnjelly()
}
