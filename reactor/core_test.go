package reactor

import (
	"errors"
	"reflect"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
)

func appendTrigger(events *[]string, s string) func() *deferred.Deferred {
	return func() *deferred.Deferred { *events = append(*events, s); return nil }
}

// Ports internet/test/test_core.py SystemEventTestsBuilder.test_stopWhenNotStarted.
func TestStopWhenNotStarted(t *testing.T) {
	r := newReactor(t)
	var rnr *ReactorNotRunning
	if err := r.Stop(); !errors.As(err, &rnr) {
		t.Fatalf("Stop before Run: %v, want *ReactorNotRunning", err)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_stopWhenAlreadyStopped.
func TestStopWhenAlreadyStopped(t *testing.T) {
	r := newReactor(t)
	var second error
	r.CallWhenRunning(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("first Stop: %v", err)
		}
		second = r.Stop()
	})
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	var rnr *ReactorNotRunning
	if !errors.As(second, &rnr) {
		t.Fatalf("second Stop: %v, want *ReactorNotRunning", second)
	}
	if err := r.Stop(); !errors.As(err, &rnr) {
		t.Fatalf("Stop after Run returned: %v, want *ReactorNotRunning", err)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_callWhenRunningOrder.
func TestCallWhenRunningOrder(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.CallWhenRunning(func() { events = append(events, "first") })
	r.CallWhenRunning(func() { events = append(events, "second") })
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	if want := []string{"first", "second"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_runningForStartupEvents.
func TestRunningForStartupEvents(t *testing.T) {
	r := newReactor(t)
	state := map[string]bool{}
	r.AddSystemEventTrigger("before", "startup", func() *deferred.Deferred { state["before"] = r.Running(); return nil })
	r.AddSystemEventTrigger("during", "startup", func() *deferred.Deferred { state["during"] = r.Running(); return nil })
	r.AddSystemEventTrigger("after", "startup", func() *deferred.Deferred { state["after"] = r.Running(); return nil })
	r.CallWhenRunning(func() { r.Stop() })
	if r.Running() {
		t.Fatal("running before Run")
	}
	r.Run()
	if want := map[string]bool{"before": false, "during": true, "after": true}; !reflect.DeepEqual(state, want) {
		t.Fatalf("got %v, want %v", state, want)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_stopShutDownEvents.
func TestStopShutDownEvents(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "shutdown", appendTrigger(&events, "before"))
	r.AddSystemEventTrigger("during", "shutdown", appendTrigger(&events, "during"))
	r.AddSystemEventTrigger("after", "shutdown", appendTrigger(&events, "after"))
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	if want := []string{"before", "during", "after"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_shutdownFiresTriggersAsynchronously.
func TestShutdownFiresTriggersAsynchronously(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "shutdown", appendTrigger(&events, "before shutdown"))
	r.CallWhenRunning(func() {
		r.Stop()
		events = append(events, "stopped")
	})
	r.Run()
	if want := []string{"stopped", "before shutdown"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_shutdownDisconnectsCleanly: a descriptor
// whose ConnectionLost panics does not keep the others from being disconnected.
func TestShutdownDisconnectsCleanly(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	rd1, _ := newPipe(t)
	rd2, _ := newPipe(t)
	bad := &pipeDescriptor{fd: rd1, onLost: func(*failure.Failure) { panic(errors.New("simulated connectionLost error")) }}
	good := &pipeDescriptor{fd: rd2}
	if err := r.AddReader(bad); err != nil {
		t.Fatal(err)
	}
	if err := r.AddReader(good); err != nil {
		t.Fatal(err)
	}
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	if good.lost == nil || good.lost.Check(failure.Type[*ConnectionLost]()) == nil {
		t.Fatalf("good descriptor lost with %v, want ConnectionLost", good.lost)
	}
	if n := len(logs.failures()); n != 1 {
		t.Fatalf("%d logged errors, want 1", n)
	}
	if len(r.GetReaders()) != 0 {
		t.Fatal("readers left after shutdown")
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_multipleRun.
func TestMultipleRun(t *testing.T) {
	r := newReactor(t)
	var inner error
	r.CallWhenRunning(func() { inner = r.Run() })
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	var already *ReactorAlreadyRunning
	if !errors.As(inner, &already) {
		t.Fatalf("nested Run: %v, want *ReactorAlreadyRunning", inner)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_runWithAsynchronousBeforeStartupTrigger.
func TestRunWithAsynchronousBeforeStartupTrigger(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "startup", func() *deferred.Deferred {
		events = append(events, "trigger")
		d := deferred.New(nil)
		d.AddCallback(func(any) (any, error) {
			events = append(events, "callback")
			r.Stop()
			return nil, nil
		})
		r.CallLater(0, func() { d.Callback(nil) })
		return d
	})
	r.Run()
	if want := []string{"trigger", "callback"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_iterate: Iterate(0) does not block even
// with a timer pending far in the future. (No timing assertion: a blocking Iterate would
// hang the test until the 5-minute timer, which the test's own timeout catches.)
func TestIterate(t *testing.T) {
	r := newReactor(t)
	dc := r.CallLater(5*time.Minute, r.Crash)
	r.Iterate(0)
	if !dc.Active() {
		t.Fatal("timer ran early")
	}
	dc.Cancel()
}

// Ports test_core.py SystemEventTestsBuilder.test_crash.
func TestCrash(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "shutdown", appendTrigger(&events, "before shutdown"))
	r.CallWhenRunning(func() { r.CallLater(0, r.Crash) })
	r.Run()
	if r.Running() {
		t.Fatal("still running after Crash")
	}
	if len(events) != 0 {
		t.Fatalf("shutdown triggers ran after Crash: %v", events)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_runAfterCrash.
func TestRunAfterCrash(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.CallWhenRunning(func() {
		events = append(events, "crash")
		r.Crash()
	})
	r.Run()
	r.CallWhenRunning(func() {
		if r.Running() {
			events = append(events, "stop running=true")
		}
		r.Stop()
	})
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"crash", "stop running=true"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_core.py SystemEventTestsBuilder.test_runAfterStop.
func TestRunAfterStop(t *testing.T) {
	r := newReactor(t)
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	var nr *ReactorNotRestartable
	if err := r.Run(); !errors.As(err, &nr) {
		t.Fatalf("Run after Stop: %v, want *ReactorNotRestartable", err)
	}
}

// Ports test_internet.py ThreePhaseEventTests.test_addInvalidPhase and
// SystemEventTests.test_unknownPhase.
func TestAddInvalidPhase(t *testing.T) {
	r := newReactor(t)
	_, err := r.AddSystemEventTrigger("xxx", "test", appendTrigger(new([]string), "x"))
	var ip *InvalidPhaseError
	if !errors.As(err, &ip) {
		t.Fatalf("got %v, want *InvalidPhaseError", err)
	}
}

// Ports test_internet.py SystemEventTests.test_beforePreceedsDuring,
// test_duringPreceedsAfter and ThreePhaseEventTests.test_fireEvent.
func TestFireEventPhaseOrder(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("after", "test", appendTrigger(&events, "after"))
	r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "during"))
	r.AddSystemEventTrigger("before", "test", appendTrigger(&events, "before"))
	r.FireSystemEvent("test")
	if want := []string{"before", "during", "after"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_internet.py SystemEventTests.test_beforeReturnsDeferred and
// test_multipleBeforeReturnDeferred: during triggers wait for every before Deferred.
func TestMultipleBeforeReturnDeferred(t *testing.T) {
	r := newReactor(t)
	var events []string
	d1, d2 := deferred.New(nil), deferred.New(nil)
	r.AddSystemEventTrigger("before", "test", func() *deferred.Deferred { return d1 })
	r.AddSystemEventTrigger("before", "test", func() *deferred.Deferred { return d2 })
	r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "during"))
	r.FireSystemEvent("test")
	if len(events) != 0 {
		t.Fatal("during ran before the Deferreds fired")
	}
	d1.Callback(nil)
	if len(events) != 0 {
		t.Fatal("during ran before the second Deferred fired")
	}
	d2.Callback(nil)
	if want := []string{"during"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_internet.py ThreePhaseEventTests.test_beforeTriggerException and
// test_duringTriggerException: a panicking trigger is logged and the others still run.
func TestTriggerException(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "test", func() *deferred.Deferred { panic("before boom") })
	r.AddSystemEventTrigger("before", "test", appendTrigger(&events, "before"))
	r.AddSystemEventTrigger("during", "test", func() *deferred.Deferred { panic("during boom") })
	r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "during"))
	r.FireSystemEvent("test")
	if want := []string{"before", "during"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
	if n := len(logs.failures()); n != 2 {
		t.Fatalf("%d logged errors, want 2", n)
	}
}

// Ports test_internet.py ThreePhaseEventTests.test_removeTrigger,
// test_removeNonexistentTrigger, test_removeRemovedTrigger and
// SystemEventTests.test_removeSystemEventTrigger.
func TestRemoveSystemEventTrigger(t *testing.T) {
	r := newReactor(t)
	var events []string
	id, _ := r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "removed"))
	r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "kept"))
	if err := r.RemoveSystemEventTrigger(id); err != nil {
		t.Fatal(err)
	}
	var ut *UnknownTriggerError
	if err := r.RemoveSystemEventTrigger(id); !errors.As(err, &ut) {
		t.Fatalf("second removal: %v", err)
	}
	if err := r.RemoveSystemEventTrigger(nil); !errors.As(err, &ut) {
		t.Fatalf("nil removal: %v", err)
	}
	r.FireSystemEvent("test")
	if want := []string{"kept"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_internet.py ThreePhaseEventTests.test_synchronousBeforeRemovesDuring and
// test_synchronousRemovePendingBefore: removing a pending trigger from an earlier one
// keeps it from running.
func TestSynchronousBeforeRemovesDuring(t *testing.T) {
	r := newReactor(t)
	var events []string
	var during, before2 *TriggerID
	r.AddSystemEventTrigger("before", "test", func() *deferred.Deferred {
		r.RemoveSystemEventTrigger(during)
		r.RemoveSystemEventTrigger(before2)
		return nil
	})
	before2, _ = r.AddSystemEventTrigger("before", "test", appendTrigger(&events, "before2"))
	during, _ = r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "during"))
	r.AddSystemEventTrigger("after", "test", appendTrigger(&events, "after"))
	r.FireSystemEvent("test")
	if want := []string{"after"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_internet.py ThreePhaseEventTests.test_synchronousRemoveAlreadyExecutedBefore:
// removing a before trigger that already ran, while the event fires, only warns.
func TestSynchronousRemoveAlreadyExecutedBefore(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	var first *TriggerID
	first, _ = r.AddSystemEventTrigger("before", "test", func() *deferred.Deferred { return nil })
	r.AddSystemEventTrigger("before", "test", func() *deferred.Deferred {
		if err := r.RemoveSystemEventTrigger(first); err != nil {
			t.Errorf("removing an executed before trigger: %v", err)
		}
		return nil
	})
	r.FireSystemEvent("test")
	if len(logs.messages(0)) != 1 {
		t.Fatalf("warnings: %v", logs.messages(0))
	}
}

// Ports test_internet.py ThreePhaseEventTests.test_triggersRunOnce.
func TestTriggersRunOnce(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "test", appendTrigger(&events, "before"))
	r.AddSystemEventTrigger("during", "test", appendTrigger(&events, "during"))
	r.AddSystemEventTrigger("after", "test", appendTrigger(&events, "after"))
	r.FireSystemEvent("test")
	r.FireSystemEvent("test")
	if want := []string{"before", "during", "after"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// Ports test_internet.py SystemEventTests.test_interactionBetweenDifferentEvents.
func TestInteractionBetweenDifferentEvents(t *testing.T) {
	r := newReactor(t)
	var events []string
	d := deferred.New(nil)
	r.AddSystemEventTrigger("before", "first", func() *deferred.Deferred { return d })
	r.AddSystemEventTrigger("during", "first", appendTrigger(&events, "first during"))
	r.AddSystemEventTrigger("during", "second", appendTrigger(&events, "second during"))
	r.FireSystemEvent("first")
	r.FireSystemEvent("second")
	d.Callback(nil)
	if want := []string{"second during", "first during"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}

// RunUntil runs until the Deferred fires, with crash semantics: no shutdown triggers, and
// the reactor can run again.
func TestRunUntil(t *testing.T) {
	r := newReactor(t)
	var events []string
	r.AddSystemEventTrigger("before", "shutdown", appendTrigger(&events, "shutdown"))
	d := deferred.New(nil)
	r.CallLater(time.Millisecond, func() { d.Callback("done") })
	if err := r.RunUntil(d); err != nil {
		t.Fatal(err)
	}
	if !d.Called() || len(events) != 0 || r.Running() {
		t.Fatalf("called=%v events=%v running=%v", d.Called(), events, r.Running())
	}
	// Already fired: returns at once. The result is not consumed.
	if err := r.RunUntil(d); err != nil {
		t.Fatal(err)
	}
	var got any
	d.AddCallback(func(v any) (any, error) { got = v; return v, nil })
	if got != "done" {
		t.Fatalf("result %v", got)
	}
	// A failure stays a failure for the caller to handle.
	d2 := deferred.New(nil)
	r.CallLater(0, func() { d2.Errback(errors.New("boom")) })
	r.RunUntil(d2)
	var f *failure.Failure
	d2.AddErrback(func(ff *failure.Failure) (any, error) { f = ff; return nil, nil })
	if f == nil || f.Error() != "boom" {
		t.Fatalf("failure %v", f)
	}
	// And the reactor still runs normally afterwards.
	r.CallWhenRunning(func() { r.Stop() })
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"shutdown"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("got %v, want %v", events, want)
	}
}
