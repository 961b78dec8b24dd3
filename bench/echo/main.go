// Command echo is the echo benchmark harness: in one run, on loopback, it drives the same
// load against three echo servers and prints messages per second and each server's ratio
// to gotwisted's:
//
//   - gotwisted: an Echo protocol (DataReceived writes the data back) on the reactor;
//   - goroutine: a goroutine-per-connection Go server (io.Copy-style read/write loop);
//   - twisted:   Twisted's echo server (Debian's /usr/bin/python3 with python3-twisted).
//
// The load is -conns connections (default 50) sending -size-byte messages (default 64)
// with 1 and with 16 messages in flight per connection (a sliding window: a new message is
// sent as soon as an echoed one has fully arrived). Each server runs in its own process
// (this program re-executed with -serve, or python3), so the load generator and the server
// do not share a Go runtime. Each measurement runs -duration after a warm-up; -rounds
// rounds are made, interleaved across the servers, and the median is reported.
//
//	go run ./bench/echo
//	go run ./bench/echo -duration 5s -rounds 5 -servers gotwisted,goroutine
//	go run ./bench/echo -serverprofile /tmp/reactor.prof   # CPU profile of the gotwisted server
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
)

var (
	serve         = flag.String("serve", "", "internal: run the named Go echo server and print its port")
	conns         = flag.Int("conns", 50, "connections per measurement")
	size          = flag.Int("size", 64, "message size in bytes")
	depths        = flag.String("inflight", "1,16", "messages in flight per connection, comma-separated")
	duration      = flag.Duration("duration", 3*time.Second, "measured time per round")
	warmup        = flag.Duration("warmup", 500*time.Millisecond, "unmeasured time before each round")
	rounds        = flag.Int("rounds", 3, "rounds per measurement (the median is reported)")
	servers       = flag.String("servers", "gotwisted,goroutine,twisted", "servers to measure, comma-separated")
	python        = flag.String("python", "/usr/bin/python3", "Python interpreter with Twisted")
	serverProfile = flag.String("serverprofile", "", "write a CPU profile of the gotwisted server to this file")
)

func main() {
	flag.Parse()
	if *serve != "" {
		if err := runServer(*serve); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := runBenchmark(); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// The servers.

// Echo is the gotwisted server's protocol: Twisted's examples/echoserv.py.
type Echo struct{ protocol.Protocol }

func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }

func runServer(kind string) error {
	switch kind {
	case "gotwisted":
		// The reactor logs ports opening and closing at Info; keep the table readable.
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if *serverProfile != "" {
			f, err := os.Create(*serverProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
		f := protocol.ForProtocol(func() protocol.IProtocol { return &Echo{} })
		f.Quiet = true
		port, err := reactor.ListenTCP(0, f, reactor.Interface("127.0.0.1"), reactor.Backlog(1024))
		if err != nil {
			return err
		}
		fmt.Println(port.GetHost().(*net.TCPAddr).Port)
		// The default reactor stops cleanly on SIGTERM, so the profile is written.
		return reactor.Run()
	case "goroutine":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
		go func() {
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
			<-sig
			l.Close()
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return nil
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64*1024)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}
	return fmt.Errorf("unknown server %q", kind)
}

// twistedEcho is Twisted's echo server (examples/echoserv.py) on a free port.
const twistedEcho = `
from twisted.internet import reactor, protocol
class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)
f = protocol.Factory.forProtocol(Echo)
f.noisy = False
port = reactor.listenTCP(0, f, backlog=1024, interface="127.0.0.1")
print(port.getHost().port, flush=True)
reactor.run()
`

// server is a running echo server process.
type server struct {
	name string
	cmd  *exec.Cmd
	port int
}

func startServer(name string) (*server, error) {
	var cmd *exec.Cmd
	switch name {
	case "twisted":
		cmd = exec.Command(*python, "-c", twistedEcho)
	case "gotwisted", "goroutine":
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		args := []string{"-serve", name}
		if name == "gotwisted" && *serverProfile != "" {
			args = append(args, "-serverprofile", *serverProfile)
		}
		cmd = exec.Command(exe, args...)
	default:
		return nil, fmt.Errorf("unknown server %q", name)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s server: %w", name, err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s server printed no port: %w", name, err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s server printed %q", name, line)
	}
	return &server{name: name, cmd: cmd, port: port}, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// The load generator.

// measure runs conns connections against port with inflight messages outstanding each,
// and returns echoed messages per second over d (after the warm-up).
func measure(port, conns, size, inflight int, warm, d time.Duration) (float64, error) {
	var completed atomic.Int64
	var counting atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	cs := make([]net.Conn, 0, conns)
	for range conns {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			for _, c := range cs {
				c.Close()
			}
			return 0, err
		}
		cs = append(cs, c)
	}
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	for _, c := range cs {
		window := make(chan struct{}, inflight)
		for range inflight {
			window <- struct{}{}
		}
		wg.Add(2)
		go func() { // writer: send whenever the window has room
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-window:
				}
				if _, err := c.Write(msg); err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
			}
		}()
		go func() { // reader: each fully echoed message opens the window again
			defer wg.Done()
			buf := make([]byte, 64*1024)
			pending := 0
			for {
				n, err := c.Read(buf)
				pending += n
				for pending >= size {
					pending -= size
					if counting.Load() {
						completed.Add(1)
					}
					window <- struct{}{}
				}
				if err != nil {
					if ctx.Err() == nil && err != io.EOF {
						errs <- err
					}
					return
				}
			}
		}()
	}
	time.Sleep(warm)
	counting.Store(true)
	start := time.Now()
	time.Sleep(d)
	n := completed.Load()
	elapsed := time.Since(start)
	cancel()
	for _, c := range cs {
		c.Close()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(n) / elapsed.Seconds(), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func runBenchmark() error {
	var inflights []int
	for _, f := range strings.Split(*depths, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -inflight %q", *depths)
		}
		inflights = append(inflights, n)
	}
	names := strings.Split(*servers, ",")
	fmt.Printf("echo benchmark: %d connections, %d-byte messages, %v per round, median of %d rounds\n",
		*conns, *size, *duration, *rounds)
	fmt.Printf("%s, GOMAXPROCS=%d, %s/%s\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	// All servers run at once (an idle one costs nothing) and the rounds are interleaved,
	// rotating the order, so that load changes on a shared machine hit every server alike.
	running := map[string]*server{}
	for _, name := range names {
		s, err := startServer(name)
		if err != nil {
			fmt.Printf("%-10s skipped: %v\n", name, err)
			continue
		}
		running[name] = s
		defer s.stop()
	}
	results := map[string]map[int]float64{}
	for _, inflight := range inflights {
		rates := map[string][]float64{}
		for round := range *rounds {
			for i := range names {
				name := names[(i+round)%len(names)]
				s, ok := running[name]
				if !ok {
					continue
				}
				rate, err := measure(s.port, *conns, *size, inflight, *warmup, *duration)
				if err != nil {
					return fmt.Errorf("%s, %d in flight: %w", name, inflight, err)
				}
				rates[name] = append(rates[name], rate)
			}
		}
		for name, rs := range rates {
			if results[name] == nil {
				results[name] = map[int]float64{}
			}
			results[name][inflight] = median(rs)
		}
	}
	fmt.Printf("\n%-10s", "server")
	for _, inflight := range inflights {
		fmt.Printf("  %14s  %9s", fmt.Sprintf("%d in flight", inflight), "ratio")
	}
	fmt.Println()
	for _, name := range names {
		fmt.Printf("%-10s", name)
		for _, inflight := range inflights {
			rate, ok := results[name][inflight]
			base, okBase := results["gotwisted"][inflight]
			switch {
			case !ok:
				fmt.Printf("  %14s  %9s", "-", "-")
			case okBase && base > 0:
				fmt.Printf("  %12.0f/s  %8.2fx", rate, rate/base)
			default:
				fmt.Printf("  %12.0f/s  %9s", rate, "-")
			}
		}
		fmt.Println()
	}
	fmt.Println("\n(ratio: messages/s relative to gotwisted's reactor at the same depth)")
	return nil
}
