package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/internal/fixtures"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/team"
	"github.com/redis/go-redis/v9"
)

// cluster is a real Redis, a real MinIO and worker processes of the parley binary.
type cluster struct {
	t       testing.TB
	bin     string
	redis   *testenv.Server
	minio   *testenv.Server
	store   *storage.S3
	env     []string
	dbPath  string
	tmp     string // the workers' TMPDIR
	mu      sync.Mutex
	workers []*exec.Cmd
	logs    []*bytes.Buffer
}

func parleyBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parley")
	if out, err := execCommand("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func newCluster(t testing.TB) *cluster {
	c := &cluster{t: t, bin: parleyBinary(t), redis: testenv.StartRedis(t), minio: testenv.StartMinIO(t)}
	c.dbPath = filepath.Join(t.TempDir(), "results.db")
	c.tmp = t.TempDir()
	c.env = []string{"TMPDIR=" + c.tmp, "PARLEY_REDIS_URL=redis://" + c.redis.Addr + "/0", "PARLEY_S3_ENDPOINT=" + c.minio.Addr,
		"PARLEY_S3_ACCESS_KEY=" + testenv.MinIOUser, "PARLEY_S3_SECRET_KEY=" + testenv.MinIOPassword, "PARLEY_S3_SECURE=false",
		"PARLEY_MODEL=" + testenv.TestModel(t), "PARLEY_THREADS=1", "PARLEY_INDEX_PATH=" + c.dbPath}
	s, err := storage.NewS3(storage.S3Config{Endpoint: c.minio.Addr, AccessKey: testenv.MinIOUser, SecretKey: testenv.MinIOPassword}, "calls")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.store = s
	t.Cleanup(c.stopWorkers)
	return c
}

// upload puts testdata files into the bucket under keys.
func (c *cluster) upload(files map[string]string) {
	for key, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			c.t.Fatal(err)
		}
		if err := c.store.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), "audio/wav"); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *cluster) parley(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("parley %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (c *cluster) startWorker() *exec.Cmd {
	cmd := exec.Command(c.bin, "worker")
	cmd.Env = append(os.Environ(), c.env...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.workers = append(c.workers, cmd)
	c.logs = append(c.logs, &log)
	c.mu.Unlock()
	return cmd
}

func (c *cluster) stopWorkers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.workers {
		if w.ProcessState == nil {
			w.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, w := range c.workers {
		if w.ProcessState == nil {
			w.Wait()
		}
	}
	if c.t.Failed() {
		for i, l := range c.logs {
			c.t.Logf("worker %d log:\n%s", i, l.String())
		}
	}
}

// waitResults waits until the index has n rows.
func (c *cluster) waitResults(n int, limit time.Duration) []index.Row {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var rows []index.Row
		if idx, err := index.Open(c.dbPath); err == nil {
			rows, _ = idx.All(context.Background())
			idx.Close()
		}
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d of %d results after %v", len(rows), n, limit)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// results lists the result objects per recording key.
func (c *cluster) results() map[string][]string {
	out := map[string][]string{}
	c.store.List(context.Background(), "results/", func(o parley.Object) error {
		k := strings.TrimPrefix(o.Key, "results/")
		for _, ext := range []string{".transcript.json", ".error.json", ".json", ".vtt", ".html"} {
			if strings.HasSuffix(k, ext) {
				base := strings.TrimSuffix(k, ext)
				out[base] = append(out[base], ext)
				break
			}
		}
		return nil
	})
	return out
}

func callFiles(n int) map[string]string {
	calls, _ := filepath.Glob(filepath.Join(testenv.Root(), "testdata", "calls", "*.wav"))
	files := map[string]string{}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("2026/11/call-%02d.wav", i)] = calls[i%len(calls)]
	}
	return files
}

func TestDistributedTwoWorkers(t *testing.T) {
	c := newCluster(t)
	files := callFiles(8)
	files["2026/11/poisoned.wav"] = filepath.Join(testenv.Root(), "testdata", "bad", "text-renamed.wav")
	files["2026/11/cut.wav"] = filepath.Join(testenv.Root(), "testdata", "bad", "truncated-data.wav")
	files["2026/11/notes.txt"] = filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.agent.txt")
	c.upload(files)
	// A metadata sidecar for one recording, as telephony platforms drop them next to the audio.
	c.upload(map[string]string{"2026/11/call-00.json": filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.json")})

	out := c.parley("enqueue", "--dry-run", "s3://calls/2026/")
	if !strings.Contains(out, "would enqueue 10, skipped 0 as duplicates, 0 already processed, rejected 1") {
		t.Fatalf("dry run: %s", out)
	}
	out = c.parley("enqueue", "s3://calls/2026/")
	if !strings.Contains(out, "enqueued 10, skipped 0 as duplicates, 0 already processed, rejected 1") || !strings.Contains(out, "notes.txt") {
		t.Fatalf("enqueue: %s", out)
	}
	c.startWorker()
	c.startWorker()
	rows := c.waitResults(10, 3*time.Minute)

	// Enqueuing the same prefix again does nothing: the index knows every version processed...
	if out := c.parley("enqueue", "s3://calls/2026/"); !strings.Contains(out, "enqueued 0, skipped 0 as duplicates, 10 already processed") {
		t.Errorf("second enqueue: %s", out)
	}
	// ...even once Redis has forgotten the tasks (asynq keeps finished task ids for a week).
	rdb := redis.NewClient(&redis.Options{Addr: c.redis.Addr})
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Close()
	if out := c.parley("enqueue", "s3://calls/2026/"); !strings.Contains(out, "enqueued 0, skipped 0 as duplicates, 10 already processed") {
		t.Errorf("enqueue after Redis forgot: %s", out)
	}
	time.Sleep(2 * time.Second)
	rows = c.waitResults(10, time.Second)
	if len(rows) != 10 {
		t.Errorf("%d index rows for 10 recordings", len(rows))
	}
	workers := map[string]int{}
	for _, r := range rows {
		workers[r.Worker]++
		switch {
		case strings.Contains(r.Key, "poisoned"):
			if r.Status != "failed" || r.ErrorCode != parley.CodeNotWAV {
				t.Errorf("poisoned: %+v", r)
			}
		case strings.Contains(r.Key, "cut"):
			if r.Status != "failed" || r.ErrorCode != parley.CodeTruncatedData {
				t.Errorf("cut: %+v", r)
			}
		default:
			if r.Status != "ok" || r.DurationS < 15 {
				t.Errorf("call: %+v", r)
			}
		}
	}
	if len(workers) != 2 {
		t.Errorf("work spread over %d workers: %v", len(workers), workers)
	}
	res := c.results()
	for key := range files {
		if strings.HasSuffix(key, ".txt") {
			continue
		}
		base := strings.TrimSuffix(key, ".wav")
		got := strings.Join(res[base], " ")
		want := map[bool]string{true: ".error.json", false: ".html .json .transcript.json .vtt"}[strings.Contains(key, "poisoned") || strings.Contains(key, "cut")]
		if sorted := sortWords(got); sorted != want {
			t.Errorf("%s: results %q, want exactly %q", key, sorted, want)
		}
	}
	r, _, err := c.store.Open(context.Background(), "results/2026/11/call-00.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc calldoc.CallDoc
	json.NewDecoder(r).Decode(&doc)
	r.Close()
	if doc.Metadata == nil || doc.Metadata.AgentID != "a17" || doc.Score == nil || doc.Analysis == nil {
		t.Errorf("result of call-00: metadata %+v", doc.Metadata)
	}
	// Reports read the results straight from the bucket.
	repDir := t.TempDir()
	c.parley("report", "--out", repDir, "s3://calls/results/")
	var rep team.Report
	b, _ := os.ReadFile(filepath.Join(repDir, "report.json"))
	json.Unmarshal(b, &rep)
	if rep.Calls != 8 || len(rep.Skipped) != 0 {
		t.Errorf("report from the bucket: %d calls, skipped %v", rep.Calls, rep.Skipped)
	}
	status := c.parley("status", "--sample", "1s")
	if !strings.Contains(status, "default") || !strings.Contains(status, "idle") {
		t.Errorf("status:\n%s", status)
	}
}

func sortWords(s string) string {
	w := strings.Fields(s)
	for i := range w {
		for j := i + 1; j < len(w); j++ {
			if w[j] < w[i] {
				w[i], w[j] = w[j], w[i]
			}
		}
	}
	return strings.Join(w, " ")
}

// TestDistributedFaults: a worker killed with SIGKILL mid-run, Redis restarted, MinIO down for 20 s —
// every recording still ends with exactly one result.
func TestDistributedFaults(t *testing.T) {
	c := newCluster(t)
	files := callFiles(10)
	c.upload(files)
	if out := c.parley("enqueue", "--priority", "bulk", "s3://calls/2026/"); !strings.Contains(out, "enqueued 10") {
		t.Fatal(out)
	}
	victim := c.startWorker()
	c.startWorker()
	c.waitResults(2, 2*time.Minute)

	victim.Process.Kill() // kill -9: its task is orphaned until its lease runs out
	victim.Wait()
	t.Log("killed a worker")
	c.redis.Restart()
	t.Log("restarted redis")
	c.minio.Stop()
	t.Log("stopped minio")
	time.Sleep(20 * time.Second)
	c.minio.Restart()
	t.Log("minio back")
	c.startWorker()

	rows := c.waitResults(10, 6*time.Minute)
	time.Sleep(3 * time.Second) // a duplicate would show up now
	rows = c.waitResults(10, time.Second)
	if len(rows) != 10 {
		t.Errorf("%d rows for 10 recordings", len(rows))
	}
	for _, r := range rows {
		if r.Status != "ok" {
			t.Errorf("%+v", r)
		}
	}
	res := c.results()
	for key := range files {
		if got := sortWords(strings.Join(res[strings.TrimSuffix(key, ".wav")], " ")); got != ".html .json .transcript.json .vtt" {
			t.Errorf("%s: results %q", key, got)
		}
	}
}

// TestSchedule: a periodic scan picks up recordings uploaded after it started, each once.
// The results index here is PostgreSQL, as for workers on many machines.
func TestSchedule(t *testing.T) {
	c := newCluster(t)
	_, url := testenv.StartPostgres(t)
	c.dbPath = url
	c.env = append(c.env, "PARLEY_INDEX_PATH="+url)
	c.startWorker()
	sched := exec.Command(c.bin, "schedule", "--cron", "@every 2s", "s3://calls/incoming/")
	sched.Env = append(os.Environ(), c.env...)
	if err := sched.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sched.Process.Signal(syscall.SIGTERM); sched.Wait() }()
	calls := callFiles(3)
	first := map[string]string{"incoming/a.wav": calls["2026/11/call-00.wav"], "incoming/b.wav": calls["2026/11/call-01.wav"]}
	c.upload(first)
	c.waitResults(2, 2*time.Minute)
	c.upload(map[string]string{"incoming/c.wav": calls["2026/11/call-02.wav"]})
	rows := c.waitResults(3, 2*time.Minute)
	time.Sleep(5 * time.Second) // two more scans: nothing new
	if rows = c.waitResults(3, time.Second); len(rows) != 3 {
		t.Errorf("%d rows, want 3", len(rows))
	}
}

// BenchmarkWorkers compares one worker process (2 whisper threads) with two (1 thread each) on real
// transcription of 8 calls with the test model: wall time from enqueue to the last result.
func BenchmarkWorkers(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c := newCluster(b)
				c.env = append(c.env, fmt.Sprintf("PARLEY_THREADS=%d", 2/n))
				c.upload(callFiles(8))
				b.StartTimer()
				start := time.Now()
				c.parley("enqueue", "s3://calls/2026/")
				for range n {
					c.startWorker()
				}
				c.waitResults(8, 10*time.Minute)
				b.ReportMetric(8/time.Since(start).Seconds(), "calls/s")
				b.StopTimer()
				c.stopWorkers()
				b.StartTimer()
			}
		})
	}
}

// TestOnePathBothWays runs the testdata calls — recordings with their reference transcripts and
// metadata sidecars beside them, transcripts preferred, PII redacted — through parley run and through
// the queue (enqueue, a worker, MinIO, Redis), compares the call documents the two wrote, and scans
// every object the queue run wrote to the bucket, every file parley run wrote and the results index for
// the calls' PII.
func TestOnePathBothWays(t *testing.T) {
	c := newCluster(t)
	// The sentence encoder named for both ways (the worker would otherwise see it only through this
	// process's environment): summaries, threats and scorecard examples are compared too.
	c.env = append(c.env, "PARLEY_REDACT_PII=true", "PARLEY_TRANSCRIPTS=prefer", "PARLEY_ENCODER="+testenv.Encoder(t))
	in, out := t.TempDir(), t.TempDir()
	inputs := map[string]bool{}
	for _, name := range fixtures.Names {
		var vtt bytes.Buffer
		res := parley.Result{Call: parley.Call{ID: name, Channels: []parley.Channel{{Index: 0, Role: parley.RoleAgent}, {Index: 1, Role: parley.RoleCustomer}}},
			Transcript: testenv.RefTranscript(t, name)}
		if err := report.WriteVTT(&vtt, calldoc.New(res, "")); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(in, name+".vtt"), vtt.Bytes(), 0o644)
		// A sidecar with the caller's number, which must be stored only hashed.
		os.WriteFile(filepath.Join(in, name+".json"), []byte(`{"agent_id": "a30", "team": "billing", "queue": "payments", `+
			`"started_at": "2026-11-02T10:00:00Z", "caller_id": "+1 555 010 4455"}`), 0o644)
		for _, ext := range []string{".wav"} {
			b, err := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "calls", name+ext))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(in, name+ext), b, 0o644)
		}
		for _, ext := range []string{".wav", ".json", ".vtt"} {
			c.upload(map[string]string{"2026/11/" + name + ext: filepath.Join(in, name+ext)})
			inputs["2026/11/"+name+ext] = true
		}
	}
	// parley run, with the same settings, and no whisper model anywhere: transcripts need none.
	env := append(slices.Clone(c.env), "PARLEY_MODEL=/nonexistent/model.bin")
	if code, _, stderr := runMain(t, env, "run", "--out", out, in); code != exitOK {
		t.Fatalf("parley run: exit %d: %s", code, stderr)
	}
	c.parley("enqueue", "s3://calls/2026/11/")
	c.startWorker()
	c.waitResults(len(fixtures.Names), 2*time.Minute)

	for _, name := range fixtures.Names {
		var local calldoc.CallDoc
		readJSON(t, filepath.Join(out, name+".json"), &local)
		r, _, err := c.store.Open(context.Background(), "results/2026/11/"+name+".json")
		if err != nil {
			t.Fatal(err)
		}
		queued, err := calldoc.Decode(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if local.Source != filepath.Join(in, name+".wav") || queued.Source != "s3://calls/2026/11/"+name+".wav" {
			t.Errorf("sources %q, %q", local.Source, queued.Source)
		}
		if queued.Analysis == nil || !queued.Analysis.Redacted || queued.Metadata == nil || queued.Metadata.AgentID == "" || queued.Score == nil {
			t.Errorf("%s: queued document without redacted analysis, metadata or score: %+v", name, queued)
		}
		// Both know when their recording was stored: the file's time, the object's (uploaded just after).
		if local.RecordedAt == nil || queued.RecordedAt == nil || queued.RecordedAt.Sub(*local.RecordedAt).Abs() > 10*time.Minute {
			t.Errorf("%s: recorded at %v (file) and %v (object)", name, local.RecordedAt, queued.RecordedAt)
		}
		local.Source, queued.Source, local.ProcessingS, queued.ProcessingS = "", "", 0, 0
		local.RecordedAt, queued.RecordedAt = nil, nil
		lj, _ := json.Marshal(local)
		qj, _ := json.Marshal(queued)
		if i := firstDiff(lj, qj); i >= 0 {
			t.Errorf("%s: parley run and the queue wrote different documents, from byte %d:\nrun:   …%s\nqueue: …%s", name, i, lj[max(0, i-80):min(len(lj), i+120)], qj[max(0, i-80):min(len(qj), i+120)])
		}
	}

	// Nothing unredacted anywhere: the bucket (checkpoints included), parley run's files, the index.
	objects := 0
	c.store.List(context.Background(), "", func(o parley.Object) error {
		if inputs[o.Key] {
			return nil
		}
		objects++
		r, _, err := c.store.Open(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if found := piiIn(b); len(found) > 0 || bytes.Contains(b, []byte("010 4455")) {
			t.Errorf("s3://calls/%s holds %q or the caller's number", o.Key, found)
		}
		return nil
	})
	if want := len(fixtures.Names) * 5; objects != want { // .transcript.json, .vtt, .srt, .html, .json per call
		t.Errorf("%d objects written, want %d", objects, want)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	dbFiles, _ := filepath.Glob(c.dbPath + "*")
	files = append(files, dbFiles...)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if found := piiIn(b); len(found) > 0 || bytes.Contains(b, []byte("010 4455")) {
			t.Errorf("%s holds %q or the caller's number", f, found)
		}
	}
}

// firstDiff is the offset of the first byte where a and b differ, or -1 when they are equal.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
