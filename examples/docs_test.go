package examples

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// listingRE finds the listings the PB howtos in docs/ include: a marker naming the file,
// then a fenced Go block that must be that file, word for word.
var listingRE = regexp.MustCompile("(?s)<!-- listing: ([^ ]+) -->\n```go\n(.*?)\n```")

var updateDocs = flag.Bool("update-docs", false, "rewrite the listings in docs/pb-*.md from the example sources")

// TestDocsListingsMatchExamples keeps docs/pb-usage.md and docs/pb-copyable.md true: every
// listing they show is the current source of the example it names. After editing an
// example, go test -run TestDocsListings -update-docs ./examples/ pastes it again.
func TestDocsListingsMatchExamples(t *testing.T) {
	for _, doc := range []string{"pb-usage.md", "pb-copyable.md"} {
		docPath := filepath.Join("..", "docs", doc)
		src, err := os.ReadFile(docPath)
		if err != nil {
			t.Fatal(err)
		}
		if *updateDocs {
			src = listingRE.ReplaceAllFunc(src, func(block []byte) []byte {
				path := listingRE.FindSubmatch(block)[1]
				file, err := os.ReadFile(filepath.Join("..", string(path)))
				if err != nil {
					t.Errorf("%s: listing %s: %v", doc, path, err)
					return block
				}
				return []byte("<!-- listing: " + string(path) + " -->\n```go\n" + strings.TrimRight(string(file), "\n") + "\n```")
			})
			if err := os.WriteFile(docPath, src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		matches := listingRE.FindAllStringSubmatch(string(src), -1)
		if len(matches) == 0 {
			t.Errorf("%s shows no listings", doc)
		}
		for _, m := range matches {
			path, shown := m[1], m[2]
			file, err := os.ReadFile(filepath.Join("..", path))
			if err != nil {
				t.Errorf("%s: listing %s: %v", doc, path, err)
				continue
			}
			if strings.TrimRight(string(file), "\n") != shown {
				t.Errorf("%s shows an outdated %s: run with -update-docs", doc, path)
			}
		}
		if n := strings.Count(string(src), "<!-- listing:"); n != len(matches) {
			t.Errorf("%s: %d listing markers, %d followed by a Go block", doc, n, len(matches))
		}
	}
}
