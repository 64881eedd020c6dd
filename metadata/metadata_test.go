package metadata

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSidecar(t *testing.T) {
	dir := t.TempDir()
	rec := write(t, dir, "call-1.wav", "")
	write(t, dir, "call-1.json", `{"call_id": "C-1", "agent_id": "a17", "agent_name": "Sarah", "team": "billing", "queue": "support",
		"direction": "in", "started_at": "2026-11-02T09:15:00+01:00", "caller_id": "+1 (555) 010-2030", "source": "google-ads",
		"campaign": "winter", "tracking_number": "800-555", "ivr_path": ["main", "billing"], "disposition": "resolved",
		"transferred": false, "revenue": 49.5, "cost": "1.20", "crm_ticket": "T-99"}`)
	r := &Reader{CallerIDSalt: "s"}
	md, warnings := r.Read(rec)
	if len(warnings) != 0 {
		t.Errorf("warnings %v", warnings)
	}
	if md.CallID != "C-1" || md.AgentID != "a17" || md.Team != "billing" || md.Direction != "inbound" || md.Disposition != "resolved" ||
		md.StartedAt.Hour() != 8 || len(md.IVRPath) != 2 || *md.Transferred || *md.Revenue != 49.5 || *md.Cost != 1.2 {
		t.Errorf("metadata %+v", md)
	}
	if md.Extra["crm_ticket"] != "T-99" {
		t.Errorf("unknown field not kept: %v", md.Extra)
	}
	if !strings.HasPrefix(md.CallerIDHash, "sha256:") || strings.Contains(md.CallerIDHash, "5550102030") {
		t.Errorf("caller id %q", md.CallerIDHash)
	}
	// The same number written differently hashes the same; another salt differs.
	if h := r.hashCaller("15550102030"); h != md.CallerIDHash {
		t.Errorf("hash %s vs %s", h, md.CallerIDHash)
	}
	if h := (&Reader{CallerIDSalt: "t"}).hashCaller("15550102030"); h == md.CallerIDHash {
		t.Error("salt ignored")
	}
}

func TestBadMetadata(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, sidecar string
		warn          []string
	}{
		{"bad fields", `{"agent_id": "a1", "started_at": "yesterday", "direction": "sideways", "revenue": "lots", "transferred": "maybe", "team": {"x": 1}}`,
			[]string{"metadata_bad_field: direction", "metadata_bad_field: revenue", "metadata_bad_field: started_at", "metadata_bad_field: team", "metadata_bad_field: transferred"}},
		{"not json", `{"agent_id": `, []string{"metadata_malformed"}},
		{"array", `[1, 2]`, []string{"metadata_malformed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := write(t, dir, tt.name+".wav", "")
			write(t, dir, tt.name+".json", tt.sidecar)
			md, warnings := (&Reader{}).Read(rec)
			if len(warnings) != len(tt.warn) {
				t.Fatalf("warnings %q, want %d", warnings, len(tt.warn))
			}
			for i, w := range tt.warn {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %q, want %q…", warnings[i], w)
				}
			}
			if tt.name == "bad fields" && (md == nil || md.AgentID != "a1") {
				t.Errorf("good fields lost: %+v", md)
			}
		})
	}
	if md, w := (&Reader{}).Read(filepath.Join(dir, "none.wav")); md != nil || len(w) != 0 {
		t.Errorf("no sidecar: %+v %v", md, w)
	}
}

func TestFilenamePattern(t *testing.T) {
	re, err := CompilePattern(`^(?P<agent_id>[a-z0-9]+)_(?P<started_at>\d{8}T\d{6})_(?P<direction>in|out)$`)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := &Reader{FilePattern: re}
	rec := write(t, dir, "a17_20261102T091500_in.wav", "")
	md, w := r.Read(rec)
	if len(w) != 0 || md.AgentID != "a17" || md.Direction != "inbound" || md.StartedAt.Day() != 2 {
		t.Errorf("%+v %v", md, w)
	}
	write(t, dir, "a17_20261102T091500_in.json", `{"agent_id": "a18"}`)
	if md, _ := r.Read(rec); md.AgentID != "a18" || md.Direction != "inbound" {
		t.Errorf("sidecar must win over the file name, and both merge: %+v", md)
	}
	if _, w := r.Read(write(t, dir, "other.wav", "")); len(w) != 1 || !strings.HasPrefix(w[0], "metadata_filename") {
		t.Errorf("no match: %v", w)
	}
	for _, bad := range []string{`(?P<agent>x)`, `(`} {
		if _, err := CompilePattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzSidecar reads any bytes as a sidecar and any file name through a pattern: no panic, every
// problem a named warning, the caller id never kept in clear.
func FuzzSidecar(f *testing.F) {
	f.Add("calls/a17_20261102T091500_inbound.wav", []byte(`{"agent_id": "a17", "started_at": "2026-11-02T09:15:00Z", "caller_id": "+1 555 010", "transferred": true, "revenue": 1.5}`))
	f.Add("x.wav", []byte(`{"started_at": 5, "ivr_path": "main", "transferred": "maybe", "revenue": [1], "extra_field": {"a": null}}`))
	f.Add("x.wav", []byte(`[1, 2]`))
	f.Add("../../etc/passwd.wav", []byte(`{"call_id": "\u0000\u202e"}`))
	re, err := CompilePattern(`^(?P<agent_id>[^_]+)_(?P<started_at>\d{8}T\d{6})_(?P<direction>in|out)bound$`)
	if err != nil {
		f.Fatal(err)
	}
	r := &Reader{FilePattern: re, CallerIDSalt: "salt"}
	f.Fuzz(func(t *testing.T, name string, sidecar []byte) {
		md, warnings := r.Parse(name, sidecar)
		for _, w := range warnings {
			if !strings.HasPrefix(w, "metadata_") {
				t.Fatalf("warning without a name: %q", w)
			}
		}
		if md == nil {
			return
		}
		if md.CallerIDHash != "" && strings.Contains(string(sidecar), md.CallerIDHash) {
			t.Fatalf("caller id kept as given: %q", md.CallerIDHash)
		}
		if _, err := json.Marshal(md); err != nil {
			t.Fatalf("metadata does not encode: %v", err)
		}
	})
}
