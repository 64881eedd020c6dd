// Package storage implements parley.Store on S3-compatible object storage (minio-go: MinIO, AWS S3 and
// others) and on the local filesystem.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/parley-cc/parley"
)

// S3 is a bucket of an S3-compatible store.
type S3 struct {
	Client *minio.Client
	Bucket string
}

var _ parley.Store = (*S3)(nil)

// S3Config is what connecting to an S3-compatible store takes.
type S3Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Secure    bool // HTTPS
	Region    string
}

// NewS3 connects to a bucket.
func NewS3(cfg S3Config, bucket string) (*S3, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.Secure, Region: cfg.Region})
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "s3 endpoint %q", cfg.Endpoint)
	}
	return &S3{Client: c, Bucket: bucket}, nil
}

// ParseURL splits s3://bucket/prefix.
func ParseURL(u string) (bucket, prefix string, err error) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "s3" || p.Host == "" {
		return "", "", parley.Errorf(parley.CodeConfig, "%q is not an s3://bucket/prefix URL", u)
	}
	return p.Host, strings.TrimPrefix(p.Path, "/"), nil
}

func (s *S3) List(ctx context.Context, prefix string, fn func(parley.Object) error) error {
	// minio-go follows continuation tokens: every page, not only the first thousand keys.
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", s.Bucket, prefix, o.Err)
		}
		if err := fn(parley.Object{Key: o.Key, Size: o.Size, ETag: strings.Trim(o.ETag, `"`), Modified: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

func (s *S3) Stat(ctx context.Context, key string) (parley.Object, error) {
	info, err := s.Client.StatObject(ctx, s.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return parley.Object{}, fmt.Errorf("s3://%s/%s: %w", s.Bucket, key, parley.ErrNotFound)
		}
		return parley.Object{}, fmt.Errorf("stat s3://%s/%s: %w", s.Bucket, key, err)
	}
	return parley.Object{Key: key, Size: info.Size, ETag: strings.Trim(info.ETag, `"`), Modified: info.LastModified}, nil
}

func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, parley.Object, error) {
	obj, err := s.Stat(ctx, key)
	if err != nil {
		return nil, obj, err
	}
	r, err := s.Client.GetObject(ctx, s.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, obj, fmt.Errorf("get s3://%s/%s: %w", s.Bucket, key, err)
	}
	return r, obj, nil
}

func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := s.Client.PutObject(ctx, s.Bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

// EnsureBucket creates the bucket if it does not exist.
func (s *S3) EnsureBucket(ctx context.Context) error {
	ok, err := s.Client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", s.Bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.Client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{}); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("create bucket %s: %w", s.Bucket, err)
	}
	return nil
}
