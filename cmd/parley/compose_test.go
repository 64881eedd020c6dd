package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley/internal/testenv"
)

// TestComposeFile checks compose.yaml as far as can be done without Docker: the services a fresh host
// needs, images pinned, one-shot bucket and model services the workers wait for, PostgreSQL for the
// shared index, and only environment names parley knows.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type service struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Command     []string       `yaml:"command"`
		Environment map[string]any `yaml:"environment"`
		Volumes     []string       `yaml:"volumes"`
		DependsOn   any            `yaml:"depends_on"`
	}
	var f struct {
		Services map[string]service `yaml:"services"`
		Volumes  map[string]any     `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"redis", "minio", "postgres", "bucket", "models", "worker", "scheduler", "web"} {
		if _, ok := f.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
	known := (&Config{}).envKeys()
	pinned := regexp.MustCompile(`^[\w./-]+:[\w.-]*\d[\w.-]*$`) // a tag with a version number in it
	built := map[string]bool{}                                  // images compose builds from this repository
	for _, s := range f.Services {
		if s.Build != nil {
			built[s.Image] = true
		}
	}
	for name, s := range f.Services {
		if !built[s.Image] && !pinned.MatchString(s.Image) || strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		for k := range s.Environment {
			if strings.HasPrefix(k, "PARLEY_") && known[k] == nil {
				t.Errorf("%s: %s is not a setting parley reads", name, k)
			}
		}
		for _, v := range s.Volumes {
			if vol, _, _ := strings.Cut(v, ":"); f.Volumes != nil && !strings.HasPrefix(vol, ".") && !strings.HasPrefix(vol, "/") {
				if _, ok := f.Volumes[vol]; !ok {
					t.Errorf("%s: volume %s is not declared", name, vol)
				}
			}
		}
	}
	deps := func(s service) map[string]string {
		out := map[string]string{}
		if m, ok := s.DependsOn.(map[string]any); ok {
			for k, v := range m {
				c, _ := v.(map[string]any)["condition"].(string)
				out[k] = c
			}
		}
		return out
	}
	if d := deps(f.Services["worker"]); d["bucket"] != "service_completed_successfully" || d["models"] != "service_completed_successfully" || d["postgres"] != "service_healthy" {
		t.Errorf("worker waits for %v: want the bucket and the model in place and PostgreSQL healthy", d)
	}
	if c := f.Services["bucket"].Command; !slices.Equal(c[:2], []string{"bucket", "create"}) {
		t.Errorf("bucket service runs %v", c)
	}
	if c := f.Services["models"].Command; len(c) < 3 || c[0] != "models" || c[1] != "pull" || !slices.Contains(f.Services["models"].Volumes, "models:/models") {
		t.Errorf("models service runs %v with %v", c, f.Services["models"].Volumes)
	}
	for _, name := range []string{"worker", "scheduler", "web"} {
		env := f.Services[name].Environment
		if p, _ := env["PARLEY_INDEX_PATH"].(string); !strings.HasPrefix(p, "postgres://") {
			t.Errorf("%s: index %q: replicas must share a PostgreSQL index, not an SQLite file each", name, p)
		}
	}
	// The commands the services run exist.
	for name, s := range f.Services {
		if s.Image == "parley:local" && len(s.Command) > 0 {
			if code, _, stderr := runMain(t, nil, s.Command[0], "-h"); code != exitUsage && code != exitOK || strings.Contains(stderr, "unknown command") {
				t.Errorf("%s: parley %s: exit %d %s", name, s.Command[0], code, stderr)
			}
		}
	}
}
