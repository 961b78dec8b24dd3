package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed python/pb_server.py python/pb_client.py
var pythonScripts embed.FS

// twistedRunner runs Twisted PB: a Python server process and a Python client process.
type twistedRunner struct {
	python string
	dir    string // where the scripts are written
}

func newTwistedRunner(python string) (*twistedRunner, error) {
	if err := exec.Command(python, "-c", "import twisted.spread.pb").Run(); err != nil {
		return nil, fmt.Errorf("%s cannot import twisted.spread.pb: %w", python, err)
	}
	dir, err := os.MkdirTemp("", "pbbench")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"pb_server.py", "pb_client.py"} {
		src, err := pythonScripts.ReadFile("python/" + name)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return nil, err
		}
	}
	return &twistedRunner{python: python, dir: dir}, nil
}

func (t *twistedRunner) close() { os.RemoveAll(t.dir) }

// run measures one shape: pb_client.py against pb_server.py, each a single-threaded
// Twisted process, as Twisted PB programs run.
func (t *twistedRunner) run(s shape, warmup, dur time.Duration) result {
	srv, err := startChild(exec.Command(t.python, filepath.Join(t.dir, "pb_server.py")))
	if err != nil {
		return result{err: err}
	}
	defer srv.stop()
	ctx, cancel := context.WithTimeout(context.Background(), warmup+dur+60*time.Second)
	defer cancel()
	cli := exec.CommandContext(ctx, t.python, filepath.Join(t.dir, "pb_client.py"), strconv.Itoa(srv.port), s.payload,
		strconv.Itoa(s.conns), strconv.Itoa(s.inflight),
		strconv.FormatFloat(warmup.Seconds(), 'f', -1, 64), strconv.FormatFloat(dur.Seconds(), 'f', -1, 64))
	var cliErr strings.Builder
	cli.Stderr = &cliErr
	out, err := cli.Output()
	if err != nil {
		return result{err: fmt.Errorf("pb_client.py: %v\n%s%s", err, out, cliErr.String())}
	}
	return parseClientResult(string(out))
}

// parseClientResult reads pb_client.py's "RESULT <calls> <seconds> <cpu seconds>" line.
func parseClientResult(out string) result {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 4 && f[0] == "RESULT":
			calls, err1 := strconv.ParseInt(f[1], 10, 64)
			secs, err2 := strconv.ParseFloat(f[2], 64)
			cpu, err3 := strconv.ParseFloat(f[3], 64)
			if err1 != nil || err2 != nil || err3 != nil {
				return result{err: fmt.Errorf("pb_client.py: bad result line %q", l)}
			}
			return result{calls: calls, elapsed: time.Duration(secs * float64(time.Second)),
				cpu: time.Duration(cpu * float64(time.Second))}
		case len(f) > 0 && f[0] == "ERROR":
			return result{err: errors.New("pb_client.py: " + strings.TrimPrefix(l, "ERROR "))}
		}
	}
	return result{err: fmt.Errorf("pb_client.py printed no result: %q", out)}
}
