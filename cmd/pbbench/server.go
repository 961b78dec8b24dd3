package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// serveEnv names the system a child pbbench process serves (see serve).
const serveEnv = "PBBENCH_SERVE"

// A server is a running echo server of one system.
type server struct {
	port int
	stop func()
	// cpu returns the CPU time the server's process has used; nil when the server runs in
	// this process, whose own CPU time then covers it.
	cpu func() time.Duration
}

// startServer starts the server of a Go system ("gotwisted" or "netrpc"): in this process,
// or, with separate, in a child process (this program again, with PBBENCH_SERVE set), as
// the Twisted server runs in its own process.
func startServer(system string, separate bool) (*server, error) {
	if !separate {
		return startInProcess(system)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+system)
	return startChild(cmd)
}

func startInProcess(system string) (*server, error) {
	var (
		port int
		stop func()
		err  error
	)
	switch system {
	case "gotwisted":
		port, stop, err = startPBServer()
	case "netrpc":
		port, stop, err = startRPCServer()
	default:
		err = fmt.Errorf("no server for %q", system)
	}
	if err != nil {
		return nil, err
	}
	return &server{port: port, stop: stop}, nil
}

// startChild runs a server process that prints "PORT <n>" once it listens, and stops when
// its standard input closes (pb_server.py, or pbbench serving). A pbbench child also
// answers a "cpu" line on its standard input with "CPU <nanoseconds>".
func startChild(cmd *exec.Cmd) (*server, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	var port int
	if err == nil {
		port, err = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "PORT ")))
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("%s: %v (printed %q)\n%s", cmd.Args[0], err, line, stderr.String())
	}
	var mu sync.Mutex
	cpu := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		if _, err := io.WriteString(stdin, "cpu\n"); err != nil {
			return 0
		}
		line, err := out.ReadString('\n')
		if err != nil {
			return 0
		}
		ns, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "CPU ")), 10, 64)
		return time.Duration(ns)
	}
	return &server{port: port, stop: stop, cpu: cpu}, nil
}

// serve is what a child process started by startServer does: it runs a Go system's server
// and prints its port, answers "cpu" lines with its CPU time, and stops when standard
// input closes.
func serve(system string) error {
	srv, err := startInProcess(system)
	if err != nil {
		return err
	}
	fmt.Printf("PORT %d\n", srv.port)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "cpu" {
			fmt.Printf("CPU %d\n", processCPU().Nanoseconds())
		}
	}
	srv.stop()
	return nil
}
