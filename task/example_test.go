package task_test

import (
	"fmt"
	"time"

	"github.com/gotwisted/twisted/task"
)

func ExampleClock() {
	clock := task.NewClock()
	clock.CallLater(2*time.Second, func() { fmt.Println("ding at", clock.Seconds()) })
	clock.Advance(time.Second)
	fmt.Println("nothing yet at", clock.Seconds())
	clock.Advance(time.Second)
	// Output:
	// nothing yet at 1
	// ding at 2
}

// Missed intervals are skipped, not replayed.
func ExampleLoopingCall() {
	clock := task.NewClock()
	lc := task.NewLoopingCall(func() (any, error) {
		fmt.Println("tick at", clock.Seconds())
		return nil, nil
	})
	lc.Clock = clock
	done, _ := lc.Start(time.Second, true)
	done.AddCallback(func(any) (any, error) {
		fmt.Println("stopped")
		return nil, nil
	})
	clock.Advance(time.Second)
	clock.Advance(3 * time.Second)
	_ = lc.Stop()
	// Output:
	// tick at 0
	// tick at 1
	// tick at 4
	// stopped
}

func ExampleWithCount() {
	clock := task.NewClock()
	lc := task.WithCount(func(n int) (any, error) {
		fmt.Println(n, "interval(s) elapsed")
		return nil, nil
	})
	lc.Clock = clock
	lc.Start(time.Second, false)
	clock.Advance(time.Second)
	clock.Advance(3500 * time.Millisecond)
	clock.Advance(500 * time.Millisecond)
	// Output:
	// 1 interval(s) elapsed
	// 3 interval(s) elapsed
	// 1 interval(s) elapsed
}

func ExampleDeferLater() {
	clock := task.NewClock()
	d := task.DeferLater(clock, 3*time.Second, func() (any, error) { return "later", nil })
	d.AddCallback(func(v any) (any, error) {
		fmt.Println(v, "at", clock.Seconds())
		return nil, nil
	})
	clock.Advance(3 * time.Second)
	// Output: later at 3
}

func ExampleCooperator() {
	clock := task.NewClock()
	coop := task.NewCooperator(task.WithClock(clock))
	words := func(ws ...string) func(func(any) bool) {
		return func(yield func(any) bool) {
			for _, w := range ws {
				fmt.Print(w, " ")
				if !yield(nil) {
					return
				}
			}
		}
	}
	a := coop.Coiterate(words("one", "two", "three"))
	b := coop.Coiterate(words("un", "deux", "trois"))
	for !a.Called() || !b.Called() {
		clock.Advance(time.Millisecond)
	}
	fmt.Println()
	// Output: one un two deux three trois
}
