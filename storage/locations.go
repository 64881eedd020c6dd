package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/parley-cc/parley"
)

// Locations opens objects by location: s3://bucket/key through a Store per bucket (made once by
// Bucket's constructor and kept), anything else as a local file path. Locations come from parley's own
// records (the results index), never from a request.
type Locations struct {
	NewBucket func(bucket string) (parley.Store, error) // nil: s3:// locations are refused

	mu      sync.Mutex
	buckets map[string]parley.Store
}

// Bucket returns the store of a bucket.
func (l *Locations) Bucket(bucket string) (parley.Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.buckets[bucket]; ok {
		return s, nil
	}
	if l.NewBucket == nil {
		return nil, parley.Errorf(parley.CodeConfig, "s3://%s: no S3 endpoint is configured", bucket)
	}
	s, err := l.NewBucket(bucket)
	if err != nil {
		return nil, err
	}
	if l.buckets == nil {
		l.buckets = map[string]parley.Store{}
	}
	l.buckets[bucket] = s
	return s, nil
}

// Open opens the object at a location for reading and seeking (HTTP range requests need both).
func (l *Locations) Open(ctx context.Context, loc string) (io.ReadSeekCloser, parley.Object, error) {
	if !strings.HasPrefix(loc, "s3://") {
		f, err := os.Open(loc)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, parley.Object{}, fmt.Errorf("%s: %w", loc, parley.ErrNotFound)
		}
		if err != nil {
			return nil, parley.Object{}, err
		}
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			f.Close()
			return nil, parley.Object{}, fmt.Errorf("%s: not a file: %w", loc, parley.ErrNotFound)
		}
		return f, parley.Object{Key: loc, Size: st.Size(), Modified: st.ModTime()}, nil
	}
	bucket, key, err := ParseURL(loc)
	if err != nil {
		return nil, parley.Object{}, err
	}
	s, err := l.Bucket(bucket)
	if err != nil {
		return nil, parley.Object{}, err
	}
	r, obj, err := s.Open(ctx, key)
	if err != nil {
		return nil, obj, err
	}
	rs, ok := r.(io.ReadSeekCloser)
	if !ok {
		r.Close()
		return nil, obj, fmt.Errorf("%s: the store cannot seek", loc)
	}
	return rs, obj, nil
}

// Put writes the object at a location (a local file is replaced atomically).
func (l *Locations) Put(ctx context.Context, loc string, r io.Reader, size int64, contentType string) error {
	if !strings.HasPrefix(loc, "s3://") {
		fsys := &FS{Root: filepath.Dir(loc)}
		return fsys.Put(ctx, filepath.Base(loc), r, size, contentType)
	}
	bucket, key, err := ParseURL(loc)
	if err != nil {
		return err
	}
	s, err := l.Bucket(bucket)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, r, size, contentType)
}
