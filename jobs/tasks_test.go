package jobs

import (
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
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
