package examples

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/internal/twistedtest"
)

// The cred listings: twisted-doc's PB authentication howto (howto/listings/pb: pb5, pb6,
// chat, port 8800) and the login examples of its examples folder (pbecho, port 8787).
// pbAnonServer/pbAnonClient (Twisted log lines with timestamps) and pbbenchserver/
// pbbenchclient (rates that vary) print lines no two runs share, so they have tests of
// their own in this file instead of entries here.
func init() {
	pairs = append(pairs,
		pair{
			name:   "pb5",
			port:   8800,
			server: listing{goPkg: "pb5server", py: "howto/listings/pb/pb5server.py", patch: bytesCredentials, lines: 1},
			client: listing{goPkg: "pb5client", py: "howto/listings/pb/pb5client.py", patch: bytesCredentials, lines: 2},
		},
		pair{
			name:   "pb6-client1",
			port:   8800,
			server: listing{goPkg: "pb6server", py: "howto/listings/pb/pb6server.py", patch: bytesCredentials, lines: 1},
			client: listing{goPkg: "pb6client1", py: "howto/listings/pb/pb6client1.py", patch: bytesCredentials, lines: 2},
		},
		pair{
			name:   "chat",
			port:   8800,
			server: listing{goPkg: "chatserver", py: "howto/listings/pb/chatserver.py", patch: bytesCredentials},
			client: listing{goPkg: "chatclient", py: "howto/listings/pb/chatclient.py", patch: bytesCredentials},
		},
		pair{
			name:   "pbecho",
			port:   8787,
			server: listing{goPkg: "pbecho", py: "examples/pbecho.py", patch: bytesCredentials, lines: 2},
			client: listing{goPkg: "pbechoclient", py: "examples/pbechoclient.py", patch: bytesCredentials},
		},
		pair{
			name:   "pb6-client2",
			port:   8800,
			server: listing{goPkg: "pb6server", py: "howto/listings/pb/pb6server.py", patch: bytesCredentials, lines: 1},
			client: listing{goPkg: "pb6client2", py: "howto/listings/pb/pb6client2.py", patch: bytesCredentials, lines: 2},
		},
	)
}

// Python 3 fixes for listings written when str was bytes: Twisted's cred compares and
// hashes credentials as bytes, so a str password makes pb.respond (client) or the
// challenger's MD5 (server) raise TypeError. These rewrite the literal usernames and
// passwords of UsernamePassword(...), addUser(...) and the in-memory checker's keyword
// arguments as bytes literals. Only the Python side is patched; the Go ports use strings,
// which Go's cred treats as bytes.
var (
	credCallRE = regexp.MustCompile(`(UsernamePassword|addUser)\("([^"]*)", "([^"]*)"\)`)
	credKwRE   = regexp.MustCompile(`(InMemoryUsernamePasswordDatabaseDontUse\()([^)]*)\)`)
	kwStrRE    = regexp.MustCompile(`(\w+)="([^"]*)"`)
)

func bytesCredentials(src string) string {
	src = credCallRE.ReplaceAllString(src, `$1(b"$2", b"$3")`)
	return credKwRE.ReplaceAllStringFunc(src, func(call string) string {
		return kwStrRE.ReplaceAllString(call, `$1=b"$2"`)
	})
}

// The cred pairs whose printed lines vary from run to run.
var (
	// pbAnon logs through twisted.python.log, which stamps every line with the time.
	pbAnonPair = pair{
		name:   "pbAnon",
		port:   8800,
		server: listing{goPkg: "pbAnonServer", py: "howto/listings/pb/pbAnonServer.py", patch: bytesCredentials, lines: 5},
		client: listing{goPkg: "pbAnonClient", py: "howto/listings/pb/pbAnonClient.py", patch: bytesCredentials},
	}
	// pbbench prints call rates. Neither side exits: the run ends after two lines each.
	pbbenchPair = pair{
		name:   "pbbench",
		port:   8787,
		server: listing{goPkg: "pbbenchserver", py: "examples/pbbenchserver.py", lines: 2},
		client: listing{goPkg: "pbbenchclient", py: "examples/pbbenchclient.py", lines: 2},
	}
)

// credRunner prepares a runner for ps as TestExamplesAgainstPython does: the listings
// copied to a work folder and the Go ports built.
func credRunner(t *testing.T, ps ...pair) *runner {
	t.Helper()
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
	for _, p := range ps {
		pkgs = append(pkgs, "./"+p.server.goPkg, "./"+p.client.goPkg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", append([]string{"build", "-o", r.bin + "/"}, pkgs...)...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build examples: %v\n%s", err, out)
	}
	return r
}

var credCombos = []struct {
	name               string
	goServer, goClient bool
}{
	{"GoServer-PythonClient", true, false},
	{"PythonServer-GoClient", false, true},
	{"GoServer-GoClient", true, true},
}

// twistedLogStamp is the time at the start of each line of Twisted's legacy log format.
var twistedLogStamp = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} `)

// portClosedRE is the line a listening port logs when it closes. The text is Twisted's on
// both sides, "(TCP Port 8800 Closed)", but the prefix is not: Twisted's log system puts the
// factory's logPrefix in front ("[twisted.spread.pb.PBServerFactory]"), which gotwisted's
// slog records do not carry. The line is dropped from both sides.
var portClosedRE = regexp.MustCompile(`\(\w+ Port \d+ Closed\)$`)

// unstampTwistedLog removes the timestamps and the port-closed line the server prints when
// the test stops it.
func unstampTwistedLog(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if !portClosedRE.MatchString(l) {
			out = append(out, twistedLogStamp.ReplaceAllString(l, ""))
		}
	}
	return out
}

// The anonymous and username/password logins of pbAnonServer/pbAnonClient, against the
// Python listings both ways; lines compared without their timestamps.
func TestPbAnonAgainstPython(t *testing.T) {
	r := credRunner(t, pbAnonPair)
	want, err := r.run(t, pbAnonPair, false, false)
	if err != nil {
		t.Fatalf("Python pair: %v", err)
	}
	want.server, want.client = unstampTwistedLog(want.server), unstampTwistedLog(want.client)
	if len(want.client) < 6 || len(want.server) < 5 {
		t.Fatalf("the Python pair printed too little:\n%s\n--\n%s",
			strings.Join(want.server, "\n"), strings.Join(want.client, "\n"))
	}
	for _, combo := range credCombos {
		got, err := r.run(t, pbAnonPair, combo.goServer, combo.goClient)
		if err != nil {
			t.Errorf("%s: %v", combo.name, err)
			continue
		}
		got.server, got.client = unstampTwistedLog(got.server), unstampTwistedLog(got.client)
		if !equalLines(got.client, want.client) {
			t.Errorf("%s: client printed\n%s\nPython's client printed\n%s", combo.name,
				strings.Join(got.client, "\n"), strings.Join(want.client, "\n"))
		}
		if !equalLines(got.server, want.server) {
			t.Errorf("%s: server printed\n%s\nPython's server printed\n%s", combo.name,
				strings.Join(got.server, "\n"), strings.Join(want.server, "\n"))
		}
	}
}

var (
	pbbenchServerRate = regexp.MustCompile(`^\(s\) cps: \d+$`)
	pbbenchClientRate = regexp.MustCompile(`^(cps: \d+|WARNING it took more than one second)$`)
)

// pbbenchserver/pbbenchclient against the Python listings both ways: each side prints
// rate lines of the listing's shape, the server's first right at login ("(s) cps: 0"),
// and the client completes calls (the rates themselves are measured by benchmarks, not
// here).
func TestPbbenchAgainstPython(t *testing.T) {
	r := credRunner(t, pbbenchPair)
	for _, combo := range append([]struct {
		name               string
		goServer, goClient bool
	}{{"PythonServer-PythonClient", false, false}}, credCombos...) {
		got, err := r.run(t, pbbenchPair, combo.goServer, combo.goClient)
		if err != nil {
			t.Errorf("%s: %v", combo.name, err)
			continue
		}
		t.Logf("%s: server %q client %q", combo.name, got.server, got.client)
		if len(got.server) < 2 || got.server[0] != "(s) cps: 0" {
			t.Errorf("%s: server printed %q", combo.name, got.server)
		}
		for _, l := range got.server {
			if !pbbenchServerRate.MatchString(l) {
				t.Errorf("%s: server line %q", combo.name, l)
			}
		}
		if len(got.client) < 2 {
			t.Errorf("%s: client printed %q", combo.name, got.client)
		}
		for _, l := range got.client {
			if !pbbenchClientRate.MatchString(l) {
				t.Errorf("%s: client line %q", combo.name, l)
			}
		}
		if len(got.server) >= 2 && got.server[1] == "(s) cps: 0" {
			t.Errorf("%s: the server counted no calls in its first second: %q", combo.name, got.server)
		}
	}
}

// docs/pb-cred.md shows the cred examples; every listing there must be the current source
// of the example it names (the marker convention of docs_test.go).
func TestCredDocsListingsMatchExamples(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "docs", "pb-cred.md"))
	if err != nil {
		t.Fatal(err)
	}
	matches := listingRE.FindAllStringSubmatch(string(src), -1)
	if len(matches) != 9 {
		t.Errorf("docs/pb-cred.md shows %d listings, want the 9 cred examples", len(matches))
	}
	for _, m := range matches {
		path, shown := m[1], m[2]
		file, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Errorf("listing %s: %v", path, err)
			continue
		}
		if strings.TrimRight(string(file), "\n") != shown {
			t.Errorf("docs/pb-cred.md shows an outdated %s", path)
		}
	}
}
