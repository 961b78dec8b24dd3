package reactor

import (
	"fmt"
	"log/slog"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

// System events (core-semantics 3.2): each event name has "before", "during" and "after"
// trigger lists. Firing runs the before triggers; any Deferreds they return are awaited
// (possibly for many iterations) before the during and then after triggers run.

// TriggerID identifies a system event trigger for RemoveSystemEventTrigger.
type TriggerID struct {
	eventType string
	phase     string
	f         func() *deferred.Deferred
}

type threePhaseEvent struct {
	before, during, after []*TriggerID
	state                 string // "BASE" or "BEFORE"
	finishedBefore        []*TriggerID
}

func (e *threePhaseEvent) list(phase string) *[]*TriggerID {
	switch phase {
	case "before":
		return &e.before
	case "during":
		return &e.during
	case "after":
		return &e.after
	}
	return nil
}

// InvalidPhaseError is returned for a trigger phase other than "before", "during" and
// "after" (Twisted raises KeyError).
type InvalidPhaseError struct{ Phase string }

func (e *InvalidPhaseError) Error() string { return fmt.Sprintf("invalid phase %q", e.Phase) }

// UnknownTriggerError is returned by RemoveSystemEventTrigger for a handle that was already
// removed, already ran, or never existed (Twisted raises ValueError).
type UnknownTriggerError struct{}

func (*UnknownTriggerError) Error() string { return "invalid trigger handle" }

// AddSystemEventTrigger adds f to the given phase ("before", "during" or "after") of
// eventType ("startup", "shutdown" or any name passed to FireSystemEvent). A before trigger
// may return a Deferred; the during and after phases wait for all of them. Triggers that
// need no Deferred return nil. Port.StopListening fits directly:
//
//	r.AddSystemEventTrigger("before", "shutdown", port.StopListening)
func (r *Reactor) AddSystemEventTrigger(phase, eventType string, f func() *deferred.Deferred) (*TriggerID, error) {
	return r.addTrigger(phase, eventType, f)
}

func (r *Reactor) addTrigger(phase, eventType string, f func() *deferred.Deferred) (*TriggerID, error) {
	ev := r.events[eventType]
	if ev == nil {
		ev = &threePhaseEvent{state: "BASE"}
	}
	l := ev.list(phase)
	if l == nil {
		return nil, &InvalidPhaseError{Phase: phase}
	}
	r.events[eventType] = ev
	id := &TriggerID{eventType: eventType, phase: phase, f: f}
	*l = append(*l, id)
	return id, nil
}

// RemoveSystemEventTrigger removes a trigger that has not run yet. Removing a before trigger
// that already ran while its event is still firing is only logged (Twisted warns).
func (r *Reactor) RemoveSystemEventTrigger(id *TriggerID) error {
	if id == nil {
		return &UnknownTriggerError{}
	}
	ev := r.events[id.eventType]
	if ev == nil {
		return &UnknownTriggerError{}
	}
	if ev.state == "BEFORE" && id.phase == "before" {
		for _, done := range ev.finishedBefore {
			if done == id {
				slog.Warn("Removing already-fired system event triggers will raise an exception in a future version of Twisted.")
				return nil
			}
		}
	}
	l := ev.list(id.phase)
	for i, t := range *l {
		if t == id {
			*l = append((*l)[:i], (*l)[i+1:]...)
			return nil
		}
	}
	return &UnknownTriggerError{}
}

// CallWhenRunning calls f now if the reactor is running (returning nil), else registers it
// as an "after startup" trigger; such calls run in registration order.
func (r *Reactor) CallWhenRunning(f func()) *TriggerID {
	if r.running {
		f()
		return nil
	}
	id, _ := r.addTrigger("after", "startup", func() *deferred.Deferred { f(); return nil })
	return id
}

// FireSystemEvent fires eventType's triggers.
func (r *Reactor) FireSystemEvent(eventType string) {
	ev := r.events[eventType]
	if ev == nil {
		return
	}
	ev.state = "BEFORE"
	ev.finishedBefore = nil
	var waiting []*deferred.Deferred
	for len(ev.before) > 0 {
		t := ev.before[0]
		ev.before = ev.before[1:]
		ev.finishedBefore = append(ev.finishedBefore, t)
		if d := r.callTrigger(t); d != nil {
			waiting = append(waiting, d)
		}
	}
	if len(waiting) == 0 {
		r.continueFiring(ev)
		return
	}
	// Like DeferredList(beforeResults): continue once every Deferred has fired, leaving
	// each result (and any failure) in its own Deferred.
	remaining := len(waiting)
	for _, d := range waiting {
		d.AddBoth(func(v any) (any, error) {
			remaining--
			if remaining == 0 {
				r.continueFiring(ev)
			}
			if f, ok := v.(*failure.Failure); ok {
				return nil, f
			}
			return v, nil
		})
	}
}

func (r *Reactor) continueFiring(ev *threePhaseEvent) {
	ev.state = "BASE"
	ev.finishedBefore = nil
	for _, phase := range []*[]*TriggerID{&ev.during, &ev.after} {
		for len(*phase) > 0 {
			t := (*phase)[0]
			*phase = (*phase)[1:]
			r.callTrigger(t)
		}
	}
}

func (r *Reactor) callTrigger(t *TriggerID) (d *deferred.Deferred) {
	defer func() {
		if p := recover(); p != nil {
			logFailure("Unhandled error in system event trigger", failure.FromPanic(p, 0))
			d = nil
		}
	}()
	return t.f()
}
