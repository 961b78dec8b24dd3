// Command pbbench measures gotwisted's Perspective Broker side by side with Twisted's PB
// and Go's net/rpc, on the same loopback workloads in one run, and prints calls per second
// and the ratios between them, then the CPU time per call of each system (its client and
// server processes together), the figure that the load of other programs on a shared
// machine disturbs least.
//
// Usage:
//
//	go run ./cmd/pbbench            # every shape, 2 s each after 0.5 s of warm-up
//	go run ./cmd/pbbench -quick     # 0.5 s each: a smoke run
//	go run ./cmd/pbbench -rounds 3  # the median of three runs of every shape
//
// Each shape is an echo call whose argument comes back as the answer: sequential small
// calls (a 5-character str), 100 calls in flight on one connection, bytes of 1 KiB and 64
// KiB, a list of 1000 ints, a dict of 100 str keys, and 50 concurrent clients each making
// sequential small calls. Every answer is checked; a run counts only the answers received
// in its measured window.
//
// The systems:
//
//   - gotwisted: a PB server reactor and a PB client reactor (one goroutine each, the
//     client holding all of the shape's connections) in this process.
//   - Twisted: python/pb_server.py and python/pb_client.py, two single-threaded Python
//     processes (Debian's python3 with Twisted; -python picks another interpreter, and
//     the column is left out if it has no Twisted).
//   - net/rpc: Go's net/rpc with gob over TCP, in this process: one rpc.Client per
//     connection and one goroutine per call in flight.
//
// The targets (DESIGN.md): at least net/rpc's calls/s in every shape, and at least 50
// times Twisted's on the structured payloads (the list and the dict). -check makes the
// exit status say whether they were met. -separate runs the Go servers in a child process,
// as Twisted's server runs in its own; then allocs/call and the profiles cover the client
// side alone. -cpuprofile and -memprofile write pprof profiles of the run; with -systems
// gotwisted they show PB's hot spots alone.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

type config struct {
	warmup, duration time.Duration
	rounds           int
	shapes           *regexp.Regexp
	systems          map[string]bool
	python           string
	separate         bool // Go servers in a child process
}

// row is one shape's results: the median of the rounds for each system.
type row struct {
	shape                    shape
	gotwisted, twisted, rpc  result
	hasTwisted, hasGotwisted bool
	hasRPC                   bool
}

func main() {
	var (
		quick      = flag.Bool("quick", false, "short runs (0.2 s warm-up, 0.5 s window): a smoke test, not a measurement")
		warmup     = flag.Duration("warmup", 500*time.Millisecond, "warm-up before each measured window")
		duration   = flag.Duration("duration", 2*time.Second, "length of each measured window")
		rounds     = flag.Int("rounds", 1, "runs of each shape and system; the median is reported")
		shapesRE   = flag.String("shapes", "", "run only the shapes whose name matches this regexp")
		systems    = flag.String("systems", "gotwisted,twisted,netrpc", "comma-separated systems to run")
		python     = flag.String("python", "/usr/bin/python3", "Python interpreter with Twisted")
		check      = flag.Bool("check", false, "exit with status 1 if a target is missed")
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
		memprofile = flag.String("memprofile", "", "write an allocation profile of the run to this file")
		separate   = flag.Bool("separate", false, "run the gotwisted and net/rpc servers in a child process, as Twisted's runs")
	)
	flag.Parse()
	// The factories log every port they open and close; the table is the output.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if system := os.Getenv(serveEnv); system != "" {
		if err := serve(system); err != nil {
			fatalf("%s=%s: %v", serveEnv, system, err)
		}
		return
	}
	cfg := config{warmup: *warmup, duration: *duration, rounds: *rounds, python: *python,
		separate: *separate, systems: map[string]bool{}}
	if *quick {
		cfg.warmup, cfg.duration = 200*time.Millisecond, 500*time.Millisecond
	}
	if cfg.rounds < 1 {
		cfg.rounds = 1
	}
	re, err := regexp.Compile(*shapesRE)
	if err != nil {
		fatalf("-shapes: %v", err)
	}
	cfg.shapes = re
	for _, s := range strings.Split(*systems, ",") {
		switch s = strings.TrimSpace(s); s {
		case "gotwisted", "twisted", "netrpc":
			cfg.systems[s] = true
		case "":
		default:
			fatalf("-systems: unknown system %q (gotwisted, twisted, netrpc)", s)
		}
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fatalf("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatalf("%v", err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 * 1024
		defer func() {
			f, err := os.Create(*memprofile)
			if err != nil {
				fatalf("%v", err)
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fatalf("%v", err)
			}
		}()
	}

	ok := run(os.Stdout, cfg)
	if *check && !ok {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pbbench: "+format+"\n", args...)
	os.Exit(2)
}

// run measures every selected shape and prints the table; it reports whether every
// target that could be checked was met.
func run(w io.Writer, cfg config) bool {
	var tw *twistedRunner
	twistedNote := "Twisted: not run"
	if cfg.systems["twisted"] {
		var err error
		tw, err = newTwistedRunner(cfg.python)
		if err != nil {
			twistedNote = "Twisted: left out (" + err.Error() + ")"
		} else {
			defer tw.close()
			twistedNote = "Twisted " + twistedVersion(cfg.python) + " (" + cfg.python + ")"
		}
	}
	fmt.Fprintf(w, "pbbench: loopback TCP, %d CPUs, GOMAXPROCS=%d, %s, %s/%s; %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, twistedNote)
	where := "client and server in this process"
	if cfg.separate {
		where = "each server in its own process"
	}
	fmt.Fprintf(w, "each figure: answers/s over a %v window after %v of warm-up, median of %d round(s); Go systems: %s\n\n",
		cfg.duration, cfg.warmup, cfg.rounds, where)

	var rows []row
	for _, s := range shapes {
		if !cfg.shapes.MatchString(s.name) {
			continue
		}
		r := row{shape: s}
		var gt, tws, rpcs []result
		// Rounds interleave the systems, so a change in the machine's load hits them alike.
		for i := 0; i < cfg.rounds; i++ {
			if cfg.systems["gotwisted"] {
				gt = append(gt, runGo("gotwisted", cfg, s, runGotwisted))
			}
			if tw != nil {
				tws = append(tws, tw.run(s, cfg.warmup, cfg.duration))
			}
			if cfg.systems["netrpc"] {
				rpcs = append(rpcs, runGo("netrpc", cfg, s, runNetRPC))
			}
		}
		r.gotwisted, r.hasGotwisted = median(gt), len(gt) > 0
		r.twisted, r.hasTwisted = median(tws), len(tws) > 0
		r.rpc, r.hasRPC = median(rpcs), len(rpcs) > 0
		rows = append(rows, r)
	}
	return report(w, rows)
}

// runGo measures a shape against a fresh server of a Go system.
func runGo(system string, cfg config, s shape, client func(shape, time.Duration, time.Duration, *server) result) result {
	srv, err := startServer(system, cfg.separate)
	if err != nil {
		return result{err: err}
	}
	defer srv.stop()
	return client(s, cfg.warmup, cfg.duration, srv)
}

// median returns the result with the median rate (an error if any round failed).
func median(rs []result) result {
	if len(rs) == 0 {
		return result{}
	}
	for _, r := range rs {
		if r.err != nil {
			return r
		}
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b result) int {
		switch {
		case a.rate() < b.rate():
			return -1
		case a.rate() > b.rate():
			return 1
		}
		return 0
	})
	return sorted[len(sorted)/2]
}

func report(w io.Writer, rows []row) bool {
	t := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(t, "calls/s\tgotwisted\tTwisted\tnet/rpc\tvs Twisted\tvs net/rpc\t")
	allOK := true
	var failures []string
	met, total := 0, 0
	for _, r := range rows {
		cells := []string{r.shape.name}
		cells = append(cells, cell(r.gotwisted, r.hasGotwisted), cell(r.twisted, r.hasTwisted), cell(r.rpc, r.hasRPC))
		vsTwisted, vsRPC := "-", "-"
		if ok := r.hasGotwisted && r.hasTwisted && r.gotwisted.err == nil && r.twisted.err == nil; ok {
			ratio := r.gotwisted.rate() / r.twisted.rate()
			vsTwisted = fmt.Sprintf("%.1fx", ratio)
			if r.shape.structured {
				total++
				if ratio >= 50 {
					met++
				} else {
					vsTwisted += " (<50x)"
					allOK = false
				}
			}
		}
		if ok := r.hasGotwisted && r.hasRPC && r.gotwisted.err == nil && r.rpc.err == nil; ok {
			ratio := r.gotwisted.rate() / r.rpc.rate()
			vsRPC = fmt.Sprintf("%.2fx", ratio)
			total++
			if ratio >= 1 {
				met++
			} else {
				vsRPC += " (<1x)"
				allOK = false
			}
		}
		cells = append(cells, vsTwisted, vsRPC)
		fmt.Fprintln(t, strings.Join(cells, "\t")+"\t")
		for name, res := range map[string]result{"gotwisted": r.gotwisted, "Twisted": r.twisted, "net/rpc": r.rpc} {
			if res.err != nil {
				failures = append(failures, fmt.Sprintf("%s, %s: %v", r.shape.name, name, res.err))
				allOK = false
			}
		}
	}
	t.Flush()
	fmt.Fprintf(w, "targets met: %d of %d (gotwisted >= net/rpc in every shape; >= 50x Twisted on the list and the dict)\n\n", met, total)

	// CPU per call is what the load of other programs disturbs least: it says how much
	// work each system does, where calls/s also says how long it waited for a core.
	t = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(t, "CPU µs/call\tgotwisted\tTwisted\tnet/rpc\tTwisted/gotwisted\tnet/rpc/gotwisted\tgotwisted allocs/call\t")
	for _, r := range rows {
		cells := []string{r.shape.name, cpuCell(r.gotwisted, r.hasGotwisted), cpuCell(r.twisted, r.hasTwisted), cpuCell(r.rpc, r.hasRPC)}
		cells = append(cells, cpuRatio(r.twisted, r.gotwisted), cpuRatio(r.rpc, r.gotwisted))
		allocs := "-"
		if r.hasGotwisted && r.gotwisted.err == nil {
			allocs = fmt.Sprintf("%.0f", r.gotwisted.allocs)
		}
		cells = append(cells, allocs)
		fmt.Fprintln(t, strings.Join(cells, "\t")+"\t")
	}
	t.Flush()
	fmt.Fprintln(w, "CPU: client and server processes together; allocs/call: heap allocations in this process")
	fmt.Fprintln(w, "per gotwisted call (client and server together, or the client alone with -separate)")
	slices.Sort(failures)
	for _, f := range failures {
		fmt.Fprintln(w, "error:", f)
	}
	return allOK
}

func cpuCell(r result, present bool) string {
	if !present || r.err != nil || r.cpuPerCall() <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(r.cpuPerCall())/float64(time.Microsecond))
}

// cpuRatio is how many times more CPU per call other used than gotwisted.
func cpuRatio(other, gotwisted result) string {
	if other.cpuPerCall() <= 0 || gotwisted.cpuPerCall() <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fx", float64(other.cpuPerCall())/float64(gotwisted.cpuPerCall()))
}

func cell(r result, present bool) string {
	switch {
	case !present:
		return "-"
	case r.err != nil:
		return "error"
	}
	return thousands(r.rate())
}

// thousands formats a rate as an integer with thousands separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func twistedVersion(python string) string {
	out, err := exec.Command(python, "-c", "import twisted; print(twisted.__version__)").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
