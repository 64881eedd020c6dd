package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// workDirPrefix names the directory each worker process downloads recordings into, followed by its pid.
const workDirPrefix = "parley-worker-"

// WorkDir makes the directory this worker process downloads recordings into, <parent>/parley-worker-<pid>,
// and removes the ones left under parent by workers that no longer run: a worker killed (kill -9, out
// of memory, a lost machine) cannot delete the recording it was transcribing, and on a busy host those
// would fill the disk. remove deletes the directory when the worker stops.
func WorkDir(parent string) (dir string, remove func(), err error) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return "", nil, fmt.Errorf("work directory: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.TrimPrefix(e.Name(), workDirPrefix))
		if !e.IsDir() || !strings.HasPrefix(e.Name(), workDirPrefix) || err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		stale := filepath.Join(parent, e.Name())
		if err := os.RemoveAll(stale); err != nil {
			slog.Warn("could not remove the work directory of a stopped worker", "dir", stale, "error", err)
			continue
		}
		slog.Info("removed the work directory of a stopped worker", "dir", stale)
	}
	dir = filepath.Join(parent, workDirPrefix+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("work directory: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// alive reports whether a process with this pid runs (signal 0 checks without sending anything; EPERM
// means it runs as another user).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
