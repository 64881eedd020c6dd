package storage

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parley-cc/parley"
)

// FS is a directory used as an object store: keys are paths below Root.
type FS struct {
	Root string
}

var _ parley.Store = (*FS)(nil)

func (f *FS) path(key string) (string, error) {
	clean := filepath.Clean("/" + key)
	if clean == "/" || strings.Contains(key, "\x00") {
		return "", fmt.Errorf("bad key %q", key)
	}
	return filepath.Join(f.Root, filepath.FromSlash(clean)), nil
}

// LocalPath is the file behind a key, for readers that want the file itself rather than a stream.
func (f *FS) LocalPath(key string) (string, error) { return f.path(key) }

func (f *FS) object(key, p string) (parley.Object, error) {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return parley.Object{}, fmt.Errorf("%s: %w", key, parley.ErrNotFound)
		}
		return parley.Object{}, err
	}
	// The ETag of a file: its size and modification time, as cheap as S3's for change detection.
	sum := md5.Sum([]byte(fmt.Sprintf("%d-%d", st.Size(), st.ModTime().UnixNano())))
	return parley.Object{Key: key, Size: st.Size(), ETag: hex.EncodeToString(sum[:]), Modified: st.ModTime()}, nil
}

func (f *FS) List(ctx context.Context, prefix string, fn func(parley.Object) error) error {
	var keys []string
	err := filepath.WalkDir(f.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(f.Root, p)
		key := filepath.ToSlash(rel)
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		o, err := f.object(k, filepath.Join(f.Root, filepath.FromSlash(k)))
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

func (f *FS) Stat(ctx context.Context, key string) (parley.Object, error) {
	p, err := f.path(key)
	if err != nil {
		return parley.Object{}, err
	}
	return f.object(key, p)
}

func (f *FS) Open(ctx context.Context, key string) (io.ReadCloser, parley.Object, error) {
	o, err := f.Stat(ctx, key)
	if err != nil {
		return nil, o, err
	}
	p, _ := f.path(key)
	r, err := os.Open(p)
	return r, o, err
}

func (f *FS) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}
