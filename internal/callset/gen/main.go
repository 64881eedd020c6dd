// Command gen generates the labelled call set (testdata/callset) into the parley cache, unless it is
// there already, and prints the folder: `parley eval --labels "$(go run ./internal/callset/gen)/audio"`
// measures recognition and all; .../reference the NLP and scoring on the reference transcripts.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/parley-cc/parley/internal/callset"
)

func main() {
	src := "testdata/callset"
	if len(os.Args) > 1 {
		src = os.Args[1]
	}
	dir, err := callset.Cached(src, callset.CacheRoot())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	abs, _ := filepath.Abs(dir)
	fmt.Println(abs)
}
