// Package jobs runs parley on asynq: a transcribe task per recording, then an analyze task that runs
// NLP and scoring on the checkpointed transcript (so a retry or a rescore never transcribes again).
package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley/storage"
)

// Task types.
const (
	TypeTranscribe = "parley:transcribe"
	TypeAnalyze    = "parley:analyze"
)

// Queues and their weights: critical work is picked six times as often as bulk backfills.
var Queues = map[string]int{"critical": 6, "default": 3, "bulk": 1}

// PayloadVersion is the version of Payload; a worker refuses (without retrying) payloads of another.
const PayloadVersion = 1

// Payload names one version of one recording.
type Payload struct {
	V      int    `json:"v"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	Run    string `json:"run,omitempty"` // a rescore: analyse again although this version was analysed before
}

// TaskID is derived from the task type and the recording version, so enqueuing the same object twice
// is refused by Redis rather than done twice.
func TaskID(typ string, p Payload) string {
	id := typ + "\x00" + p.Bucket + "\x00" + p.Key + "\x00" + p.ETag
	if p.Run != "" {
		id += "\x00" + p.Run
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// Retention keeps completed tasks' IDs, and with them duplicate detection, for a week.
const Retention = 7 * 24 * time.Hour

// Timeout scales with the audio: its length is estimated from the size at the densest telephone format
// (8 kHz µ-law mono, 8,000 bytes a second), and CPU recognition may take up to the audio's length again.
func Timeout(size int64) time.Duration {
	audio := time.Duration(size/8000) * time.Second
	return 5*time.Minute + 2*audio
}

// NewTranscribeTask builds the task that transcribes a recording.
func NewTranscribeTask(p Payload, queue string) (*asynq.Task, error) {
	return newTask(TypeTranscribe, p, queue, Timeout(p.Size))
}

// NewAnalyzeTask builds the task that analyses and scores a checkpointed transcript.
func NewAnalyzeTask(p Payload, queue string) (*asynq.Task, error) {
	return newTask(TypeAnalyze, p, queue, 5*time.Minute)
}

func newTask(typ string, p Payload, queue string, timeout time.Duration) (*asynq.Task, error) {
	p.V = PayloadVersion
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	if _, ok := Queues[queue]; !ok {
		return nil, fmt.Errorf("queue %q (want critical, default or bulk)", queue)
	}
	return asynq.NewTask(typ, b, asynq.TaskID(TaskID(typ, p)), asynq.Queue(queue), asynq.MaxRetry(8),
		asynq.Timeout(timeout), asynq.Retention(Retention)), nil
}

// ParsePayload reads a task payload; another version is an error no retry can fix.
func ParsePayload(b []byte) (Payload, error) {
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("payload: %v: %w", err, asynq.SkipRetry)
	}
	if p.V != PayloadVersion {
		return p, fmt.Errorf("payload version %d (this worker reads %d): %w", p.V, PayloadVersion, asynq.SkipRetry)
	}
	if p.Bucket == "" || p.Key == "" {
		return p, fmt.Errorf("payload without bucket or key: %w", asynq.SkipRetry)
	}
	if err := storage.ValidKey(p.Key); err != nil {
		return p, fmt.Errorf("payload: %v: %w", err, asynq.SkipRetry)
	}
	return p, nil
}

// TypeScan is the periodic task of parley schedule: list a prefix and enqueue what is new.
const TypeScan = "parley:scan"

// ScanPayload names what a scan lists.
type ScanPayload struct {
	V      int    `json:"v"`
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
	Queue  string `json:"queue"`
}

// NewScanTask builds the periodic scan task.
func NewScanTask(p ScanPayload) (*asynq.Task, error) {
	p.V = PayloadVersion
	if _, ok := Queues[p.Queue]; !ok {
		return nil, fmt.Errorf("queue %q (want critical, default or bulk)", p.Queue)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	// A scan that overlaps the next tick is dropped (Unique), and a scan never blocks recordings: it
	// runs on the critical queue, which is light, and only enqueues.
	return asynq.NewTask(TypeScan, b, asynq.Queue("critical"), asynq.MaxRetry(2), asynq.Timeout(10*time.Minute), asynq.Unique(time.Minute)), nil
}
