package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley/internal/testenv"
)

// servedApp is a `parley serve` process.
type servedApp struct {
	url string
	cmd *exec.Cmd
	log *bytes.Buffer
}

// serveApp starts parley serve on a free loopback port and waits until it answers.
func serveApp(t *testing.T, bin string, env []string, args ...string) *servedApp {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	app := &servedApp{url: "http://" + addr, cmd: cmd, log: &log}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("parley serve log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return app
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley serve did not start:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// addUser runs parley users add with the password on standard input.
func addUser(t *testing.T, bin string, env []string, name, role, password string) {
	t.Helper()
	cmd := exec.Command(bin, "users", "add", "--role", role, name)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("users add: %v\n%s", err, out)
	}
}

// callsWithTranscripts lays out the testdata recordings with their metadata sidecars and, beside each,
// one of the transcript formats parley imports, so that `parley run` has real text to analyse.
func callsWithTranscripts(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "calls")
	os.MkdirAll(dir, 0o755)
	root := testenv.Root()
	for _, f := range []string{"calls/address-change.wav", "calls/billing-dispute.wav", "calls/cancel-service.wav", "calls/identity-check.wav",
		"calls/address-change.json", "calls/billing-dispute.json", "calls/cancel-service.json", "calls/identity-check.json",
		"transcripts/address-change.aws.json", "transcripts/billing-dispute.whisper.json", "transcripts/cancel-service.vtt", "transcripts/identity-check.vtt"} {
		b, err := os.ReadFile(filepath.Join(root, "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReviewAppInBrowser runs the review app as a user would meet it: parley run over recordings,
// parley users add, parley serve, then a QA reviewer's session in real headless Chromium (web/e2e).
func TestReviewAppInBrowser(t *testing.T) {
	chromium := os.Getenv("PARLEY_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	e2e := filepath.Join(testenv.Root(), "web", "e2e")
	for _, need := range []string{chromium, filepath.Join(e2e, "node_modules", "playwright-core")} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh --test (Debian chromium, npm ci in web/e2e)", need)
		}
	}
	bin := parleyBinary(t)
	work := t.TempDir()
	env := []string{"PARLEY_MODEL=" + testenv.TestModel(t), "PARLEY_ENCODER=" + testenv.Encoder(t), "PARLEY_THREADS=1",
		"PARLEY_INDEX_PATH=" + filepath.Join(work, "parley.db"), "PARLEY_REDIS_URL="}
	calls := callsWithTranscripts(t)
	// identity-check's sidecar has no usable start time ("the third of March"): its recording's time dates it.
	recorded := time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(calls, "identity-check.wav"), recorded, recorded); err != nil {
		t.Fatal(err)
	}
	run := exec.Command(bin, "run", "--out", filepath.Join(work, "out"), calls)
	run.Env = append(os.Environ(), env...)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("parley run: %v\n%s", err, out)
	}
	addUser(t, bin, env, "quinn", "qa", "a long qa password")
	addUser(t, bin, env, "otto", "ops", "a long ops password")
	app := serveApp(t, bin, env, filepath.Join(work, "out"))
	if !strings.Contains(app.log.String(), "indexed 4 calls") {
		t.Errorf("serve did not index the four calls:\n%s", app.log.String())
	}
	shots := filepath.Join(e2e, "screenshots")
	os.MkdirAll(shots, 0o755)
	node := exec.Command("node", "review.mjs")
	node.Dir = e2e
	node.Env = append(os.Environ(), "BASE_URL="+app.url, "USER_NAME=quinn", "USER_PASSWORD=a long qa password",
		"FILTER_INTENT=billing_dispute", "SEARCH=charged twice", "SHOTS="+shots, "CHROMIUM="+chromium,
		"RECORDED_DAY="+recorded.Format("2006-01-02"), "RECORDED_CALL=identity-check",
		"OPS_NAME=otto", "OPS_PASSWORD=a long ops password")
	out, err := node.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser walk-through failed: %v", err)
	}
	for _, f := range []string{"calls.png", "date-filter.png", "call.png", "list-walk.png", "override.png", "override-list.png", "agent.png",
		"calibration.png", "library.png", "coaching.png", "staffing.png"} {
		if st, err := os.Stat(filepath.Join(shots, f)); err != nil || st.Size() < 10000 {
			t.Errorf("screenshot %s: %v", f, err)
		}
	}
	t.Logf("screenshots in %s", shots)
}

// session is a signed-in HTTP client of a served app.
type session struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func signIn(t *testing.T, base, name, password string) *session {
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, c: &http.Client{Jar: jar}, base: base}
	res, err := s.c.PostForm(base+"/login", url.Values{"name": {name}, "password": {password}, "next": {"/account"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("sign in as %s: %s", name, res.Status)
	}
	s.csrf = string(m[1])
	return s
}

func (s *session) get(path string, header ...string) (*http.Response, []byte) {
	req, _ := http.NewRequest("GET", s.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

func (s *session) post(path string, form url.Values) (*http.Response, []byte) {
	form.Set("csrf", s.csrf)
	res, err := s.c.PostForm(s.base+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

// TestReviewAppOnQueue serves calls that workers processed from a real MinIO bucket through a real
// Redis queue, with the results index on a real PostgreSQL (the browser test runs on SQLite): the list
// comes from the index the workers filled, the audio streams from the bucket with range requests, and
// the ops page enqueues a prefix, rescores a date range and mounts asynqmon.
func TestReviewAppOnQueue(t *testing.T) {
	c := newCluster(t)
	_, pg := testenv.StartPostgres(t)
	c.env = append(c.env, "PARLEY_INDEX_PATH="+pg)
	c.dbPath = pg
	files := map[string]string{}
	for i, name := range []string{"address-change", "billing-dispute", "cancel-service", "identity-check"} {
		files[fmt.Sprintf("2026/11/call-%02d.wav", i)] = filepath.Join(testenv.Root(), "testdata", "calls", name+".wav")
		files[fmt.Sprintf("2026/11/call-%02d.json", i)] = filepath.Join(testenv.Root(), "testdata", "calls", name+".json")
	}
	c.upload(files)
	c.parley("enqueue", "s3://calls/2026/")
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	c.env = append(c.env, "PARLEY_METRICS_LISTEN="+metricsAddr)
	c.startWorker()
	c.waitResults(4, 3*time.Minute)

	// The worker's operations endpoints: liveness, readiness (Redis and the index answer), metrics.
	for _, p := range []string{"/healthz", "/readyz"} {
		res, err := http.Get("http://" + metricsAddr + p)
		if err != nil || res.StatusCode != 200 {
			t.Errorf("worker %s: %v %v", p, res, err)
		} else {
			res.Body.Close()
		}
	}
	res0, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res0.Body)
	res0.Body.Close()
	for _, want := range []string{`parley_tasks_total{outcome="ok",type="parley:transcribe"} 4`, `parley_tasks_total{outcome="ok",type="parley:analyze"} 4`,
		"parley_audio_seconds_total 1", "parley_transcribe_realtime_factor_count 4", "parley_task_seconds_bucket"} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("worker metrics lack %q", want)
		}
	}

	addUser(t, c.bin, c.env, "root", "admin", "a long admin password")
	// Indexing the bucket's documents again (as for documents written before the index existed) keeps
	// one row per call.
	app := serveApp(t, c.bin, c.env, "s3://calls/results/")
	if !strings.Contains(app.log.String(), "indexed 4 calls from s3://calls/results/") {
		t.Errorf("serve did not index the bucket's documents:\n%s", app.log.String())
	}
	s := signIn(t, app.url, "root", "a long admin password")
	_, body := s.get("/api/calls?sort=call&dir=asc")
	var list struct {
		Total int `json:"total"`
		Calls []struct {
			ID     string `json:"id"`
			CallID string `json:"call_id"`
			Agent  string `json:"agent"`
		} `json:"calls"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Total != 4 {
		t.Fatalf("calls the workers indexed: %s %v", body, err)
	}
	if list.Calls[1].CallID != "call-01" || list.Calls[1].Agent != "a17" {
		t.Errorf("metadata from the bucket's sidecar: %+v", list.Calls[1])
	}
	// The recording streams from MinIO, a range at a time.
	want, _ := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.wav"))
	res, got := s.get("/calls/"+list.Calls[1].ID+"/audio", "Range", "bytes=44-1043")
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(got, want[44:1044]) {
		t.Errorf("audio range from the bucket: %s, %d bytes", res.Status, len(got))
	}
	if res, page := s.get("/calls/" + list.Calls[1].ID); res.StatusCode != 200 || !bytes.Contains(page, []byte("call-01")) {
		t.Errorf("call page from the bucket's document: %s", res.Status)
	}

	// The ops page: queue depth and throughput, a prefix enqueued again (nothing new), a rescore.
	_, ops := s.get("/ops")
	if !bytes.Contains(ops, []byte(`id="queues"`)) || !bytes.Contains(ops, []byte("<td>default</td>")) {
		t.Errorf("ops page without queue stats:\n%s", ops)
	}
	res, ops = s.post("/ops/enqueue", url.Values{"url": {"s3://calls/2026/"}, "queue": {"default"}})
	if res.StatusCode != 200 || !bytes.Contains(ops, []byte("enqueued 0 from s3://calls/2026/ on default, 4 already queued or done")) {
		t.Errorf("enqueue from the ops page: %s", res.Status)
	}
	// Up to today: identity-check's metadata has no usable start time, so its recording's (the object's
	// upload, today) dates it and it is in the range too.
	res, ops = s.post("/ops/rescore", url.Values{"from": {"2026-11-01"}, "to": {time.Now().UTC().Format("2006-01-02")}})
	if !bytes.Contains(ops, []byte("4 queued for the workers, 0 scored here, 0 failed")) {
		t.Errorf("rescore: %s %s", res.Status, regexp.MustCompile(`(?s)<p class="note".*?</p>`).Find(ops))
	}
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: c.redis.Addr})
	defer insp.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		info, err := insp.GetQueueInfo("bulk")
		if err == nil && info.Processed >= 3 && info.Pending+info.Active == 0 {
			if info.Failed > 0 {
				t.Errorf("%d rescore tasks failed", info.Failed)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rescore tasks not done: %+v %v", info, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// asynqmon for admins.
	if res, page := s.get("/ops/queues/"); res.StatusCode != 200 || !bytes.Contains(page, []byte("<html")) {
		t.Errorf("asynqmon: %s", res.Status)
	}
	if res, _ := s.get("/ops/queues/api/queues"); res.StatusCode != 200 {
		t.Errorf("asynqmon API: %s", res.Status)
	}
	log := c.parley("users", "list")
	if !strings.Contains(log, "root") {
		t.Errorf("users list: %s", log)
	}
}
