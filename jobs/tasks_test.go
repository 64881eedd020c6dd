package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley/storage"
)

func TestTaskContracts(t *testing.T) {
	p := Payload{Bucket: "calls", Key: "2026/a.wav", ETag: "e1", Size: 8000 * 60}
	if TaskID(TypeTranscribe, p) != TaskID(TypeTranscribe, p) {
		t.Error("task ID not stable")
	}
	changed := p
	changed.ETag = "e2"
	if TaskID(TypeTranscribe, p) == TaskID(TypeTranscribe, changed) || TaskID(TypeTranscribe, p) == TaskID(TypeAnalyze, p) {
		t.Error("a new object version, or the other task type, must be new work")
	}
	if d := Timeout(p.Size); d != 5*time.Minute+2*time.Minute {
		t.Errorf("timeout for a minute of audio: %v", d)
	}
	task, err := NewTranscribeTask(p, "bulk")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePayload(task.Payload())
	if err != nil || back.V != PayloadVersion || back.Key != p.Key {
		t.Errorf("round trip: %+v %v", back, err)
	}
	if _, err := NewTranscribeTask(p, "urgent"); err == nil {
		t.Error("unknown queue accepted")
	}
	for _, bad := range []string{`{"v": 99, "bucket": "b", "key": "k"}`, `{"v": 1, "bucket": "b"}`, `not json`} {
		if _, err := ParsePayload([]byte(bad)); !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s: %v, want an error that is not retried", bad, err)
		}
	}
	if Queues["critical"] <= Queues["default"] || Queues["default"] <= Queues["bulk"] {
		t.Errorf("queue weights %v", Queues)
	}
}

// FuzzPayload reads any bytes as a task payload: a payload is either refused as one no retry can fix,
// or names a bucket and key, and a task made from it has the same id every time.
func FuzzPayload(f *testing.F) {
	f.Add([]byte(`{"v":1,"bucket":"calls","key":"2026/11/a.wav","etag":"e","size":100}`))
	f.Add([]byte(`{"v":2,"bucket":"calls","key":"a.wav"}`))
	f.Add([]byte(`{"v":1,"bucket":"","key":"../../etc/passwd"}`))
	f.Add([]byte(`{"v":1,"bucket":"b","key":"k","size":-5,"run":"\u0000"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePayload(b)
		if err != nil {
			if !errors.Is(err, asynq.SkipRetry) {
				t.Fatalf("a bad payload must not be retried: %v", err)
			}
			return
		}
		if p.Bucket == "" || p.Key == "" || p.V != PayloadVersion {
			t.Fatalf("accepted %+v", p)
		}
		if TaskID(TypeTranscribe, p) != TaskID(TypeTranscribe, p) || TaskID(TypeTranscribe, p) == TaskID(TypeAnalyze, p) {
			t.Fatal("task ids are not stable per type")
		}
		if task, err := NewTranscribeTask(p, "bulk"); err != nil || task == nil {
			t.Fatalf("task: %v", err)
		}
	})
}

func TestEnqueueRefusesBadAndLargeObjects(t *testing.T) {
	dir := t.TempDir()
	for name, size := range map[string]int{"ok.wav": 100, "big.wav": 5000, "empty.wav": 0, "notes.txt": 10} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Enqueue(context.Background(), nil, &storage.FS{Root: dir}, "b", "", EnqueueOptions{DryRun: true, MaxSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, r := range c.Rejected {
		reasons[r.Key] = r.Reason
	}
	if c.Enqueued != 1 || !strings.HasPrefix(reasons["big.wav"], "too_large:") || !strings.HasPrefix(reasons["empty.wav"], "empty_file:") ||
		!strings.HasPrefix(reasons["notes.txt"], "unsupported_format:") {
		t.Errorf("enqueued %d, rejected %v", c.Enqueued, reasons)
	}
	for _, key := range []string{"a/../b.wav", "/abs.wav", "x\u202ey.wav"} {
		if _, err := ParsePayload([]byte(`{"v":1,"bucket":"b","key":"` + strings.ReplaceAll(key, "\u202e", `\u202e`) + `"}`)); !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), "bad_key") {
			t.Errorf("payload with key %q: %v", key, err)
		}
	}
}
