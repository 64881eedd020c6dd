package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-cc/parley/internal/testenv"
)

// settingsTable renders the settings table as the README shows it.
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| YAML key | env | flag | default | meaning |\n| --- | --- | --- | --- | --- |\n")
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + s + "`"
	}
	for _, s := range settings {
		fl := ""
		if s.flag != "" {
			fl = code("--" + s.flag)
			if s.only != "" {
				fl += " (" + s.only + ")"
			}
		}
		b.WriteString("| " + code(s.key) + " | " + code(s.env) + " | " + fl + " | " + s.def + " | " + s.help + " |\n")
	}
	return b.String()
}

// TestSettingsTable: every yaml key of Config has one row, every row a field, env names and flags are
// unique, and the README's configuration table is the rendered table.
func TestSettingsTable(t *testing.T) {
	keys := map[string]bool{}
	ct := reflect.TypeOf(Config{})
	for i := range ct.NumField() {
		if ct.Field(i).IsExported() { // unexported fields are set by commands, not settings
			keys[strings.Split(ct.Field(i).Tag.Get("yaml"), ",")[0]] = true
		}
	}
	seen := map[string]bool{}
	var c Config
	for _, s := range settings {
		for _, name := range []string{"key " + s.key, "env " + s.env, "flag " + s.only + s.flag} {
			if seen[name] && !strings.HasSuffix(name, " ") {
				t.Errorf("%s appears twice", name)
			}
			seen[name] = true
		}
		if !keys[s.key] {
			t.Errorf("%s: no Config field has this yaml key", s.key)
		}
		delete(keys, s.key)
		// The row's field is the one its yaml tag names.
		f := reflect.ValueOf(s.field(&c)).Pointer()
		for i := range ct.NumField() {
			if reflect.ValueOf(&c).Elem().Field(i).Addr().Pointer() == f && strings.Split(ct.Field(i).Tag.Get("yaml"), ",")[0] != s.key {
				t.Errorf("%s: row points at the field tagged %q", s.key, ct.Field(i).Tag.Get("yaml"))
			}
		}
	}
	for k := range keys {
		t.Errorf("yaml key %s has no row in the settings table", k)
	}
	readme, err := os.ReadFile(filepath.Join(testenv.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if tab := settingsTable(); !strings.Contains(string(readme), tab) {
		t.Errorf("README.md's configuration table is not the settings table; it should read:\n%s", tab)
	}
}

// Every setting with a variable and a flag is set by each, to the same value.
func TestSettingsFromEnvAndFlags(t *testing.T) {
	sample := func(p any) string {
		switch p.(type) {
		case *bool:
			return "true"
		case *Duration:
			return "90s"
		case *[]string:
			return "a,b"
		case *int, *int64:
			return "3"
		case *float64:
			return "-42.5"
		}
		return "x"
	}
	for _, s := range settings {
		if s.env == "" {
			continue
		}
		var want Config
		if err := (value{s.field(&want)}).Set(sample(s.field(&want))); err != nil {
			t.Fatalf("%s: %v", s.key, err)
		}
		env := DefaultConfig()
		if err := env.LoadEnv([]string{s.env + "=" + sample(s.field(&want))}); err != nil {
			t.Fatalf("%s: %v", s.env, err)
		}
		if got := (value{s.field(&env)}).String(); got != (value{s.field(&want)}).String() {
			t.Errorf("%s=%s gives %s", s.env, sample(s.field(&want)), got)
		}
		if s.flag == "" {
			continue
		}
		fl := DefaultConfig()
		fs := flag.NewFlagSet(s.only, flag.ContinueOnError)
		fl.RegisterFlags(fs)
		if err := fs.Parse([]string{"--" + s.flag + "=" + sample(s.field(&want))}); err != nil {
			t.Fatalf("--%s: %v", s.flag, err)
		}
		if got := (value{s.field(&fl)}).String(); got != (value{s.field(&want)}).String() {
			t.Errorf("--%s=%s gives %s", s.flag, sample(s.field(&want)), got)
		}
	}
}
