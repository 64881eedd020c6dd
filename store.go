package parley

import (
	"context"
	"errors"
	"io"
	"time"
)

// Object describes a stored object.
type Object struct {
	Key      string
	Size     int64
	ETag     string
	Modified time.Time
}

// ErrNotFound is returned for keys that do not exist.
var ErrNotFound = errors.New("not found")

// Store is object storage: S3-compatible buckets or a local directory. Keys use forward slashes.
type Store interface {
	// List calls fn for every object under prefix, in key order, across all pages.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Open streams an object.
	Open(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Stat describes an object; ErrNotFound when there is none.
	Stat(ctx context.Context, key string) (Object, error)
	// Put writes an object from r (size -1 when unknown).
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
}
