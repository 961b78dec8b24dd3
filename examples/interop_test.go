package examples

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gotwisted/twisted/internal/twistedtest"
)

// A listing is one side of an example: the Go port (a folder under examples/) and the
// Python original (a path under twisted-doc).
type listing struct {
	goPkg string // folder under examples/, e.g. "pbsimple"
	py    string // path under /usr/share/doc/twisted-doc, e.g. "examples/pbsimple.py"
	// patch rewrites the Python source before it runs (Python 3 fixes such as bytes
	// credentials); it never touches the Go side.
	patch func(src string) string
	// lines is how many lines this side prints before the run may end; 0 means the
	// program exits by itself (clients), or the server is stopped once the client is done.
	lines int
}

// A pair is a server listing and a client listing that talk on a fixed port.
type pair struct {
	name           string
	port           int
	server, client listing
}

// pairs lists every example pair. Each is run four ways: the Python pair gives the expected
// output, then Go server + Python client, Python server + Go client and Go + Go must print
// the same lines on each side.
var pairs = []pair{}

// normalize makes Python and Go output comparable: memory addresses in reprs vary per run.
var addrRE = regexp.MustCompile(`0x[0-9a-fA-F]+`)

func normalize(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, addrRE.ReplaceAllString(strings.TrimRight(l, "\r"), "0xADDR"))
	}
	return out
}

// process is a running side with its output collected line by line.
type process struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
	err   error
	errb  bytes.Buffer
}

func (p *process) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func start(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{cmd: cmd, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &p.errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p
}

// stop ends the process group (SIGTERM, then SIGKILL) and waits for its output.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitLines waits until the process printed n lines (n > 0) or exited (n == 0).
func (p *process) waitLines(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return n == 0 || len(p.output()) >= n
		default:
		}
		if n > 0 && len(p.output()) >= n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func waitPort(port int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func waitPortFree(port int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runner knows how to start either implementation of a listing.
type runner struct {
	python string
	docs   string
	bin    string // folder with the built Go examples
	work   string // folder with patched Python listings
}

// tacRunner runs a .tac file's application as twistd does (the file runs in a namespace
// holding only __file__, as twisted.persisted.sob.loadValueFromFile gives it) but without
// twistd's logging, so its printed lines are exactly what the listing prints.
const tacRunner = `
import sys
from twisted.application import service
from twisted.internet import reactor
ns = {"__file__": sys.argv[1]}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), ns)
svc = service.IService(ns["application"])
svc.startService()
reactor.addSystemEventTrigger("before", "shutdown", svc.stopService)
reactor.run()
`

func (r *runner) command(l listing, useGo bool) *exec.Cmd {
	if useGo {
		return exec.Command(filepath.Join(r.bin, l.goPkg))
	}
	src, err := os.ReadFile(filepath.Join(r.docs, l.py))
	if err != nil {
		panic(err)
	}
	text := string(src)
	if l.patch != nil {
		text = l.patch(text)
	}
	// Listings import their neighbours (copy_receiver.tac imports copy_sender): copy the
	// whole folder once, then write the patched file over its copy.
	path := filepath.Join(r.work, l.py)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		panic(err)
	}
	var cmd *exec.Cmd
	if strings.HasSuffix(l.py, ".tac") {
		cmd = exec.Command(r.python, "-u", "-c", tacRunner, path)
	} else {
		cmd = exec.Command(r.python, "-u", path)
	}
	cmd.Dir = filepath.Dir(path)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Dir(path), "PYTHONDONTWRITEBYTECODE=1")
	return cmd
}

type outcome struct{ server, client []string }

// run starts the server, waits for its port, runs the client to completion (or until it
// printed its lines), then stops the server once it printed its lines.
func (r *runner) run(t *testing.T, p pair, goServer, goClient bool) (outcome, error) {
	waitPortFree(p.port, 5*time.Second)
	srv := start(t, r.command(p.server, goServer))
	defer srv.stop()
	if !waitPort(p.port, 15*time.Second) {
		return outcome{}, fmt.Errorf("server never listened on %d; stderr:\n%s", p.port, srv.errb.String())
	}
	cli := start(t, r.command(p.client, goClient))
	defer cli.stop()
	if !cli.waitLines(p.client.lines, 20*time.Second) {
		cli.stop()
		return outcome{normalize(srv.output()), normalize(cli.output())},
			fmt.Errorf("client did not finish; got %q; stderr:\n%s", cli.output(), cli.errb.String())
	}
	if p.server.lines > 0 {
		srv.waitLines(p.server.lines, 10*time.Second)
	} else {
		srv.waitLines(0, 2*time.Second) // servers that stop themselves (remote_shutdown)
	}
	cli.stop()
	srv.stop()
	return outcome{normalize(srv.output()), normalize(cli.output())}, nil
}

// TestExamplesAgainstPython runs every example pair against its Python original.
func TestExamplesAgainstPython(t *testing.T) {
	if len(pairs) == 0 {
		t.Fatal("no example pairs registered")
	}
	python := twistedtest.Python(t)
	docs := twistedtest.DocDir(t)
	if testing.Short() {
		t.Skip("runs real programs; skipped in -short mode")
	}
	r := &runner{python: python, docs: docs, bin: t.TempDir(), work: t.TempDir()}
	for _, dir := range []string{"examples", "howto/listings/pb"} {
		if err := os.MkdirAll(filepath.Join(r.work, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		cp := exec.Command("sh", "-c", "cp -r "+filepath.Join(docs, dir)+"/. "+filepath.Join(r.work, dir))
		if out, err := cp.CombinedOutput(); err != nil {
			t.Fatalf("copy listings: %v\n%s", err, out)
		}
	}
	var pkgs []string
	for _, p := range pairs {
		pkgs = append(pkgs, "./"+p.server.goPkg, "./"+p.client.goPkg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", append([]string{"build", "-o", r.bin + "/"}, pkgs...)...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build examples: %v\n%s", err, out)
	}

	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			want, err := r.run(t, p, false, false)
			if err != nil {
				t.Fatalf("Python pair: %v", err)
			}
			for _, combo := range []struct {
				name               string
				goServer, goClient bool
			}{
				{"GoServer-PythonClient", true, false},
				{"PythonServer-GoClient", false, true},
				{"GoServer-GoClient", true, true},
			} {
				got, err := r.run(t, p, combo.goServer, combo.goClient)
				if err != nil {
					t.Errorf("%s: %v", combo.name, err)
					continue
				}
				if !equalLines(got.client, want.client) {
					t.Errorf("%s: client printed\n%s\nPython's client printed\n%s",
						combo.name, strings.Join(got.client, "\n"), strings.Join(want.client, "\n"))
				}
				if !equalLines(got.server, want.server) {
					t.Errorf("%s: server printed\n%s\nPython's server printed\n%s",
						combo.name, strings.Join(got.server, "\n"), strings.Join(want.server, "\n"))
				}
			}
		})
	}
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
