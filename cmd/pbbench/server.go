package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// serveEnv names the system a child pbbench process serves (see serve).
const serveEnv = "PBBENCH_SERVE"

// startServer starts the server of a Go system ("gotwisted" or "netrpc"): in this process,
// or, with separate, in a child process (this program again, with PBBENCH_SERVE set), as
// the Twisted server runs in its own process.
func startServer(system string, separate bool) (port int, stop func(), err error) {
	if !separate {
		return startInProcess(system)
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+system)
	return startChild(cmd)
}

func startInProcess(system string) (int, func(), error) {
	switch system {
	case "gotwisted":
		return startPBServer()
	case "netrpc":
		return startRPCServer()
	}
	return 0, nil, fmt.Errorf("no server for %q", system)
}

// startChild runs a server process that prints "PORT <n>" once it listens and stops when
// its standard input closes (pb_server.py, or pbbench -serve).
func startChild(cmd *exec.Cmd) (port int, stop func(), err error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	stop = func() {
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
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err == nil {
		port, err = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "PORT ")))
	}
	if err != nil {
		stop()
		return 0, nil, fmt.Errorf("%s: %v (printed %q)\n%s", cmd.Args[0], err, line, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	return port, stop, nil
}

// serve is what a child process started by startServer does: it runs a Go system's server
// and prints its port, until standard input closes.
func serve(system string) error {
	port, stop, err := startInProcess(system)
	if err != nil {
		return err
	}
	fmt.Printf("PORT %d\n", port)
	io.Copy(io.Discard, os.Stdin)
	stop()
	return nil
}
