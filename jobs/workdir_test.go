package jobs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWorkDir: a starting worker removes the work directories of workers that no longer run, with the
// recordings they were downloading, and keeps those of running ones and anything else in the directory.
func TestWorkDir(t *testing.T) {
	parent := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(parent, workDirPrefix+strconv.Itoa(gone.Process.Pid))
	running := filepath.Join(parent, workDirPrefix+strconv.Itoa(os.Getppid()))
	other := filepath.Join(parent, "parley-worker-notes")
	for _, d := range []string{dead, running, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "call-1.wav"), []byte("RIFF"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir, remove, err := WorkDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(parent, workDirPrefix+strconv.Itoa(os.Getpid())); dir != want {
		t.Errorf("work directory %s, want %s", dir, want)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the directory of a stopped worker is still there (%v)", err)
	}
	for _, d := range []string{running, other, dir} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	// A second start of the same worker keeps its own directory; stopping removes it.
	if again, _, err := WorkDir(parent); err != nil || again != dir {
		t.Fatalf("again: %s, %v", again, err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("own directory removed: %v", err)
	}
	remove()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("own directory left after remove (%v)", err)
	}
	if _, _, err := WorkDir(filepath.Join(parent, "missing")); err == nil {
		t.Error("a missing parent directory is not an error")
	}
}
