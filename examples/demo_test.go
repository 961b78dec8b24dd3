package examples

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemo runs ./demo.sh, the README's first command, and checks that the Go client got
// its echo from the Go server, so the README stays true.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the demo programs; skipped in -short mode")
	}
	waitPortFree(8789, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./demo.sh")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("./demo.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, want := range []string{"server echoed: hello network", "echoing: hello network"} {
		found := false
		for _, l := range lines {
			if l == want {
				found = true
			}
		}
		if !found {
			t.Errorf("./demo.sh printed no line %q; it printed:\n%s", want, out)
		}
	}
}
