package deferred

import (
	"github.com/gotwisted/twisted/failure"
)

// Result is one input's outcome in a DeferredList's result: Twisted's (success, result)
// tuple. Exactly one of Value (when OK) and Failure (when not OK) is meaningful.
type Result struct {
	OK      bool
	Value   any
	Failure *failure.Failure
}

// FirstResult is the result of a DeferredList with FireOnOneCallback: the first success
// and its index in the input (Twisted's (result, index) tuple).
type FirstResult struct {
	Value any
	Index int
}

// ListOption configures a DeferredList or Gather.
type ListOption uint8

const (
	// FireOnOneCallback fires the list with a FirstResult on the first success. An empty
	// list with this option never fires, as in Twisted.
	FireOnOneCallback ListOption = 1 << iota
	// FireOnOneErrback fails the list with a *FirstError on the first failure.
	FireOnOneErrback
	// ConsumeErrors turns each input's failure into a nil success on that input's own
	// chain once the list has recorded it, so it is not reported as unhandled.
	ConsumeErrors
)

// DeferredList waits for several Deferreds, like Twisted's DeferredList. Its embedded
// Deferred fires with a []Result in input order once every input has a result (or earlier,
// as the options say).
//
// Attaching to the inputs is synchronous, so inputs that already have results are
// collected inside NewDeferredList, and the list may already be fired when it returns.
type DeferredList struct {
	*Deferred

	deferreds []*Deferred
	results   []Result
	finished  int

	fireOnOneCallback, fireOnOneErrback, consumeErrors bool
}

// NewDeferredList returns a DeferredList over a copy of ds (Deferreds appended to ds later
// are neither waited for nor cancelled). Cancelling the list (through its Deferred, even
// after Gather or chaining) cancels every input that has not fired, unless the list has
// already fired; the list's outcome then follows from the inputs' outcomes.
func NewDeferredList(ds []*Deferred, opts ...ListOption) *DeferredList {
	dl := &DeferredList{
		deferreds: append([]*Deferred(nil), ds...),
		results:   make([]Result, len(ds)),
	}
	for _, o := range opts {
		dl.fireOnOneCallback = dl.fireOnOneCallback || o&FireOnOneCallback != 0
		dl.fireOnOneErrback = dl.fireOnOneErrback || o&FireOnOneErrback != 0
		dl.consumeErrors = dl.consumeErrors || o&ConsumeErrors != 0
	}
	dl.Deferred = New(dl.cancel)
	dl.Deferred.cancelOnlyInner = true
	if len(dl.deferreds) == 0 && !dl.fireOnOneCallback {
		dl.Deferred.Callback(dl.results)
	}
	for i, d := range dl.deferreds {
		i := i
		d.AddBoth(func(r any) (any, error) { return dl.collect(i, r) })
	}
	return dl
}

// Results returns the outcomes recorded so far, in input order (zero Results for inputs
// that have not fired).
func (dl *DeferredList) Results() []Result { return dl.results }

func (dl *DeferredList) collect(i int, r any) (any, error) {
	f, failed := r.(*failure.Failure)
	if failed {
		dl.results[i] = Result{Failure: f}
	} else {
		dl.results[i] = Result{OK: true, Value: r}
	}
	dl.finished++
	if !dl.Deferred.called {
		switch {
		case !failed && dl.fireOnOneCallback:
			dl.Deferred.Callback(FirstResult{Value: r, Index: i})
		case failed && dl.fireOnOneErrback:
			dl.Deferred.Errback(failure.NewSkip(&FirstError{SubFailure: f, Index: i}, 1))
		case dl.finished == len(dl.results):
			dl.Deferred.Callback(dl.results)
		}
	}
	if failed && dl.consumeErrors {
		return nil, nil
	}
	return r, nil
}

// cancel is the list's canceller: cancel every input; a panic from one input's canceller
// is logged (see LogError) and the rest are still cancelled.
func (dl *DeferredList) cancel(*Deferred) {
	for _, d := range dl.deferreds {
		if pf := cancelProtected(d); pf != nil {
			LogError(pf)
		}
	}
}

func cancelProtected(d *Deferred) (pf *failure.Failure) {
	defer func() {
		if r := recover(); r != nil {
			pf = failure.FromPanic(r, 0)
		}
	}()
	d.Cancel()
	return nil
}

// Gather is Twisted's gatherResults: a Deferred firing with the inputs' values ([]any, in
// input order), or failing with a *FirstError on the first failure. Only the
// ConsumeErrors option has an effect.
//
// The failure is a *FirstError, faithfully: f.Check(ErrX) does not match the input's
// error; trap failure.Type[*deferred.FirstError]() and look at SubFailure.
func Gather(ds []*Deferred, opts ...ListOption) *Deferred {
	o := FireOnOneErrback
	for _, x := range opts {
		o |= x & ConsumeErrors
	}
	dl := NewDeferredList(ds, o)
	return dl.AddCallback(func(r any) (any, error) {
		rs := r.([]Result)
		vs := make([]any, len(rs))
		for i, x := range rs {
			vs[i] = x.Value
		}
		return vs, nil
	})
}
