package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/testenv"
)

// exercise runs the same checks on any Store.
func exercise(t *testing.T, s parley.Store) {
	ctx := context.Background()
	put := func(key, body string) {
		if err := s.Put(ctx, key, strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	put("calls/2026/a.wav", "aaaa")
	put("calls/2026/b.wav", "bb")
	put("calls/other.wav", "c")
	put("results/calls/2026/a.json", "{}")
	var keys []string
	if err := s.List(ctx, "calls/2026/", func(o parley.Object) error {
		keys = append(keys, fmt.Sprintf("%s:%d", o.Key, o.Size))
		if o.ETag == "" || o.Modified.IsZero() {
			t.Errorf("%s without ETag or time", o.Key)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, " ") != "calls/2026/a.wav:4 calls/2026/b.wav:2" {
		t.Errorf("list: %v", keys)
	}
	r, o, err := s.Open(ctx, "calls/2026/a.wav")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "aaaa" || o.Size != 4 {
		t.Errorf("open: %q %+v", b, o)
	}
	before, _ := s.Stat(ctx, "calls/2026/b.wav")
	put("calls/2026/b.wav", "changed!")
	after, _ := s.Stat(ctx, "calls/2026/b.wav")
	if before.ETag == after.ETag {
		t.Error("a changed object kept its ETag: it would never be processed again")
	}
	if _, err := s.Stat(ctx, "calls/none.wav"); !errors.Is(err, parley.ErrNotFound) {
		t.Errorf("stat missing: %v", err)
	}
	if _, _, err := s.Open(ctx, "calls/none.wav"); !errors.Is(err, parley.ErrNotFound) {
		t.Errorf("open missing: %v", err)
	}
}

func TestFS(t *testing.T) {
	exercise(t, &FS{Root: t.TempDir()})
	if _, err := (&FS{Root: t.TempDir()}).Stat(context.Background(), "../../etc/passwd"); !errors.Is(err, parley.ErrNotFound) {
		t.Errorf("a key escaped the root: %v", err)
	}
}

func TestS3(t *testing.T) {
	srv := testenv.StartMinIO(t)
	s, err := NewS3(S3Config{Endpoint: srv.Addr, AccessKey: testenv.MinIOUser, SecretKey: testenv.MinIOPassword}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	exercise(t, s)

	// More keys than one page of ListObjects (1,000): every one must be listed.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range 1234 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			key := fmt.Sprintf("many/%05d.wav", i)
			if err := s.Put(context.Background(), key, bytes.NewReader([]byte("x")), 1, ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n := 0
	s.List(context.Background(), "many/", func(parley.Object) error { n++; return nil })
	if n != 1234 {
		t.Errorf("listed %d of 1234 objects", n)
	}
	for _, u := range []string{"s3://bucket/a/b", "s3://bucket"} {
		if _, _, err := ParseURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://bucket/a", "s3:///a", "bucket/a"} {
		if _, _, err := ParseURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

func TestValidKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"2026/11/call-01.wav":               true,
		"équipe/appel n°3.wav":              true,
		"通話/録音.wav":                         true,
		"../etc/passwd.wav":                 false,
		"a/../../b.wav":                     false,
		"/abs/call.wav":                     false,
		"a//b.wav":                          false,
		"./a.wav":                           false,
		"a\x00b.wav":                        false,
		"a\nb.wav":                          false,
		"invoice\u202egnp.wav":              false, // right-to-left override: shows as "invoicevaw.png"
		"a\\..\\b.wav":                      false,
		"":                                  false,
		string([]byte{0xff, 0xfe}) + ".wav": false,
		strings.Repeat("a", 1025):           false,
	} {
		err := ValidKey(key)
		if (err == nil) != ok {
			t.Errorf("ValidKey(%q) = %v, want ok=%v", key, err, ok)
		}
		if err != nil && parley.ErrorCode(err) != parley.CodeBadKey {
			t.Errorf("ValidKey(%q): code %s", key, parley.ErrorCode(err))
		}
	}
}
