package deferred

import (
	"fmt"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// Python-only: the async-context-manager tests (test_asyncWithLock, test_asyncWithSemaphore,
// test_asyncWithLockException) are covered by Run, which releases on success and failure
// (TestLock, TestLockRunReleasesOnFailure).

// Ports test_defer.py OtherPrimitivesTests.testLock.
func TestLock(t *testing.T) {
	counter := 0
	incr := func(any) (any, error) { counter++; return nil, nil }
	lock := NewLock()
	lock.Acquire().AddCallback(incr)
	if !lock.Locked() || counter != 1 {
		t.Fatal("first acquire is not synchronous")
	}
	lock.Acquire().AddCallback(incr)
	if !lock.Locked() || counter != 1 {
		t.Fatal("second acquire did not wait")
	}
	lock.Release()
	if !lock.Locked() || counter != 2 {
		t.Fatal("release did not hand the lock over")
	}
	lock.Release()
	if lock.Locked() || counter != 2 {
		t.Fatal("lock still held")
	}

	failureResultOf(t, lock.Run(nil), failure.Type[*TypeError]())

	firstUnique, secondUnique := &struct{ a int }{}, &struct{ b int }{}
	control := New(nil)
	var result any
	helper := func(resultValue any, returnValue any) (any, error) {
		result = resultValue
		return returnValue, nil
	}
	resultDeferred := lock.Run(func() (any, error) { return helper(firstUnique, control) })
	if !lock.Locked() || result != firstUnique {
		t.Fatal("Run did not call the function under the lock")
	}
	resultDeferred.AddCallback(func(v any) (any, error) { return helper(v, nil) })
	lock.Acquire().AddCallback(incr)
	if !lock.Locked() || counter != 2 {
		t.Fatal("acquire did not wait for Run")
	}
	control.Callback(secondUnique)
	if result != secondUnique || !lock.Locked() || counter != 3 {
		t.Fatalf("result %v locked %v counter %d", result, lock.Locked(), counter)
	}

	d := lock.Acquire().AddBoth(func(v any) (any, error) { return helper(v, nil) })
	d.Cancel()
	if f, ok := result.(*failure.Failure); !ok || f.Check(ErrCancelled) == nil {
		t.Fatalf("cancelled acquire: %v", result)
	}
	lock.Release()
	if lock.Locked() {
		t.Fatal("lock still held")
	}
	mustPanic[*ReleaseError](t, lock.Release)
}

// Run releases the lock when the function fails (synchronously, asynchronously, or by
// panicking), and passes the failure on.
func TestLockRunReleasesOnFailure(t *testing.T) {
	lock := NewLock()
	failureResultOf(t, lock.Run(func() (any, error) { return nil, &GenericError{"x"} }), genericError)
	failureResultOf(t, lock.Run(func() (any, error) { panic("boom") }), failure.Type[*failure.PanicError]())
	later := New(nil)
	d := lock.Run(func() (any, error) { return later, nil })
	if !lock.Locked() {
		t.Fatal("released before the returned Deferred fired")
	}
	later.Errback(&GenericError{"late"})
	failureResultOf(t, d, genericError)
	if lock.Locked() {
		t.Fatal("lock still held after failures")
	}
}

// Ports test_defer.py OtherPrimitivesTests.test_cancelLockAfterAcquired.
func TestCancelLockAfterAcquired(t *testing.T) {
	lock := NewLock()
	d := lock.Acquire()
	d.AddErrback(func(*failure.Failure) (any, error) { t.Error("unexpected errback call"); return nil, nil })
	d.Cancel()
}

// Ports test_defer.py OtherPrimitivesTests.test_cancelLockBeforeAcquired.
func TestCancelLockBeforeAcquired(t *testing.T) {
	lock := NewLock()
	lock.Acquire()
	d := lock.Acquire()
	d.Cancel()
	failureResultOf(t, d, ErrCancelled)
	lock.Release()
	if lock.Locked() {
		t.Fatal("the cancelled waiter took the lock")
	}
}

// Ports test_defer.py OtherPrimitivesTests.testSemaphore.
func TestSemaphore(t *testing.T) {
	const N = 13
	sem := NewSemaphore(N)
	control := New(nil)
	var helperArg any
	uniqueObject := &struct{ a int }{}
	counter := 0
	incr := func(any) (any, error) { counter++; return nil, nil }
	var results []any
	resultDeferred := sem.Run(func() (any, error) { helperArg = uniqueObject; return control, nil })
	resultDeferred.AddCallback(func(v any) (any, error) { results = append(results, v); return v, nil })
	resultDeferred.AddCallback(incr)
	if len(results) != 0 || helperArg != uniqueObject {
		t.Fatal("Run")
	}
	control.Callback(nil)
	if len(results) != 1 || results[0] != nil || counter != 1 {
		t.Fatal(results, counter)
	}
	counter = 0
	for i := 1; i <= N; i++ {
		sem.Acquire().AddCallback(incr)
		if counter != i {
			t.Fatalf("acquire %d was not synchronous", i)
		}
	}
	var success []bool
	d := sem.Acquire().AddCallbacks(
		func(any) (any, error) { success = append(success, false); return nil, nil },
		func(*failure.Failure) (any, error) { success = append(success, true); return nil, nil })
	d.Cancel()
	if fmt.Sprint(success) != "[true]" {
		t.Fatal(success)
	}
	sem.Acquire().AddCallback(incr)
	if counter != N {
		t.Fatal(counter)
	}
	sem.Release()
	if counter != N+1 {
		t.Fatal(counter)
	}
	for i := 1; i <= N; i++ {
		sem.Release()
		if counter != N+1 {
			t.Fatal(counter)
		}
	}
	if sem.Tokens() != N || sem.Limit() != N {
		t.Fatal(sem.Tokens(), sem.Limit())
	}
	mustPanic[*ReleaseError](t, sem.Release)
}

// Ports test_defer.py OtherPrimitivesTests.test_semaphoreInvalidTokens.
func TestSemaphoreInvalidTokens(t *testing.T) {
	mustPanic[*ValueError](t, func() { NewSemaphore(0) })
	mustPanic[*ValueError](t, func() { NewSemaphore(-1) })
}

// Ports test_defer.py OtherPrimitivesTests.test_cancelSemaphoreAfterAcquired.
func TestCancelSemaphoreAfterAcquired(t *testing.T) {
	sem := NewSemaphore(1)
	d := sem.Acquire()
	d.AddErrback(func(*failure.Failure) (any, error) { t.Error("unexpected errback call"); return nil, nil })
	d.Cancel()
}

// Ports test_defer.py OtherPrimitivesTests.test_cancelSemaphoreBeforeAcquired.
func TestCancelSemaphoreBeforeAcquired(t *testing.T) {
	sem := NewSemaphore(1)
	sem.Acquire()
	d := sem.Acquire()
	d.Cancel()
	failureResultOf(t, d, ErrCancelled)
}

// Ports test_defer.py OtherPrimitivesTests.testQueue.
func TestQueue(t *testing.T) {
	const N, M = 2, 2
	queue := NewQueue(N, M)
	var gotten []any
	for i := 0; i < M; i++ {
		d, err := queue.Get()
		if err != nil {
			t.Fatal(err)
		}
		d.AddCallback(recordAny(&gotten))
	}
	if _, err := queue.Get(); err == nil {
		t.Fatal("no QueueUnderflow")
	} else if _, ok := err.(*QueueUnderflow); !ok {
		t.Fatal(err)
	}
	for i := 0; i < M; i++ {
		if err := queue.Put(i); err != nil {
			t.Fatal(err)
		}
		if len(gotten) != i+1 || gotten[i] != i {
			t.Fatal(gotten)
		}
	}
	for i := 0; i < N; i++ {
		if err := queue.Put(N + i); err != nil {
			t.Fatal(err)
		}
		if len(gotten) != M {
			t.Fatal(gotten)
		}
	}
	if err := queue.Put(nil); err == nil {
		t.Fatal("no QueueOverflow")
	} else if _, ok := err.(*QueueOverflow); !ok {
		t.Fatal(err)
	}
	gotten = nil
	for i := 0; i < N; i++ {
		d, _ := queue.Get()
		d.AddCallback(recordAny(&gotten))
		if len(gotten) != i+1 || gotten[i] != N+i {
			t.Fatal(gotten)
		}
	}

	queue = NewQueue(Unlimited, Unlimited)
	gotten = nil
	for i := 0; i < N; i++ {
		d, _ := queue.Get()
		d.AddCallback(recordAny(&gotten))
	}
	for i := 0; i < N; i++ {
		queue.Put(i)
	}
	if fmt.Sprint(gotten) != "[0 1]" {
		t.Fatal(gotten)
	}

	if err := NewQueue(0, Unlimited).Put(nil); err == nil {
		t.Fatal("size 0: no QueueOverflow")
	}
	if _, err := NewQueue(Unlimited, 0).Get(); err == nil {
		t.Fatal("backlog 0: no QueueUnderflow")
	}
}

// Ports test_defer.py OtherPrimitivesTests.test_cancelQueueAfterSynchronousGet.
func TestCancelQueueAfterSynchronousGet(t *testing.T) {
	queue := NewQueue(Unlimited, Unlimited)
	d, _ := queue.Get()
	d.AddErrback(func(*failure.Failure) (any, error) { t.Error("unexpected errback call"); return nil, nil })
	queue.Put(nil)
	d.Cancel()
}

// Ports test_defer.py OtherPrimitivesTests.test_cancelQueueAfterGet.
func TestCancelQueueAfterGet(t *testing.T) {
	queue := NewQueue(Unlimited, Unlimited)
	d, _ := queue.Get()
	d.Cancel()
	failureResultOf(t, d, ErrCancelled)
	d.AddCallback(func(any) (any, error) {
		queue.Put(nil)
		next, _ := queue.Get()
		return next.AddCallback(func(v any) (any, error) {
			if v != nil {
				t.Errorf("got %v", v)
			}
			return v, nil
		}), nil
	})
	var done []any
	d.AddCallback(recordAny(&done))
	if len(done) != 1 || queue.Waiting() != 0 {
		t.Fatal(done, queue.Waiting())
	}
}
