package reactor_test

import (
	"errors"
	"fmt"
	"net"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
)

// factory is the smallest ProtocolFactory and ClientFactory: package protocol has the
// real ones.
type factory struct{ build func() reactor.Protocol }

func (f factory) DoStart()                                                   {}
func (f factory) DoStop()                                                    {}
func (f factory) BuildProtocol(net.Addr) reactor.Protocol                    { return f.build() }
func (f factory) StartedConnecting(reactor.Connector)                        {}
func (f factory) ClientConnectionLost(reactor.Connector, *failure.Failure)   {}
func (f factory) ClientConnectionFailed(reactor.Connector, *failure.Failure) {}

// Echo writes back whatever it receives.
type Echo struct{ reactor.BaseProtocol }

func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }

// Greeter sends a greeting, prints the echo and hangs up.
type Greeter struct {
	reactor.BaseProtocol
	r *reactor.Reactor
}

func (g *Greeter) ConnectionMade() { g.Transport.Write([]byte("hello, reactor")) }
func (g *Greeter) DataReceived(data []byte) {
	fmt.Printf("echoed: %s\n", data)
	g.Transport.LoseConnection()
}
func (g *Greeter) ConnectionLost(reason *failure.Failure) {
	fmt.Println("connection closed:", reason.Error())
	g.r.Stop()
}

// An echo server and a client on one isolated reactor.
func Example() {
	r, err := reactor.New()
	if err != nil {
		panic(err)
	}
	defer r.Close()
	port, err := r.ListenTCP(0, factory{func() reactor.Protocol { return &Echo{} }}, reactor.Interface("127.0.0.1"))
	if err != nil {
		panic(err)
	}
	r.AddSystemEventTrigger("before", "shutdown", port.StopListening)
	r.ConnectTCP("127.0.0.1", port.GetHost().(*net.TCPAddr).Port,
		factory{func() reactor.Protocol { return &Greeter{r: r} }})
	r.Run()
	// Output:
	// echoed: hello, reactor
	// connection closed: Connection was closed cleanly.
}

// Calls run in time order, calls due together in the order they were scheduled, and a
// cancelled call not at all.
func ExampleReactor_CallLater() {
	r, _ := reactor.New()
	defer r.Close()
	r.CallLater(20*time.Millisecond, func() { fmt.Println("third"); r.Stop() })
	r.CallLater(0, func() { fmt.Println("first") })
	r.CallLater(0, func() { fmt.Println("second") })
	dc := r.CallLater(10*time.Millisecond, func() { fmt.Println("never") })
	dc.Cancel()
	fmt.Println("cancel again:", dc.Cancel())
	r.Run()
	// Output:
	// cancel again: Tried to cancel an already-cancelled event.
	// first
	// second
	// third
}

// Other goroutines hand work to the loop with CallFromThread.
func ExampleReactor_CallFromThread() {
	r, _ := reactor.New()
	defer r.Close()
	r.CallWhenRunning(func() {
		go func() {
			result := 6 * 7 // computed off the loop
			r.CallFromThread(func() {
				fmt.Println("on the loop:", result)
				r.Stop()
			})
		}()
	})
	r.Run()
	// Output:
	// on the loop: 42
}

// DeferToThread runs blocking work on the reactor's worker pool and delivers the result as
// a Deferred on the loop.
func ExampleDeferToThread() {
	r, _ := reactor.New()
	defer r.Close()
	r.CallWhenRunning(func() {
		d := reactor.DeferToThread(r, func() (any, error) {
			time.Sleep(time.Millisecond) // blocking is fine here
			return "slow answer", nil
		})
		d.AddCallback(func(v any) (any, error) {
			fmt.Println(v)
			r.Stop()
			return nil, nil
		})
	})
	r.Run()
	// Output:
	// slow answer
}

// A pool worker asks the loop for a value with BlockingCallFromThread (here the loop's
// answer is a Deferred, which the worker waits for). Once the reactor has shut down, the
// same call returns *ReactorStopped instead of waiting for a loop that will not run again.
func ExampleBlockingCallFromThread() {
	r, _ := reactor.New()
	defer r.Close()
	counter := 0 // loop state: only touched on the loop goroutine
	r.CallInThread(func() {
		v, err := reactor.BlockingCallFromThread(r, func() (any, error) {
			counter++
			d := deferred.New(nil)
			r.CallLater(time.Millisecond, func() { d.Callback(counter) })
			return d, nil
		})
		fmt.Println("worker got", v, err)
		r.CallFromThread(func() { r.Stop() })
	})
	r.Run()
	_, err := reactor.BlockingCallFromThread(r, func() (any, error) { return nil, nil })
	var stopped *reactor.ReactorStopped
	fmt.Println(errors.As(err, &stopped), err)
	// Output:
	// worker got 1 <nil>
	// true the reactor shut down before running a blocking call
}

// A shutdown trigger returning a Deferred holds the shutdown until it fires.
func ExampleReactor_AddSystemEventTrigger() {
	r, _ := reactor.New()
	defer r.Close()
	r.AddSystemEventTrigger("before", "shutdown", func() *deferred.Deferred {
		fmt.Println("flushing")
		d := deferred.New(nil)
		r.CallLater(time.Millisecond, func() { fmt.Println("flushed"); d.Callback(nil) })
		return d
	})
	r.AddSystemEventTrigger("after", "shutdown", func() *deferred.Deferred {
		fmt.Println("stopped")
		return nil
	})
	r.CallWhenRunning(func() { r.Stop() })
	r.Run()
	// Output:
	// flushing
	// flushed
	// stopped
}
