package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/bench"
	"github.com/parley-cc/parley/calldoc"
)

// soakCalls is how many recordings the soak pushes through; the floor is 2,000.
const soakCalls = 2000

// shortCall is a one-second mono recording, different for every seed (so every object has its own
// ETag). Most are µ-law line noise too quiet to be speech: the whole path runs — download, decode, voice
// detection, analysis, scoring, four result objects, the index — without recognition. Every 25th is
// 16-bit PCM with 0.6 s of a warbling tone the voice detector takes for speech, so that whisper runs
// (a full encoder pass) on 80 of the calls while workers are being killed.
func shortCall(seed int) []byte {
	rng := rand.New(rand.NewSource(int64(seed)))
	tag, bits := uint16(7), 8 // µ-law
	var data []byte
	if seed%25 == 0 {
		tag, bits = 1, 16
		data = make([]byte, 2*8000)
		for i := range 8000 {
			v := rng.NormFloat64() * 30
			if i >= 2000 && i < 6800 {
				v += 8000 * math.Sin(2*math.Pi*(300+80*math.Sin(float64(i)/500))*float64(i)/8000)
			}
			binary.LittleEndian.PutUint16(data[2*i:], uint16(int16(v)))
		}
	} else {
		data = make([]byte, 8000)
		for i := range data {
			data[i] = 0xff - byte(rng.Intn(2)) // µ-law codes 0xff and 0xfe: the two levels next to zero
		}
	}
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + len(data)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(tag)
	le(uint16(1))
	le(uint32(8000))
	le(uint32(8000 * bits / 8))
	le(uint16(bits / 8))
	le(uint16(bits))
	b.WriteString("data")
	le(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// TestSoak pushes 2,000 short calls through several worker processes while ten of them are killed
// with SIGKILL at random moments (a replacement starts each time) and Redis restarts once, then audits
// the outcome: every recording has exactly one row in the results index, status ok, and exactly one
// complete set of result objects whose JSON parses; nothing failed, nothing is missing — except one
// recording deleted after it was enqueued, which fails once with a named error.
func TestSoak(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	start := time.Now()
	keys := make([]string, soakCalls)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < soakCalls; i += 8 {
				keys[i] = fmt.Sprintf("soak/%04d/call-%05d.wav", i/100, i)
				b := shortCall(i)
				if err := c.store.Put(ctx, keys[i], bytes.NewReader(b), int64(len(b)), "audio/wav"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("uploaded %d recordings in %v", soakCalls, time.Since(start).Round(time.Second))
	if out := c.parley("enqueue", "--priority", "bulk", "s3://calls/soak/"); !strings.Contains(out, fmt.Sprintf("enqueued %d,", soakCalls)) {
		t.Fatalf("enqueue: %s", out)
	}
	// One recording disappears between enqueue and processing, as when a retention job deletes it.
	gone := keys[soakCalls/2]
	if err := c.store.Client.RemoveObject(ctx, "calls", gone, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	workers := []*exec.Cmd{c.startWorker(), c.startWorker(), c.startWorker()}
	rng := rand.New(rand.NewSource(1))
	soakStart := time.Now()
	for kill := 1; kill <= 10; kill++ {
		time.Sleep(time.Duration(1500+rng.Intn(2500)) * time.Millisecond)
		i := rng.Intn(len(workers))
		workers[i].Process.Kill() // kill -9: whatever it was doing is cut off mid-way
		workers[i].Wait()
		workers[i] = c.startWorker()
		if kill == 5 {
			c.redis.Restart()
			t.Log("restarted redis")
		}
	}
	t.Logf("10 workers killed in %v", time.Since(soakStart).Round(time.Second))
	rows := c.waitResults(soakCalls, 15*time.Minute)
	t.Logf("%d results %v after the first worker started", len(rows), time.Since(soakStart).Round(time.Second))
	time.Sleep(3 * time.Second) // a duplicate would show up now
	rows = c.waitResults(soakCalls, time.Second)

	// The audit.
	perKey := map[string]int{}
	for _, r := range rows {
		perKey[r.Key]++
		switch {
		case r.Key == gone:
			if r.Status != "failed" || r.ErrorCode != parley.CodeIO || !strings.Contains(r.Error, "no longer exists") {
				t.Errorf("deleted recording: %+v", r)
			}
		case r.Status != "ok":
			t.Errorf("%s: %s %s %s", r.Key, r.Status, r.ErrorCode, r.Error)
		}
	}
	if len(rows) != soakCalls {
		t.Errorf("%d index rows for %d recordings", len(rows), soakCalls)
	}
	res := c.results()
	var bad []string
	for _, k := range keys {
		if perKey[k] != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d index rows", k, perKey[k]))
		}
		want := ".html .json .transcript.json .vtt"
		if k == gone {
			want = ".error.json"
		}
		if got := sortWords(strings.Join(res["soak/"+strings.TrimSuffix(strings.TrimPrefix(k, "soak/"), ".wav")], " ")); got != want {
			bad = append(bad, fmt.Sprintf("%s: results %q", k, got))
		}
	}
	// Every call document is whole: it parses and names its recording.
	var voiced, noise []float64
	for i, k := range keys {
		if k == gone || i%10 != 0 && i >= 100 { // all of the first hundred, then every tenth
			continue
		}
		r, _, err := c.store.Open(ctx, "results/"+strings.TrimSuffix(k, ".wav")+".json")
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		var doc calldoc.CallDoc
		err = json.NewDecoder(r).Decode(&doc)
		r.Close()
		if err != nil || doc.SchemaVersion != parley.SchemaVersion || doc.Source != "s3://calls/"+k {
			bad = append(bad, fmt.Sprintf("%s: document %v %q", k, err, doc.Source))
		}
		if i%25 == 0 {
			voiced = append(voiced, doc.ProcessingS)
		} else {
			noise = append(noise, doc.ProcessingS)
		}
	}
	// The calls with a tone went through whisper (an encoder pass takes the better part of a second);
	// the others stopped at the voice detector.
	if mv, mn := bench.Median(voiced), bench.Median(noise); len(voiced) < 10 || mv < 0.2 || mv < 5*mn {
		t.Errorf("processing: median %.3f s for %d calls with a tone, %.3f s for %d of noise", mv, len(voiced), mn, len(noise))
	} else {
		t.Logf("processing: median %.3f s for %d calls with a tone, %.3f s for %d of noise", mv, len(voiced), mn, len(noise))
	}
	if len(bad) > 0 {
		t.Errorf("%d problems, first: %s", len(bad), strings.Join(bad[:min(10, len(bad))], "; "))
	}
	// The recordings the killed workers were downloading were removed by the workers started after
	// them, and the others' own when they stopped.
	c.stopWorkers()
	left, _ := filepath.Glob(filepath.Join(c.tmp, "*"))
	if len(left) > 0 {
		t.Errorf("left in the workers' temporary directory: %v", left)
	}
	t.Logf("soak: %d recordings, 3 workers at a time, 10 kill -9s, 1 Redis restart: %d results, each once, in %v",
		soakCalls, len(rows), time.Since(soakStart).Round(time.Second))
}
