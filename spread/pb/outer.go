package pb

import "github.com/gotwisted/twisted/spread/jelly"

// Finding the user's value behind an embedded flavor.
//
// A flavor is embedded (type Echoer struct{ pb.Root }), and jelly calls the JellyFor method
// promoted from it, whose receiver is the embedded field, not the user's *Echoer: Go
// embedding does not dispatch to the outer value. PB needs that outer value, to call its
// Remote methods later and to identify it. So every jellier a broker uses has
// noteFlavor as its JellyForValue hook: jelly offers it each value before the Jellyable
// check, exactly as given, and the hook records embedded flavor -> user value for the
// flavored ones, then declines, so that jelly calls the value's JellyFor (the promoted
// one, or the user's own if the type defines it), which looks itself up in b.outers.
// Every value jelly visits passes the hook, so a Referenceable inside a state built by
// GetStateToCopy or GetStateFor is found like any other.

type flavored interface {
	pbFlavor() any
}

func (r *Referenceable) pbFlavor() any { return r }
func (v *Viewable) pbFlavor() any      { return v }
func (c *Cacheable) pbFlavor() any     { return c }

// noteFlavor is the JellyForValue hook of the broker's jelliers.
func noteFlavor(j *jelly.Jellier, v any) (any, bool, error) {
	f, ok := v.(flavored)
	if !ok {
		return nil, false, nil
	}
	if b, ok := j.Invoker.(*Broker); ok {
		if b.outers == nil {
			b.outers = map[any]any{}
		}
		b.outers[f.pbFlavor()] = v
	}
	return nil, false, nil
}

// newJellier returns a jellier for this broker: the broker as invoker, its security, and
// the hook above.
func (b *Broker) newJellier() jelly.Jellier {
	return jelly.Jellier{Invoker: b, Security: b.security(), JellyForValue: noteFlavor}
}
