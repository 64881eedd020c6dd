package resident

import (
	"bytes"
	_ "embed"
	"os"
	"strconv"
	"strings"
	"testing"
)

//go:embed testdata/pages.bin
var pages []byte

// rssFile is the process's resident file-backed memory in kB (Linux), -1 when unknown.
func rssFile() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "RssFile:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

// TestDrop: embedded data read and then dropped stays the same when read again, and on Linux its pages
// leave the process's resident memory.
func TestDrop(t *testing.T) {
	want := bytes.Repeat([]byte("parley "), len(pages)/7)
	if !bytes.Equal(pages[:len(want)], want) {
		t.Fatal("testdata/pages.bin is not what the test wrote")
	}
	before := rssFile()
	Drop(pages)
	after := rssFile()
	if !bytes.Equal(pages[:len(want)], want) {
		t.Fatal("the data changed after Drop")
	}
	if before >= 0 && len(pages) >= 1<<20 && before-after < 3<<8 {
		t.Errorf("resident file pages %d kB → %d kB after dropping %d kB", before, after, len(pages)>>10)
	}
	Drop(nil)
	Drop(pages[:10])
}
