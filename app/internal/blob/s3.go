package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3Store keeps objects in one bucket of an S3-compatible server.
type s3Store struct {
	c        *minio.Client
	bucket   string
	endpoint string
}

func openS3(ctx context.Context, u *url.URL, creds Credentials) (Store, error) {
	bucket := u.Host
	if bucket == "" {
		return nil, errors.New("blob: s3:// URL names no bucket (s3://bucket?endpoint=...)")
	}
	q := u.Query()
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		return nil, errors.New("blob: s3:// URL needs ?endpoint=http(s)://host:port")
	}
	secure := true
	if eu, err := url.Parse(endpoint); err == nil && eu.Host != "" {
		secure = eu.Scheme != "http"
		endpoint = eu.Host
	}
	if creds.AccessKey == "" || creds.SecretKey == "" {
		return nil, errors.New("blob: an s3:// store needs APP_BLOB_ACCESS_KEY and APP_BLOB_SECRET_KEY (or their _FILE variants)")
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(creds.AccessKey, creds.SecretKey, ""),
		Secure:       secure,
		Region:       q.Get("region"),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 client for %s: %w", endpoint, err)
	}
	return &s3Store{c: c, bucket: bucket, endpoint: endpoint}, nil
}

func (s *s3Store) String() string { return "s3://" + s.bucket + " at " + s.endpoint }

func (s *s3Store) Put(ctx context.Context, key string, data []byte) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	_, err := s.c.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

func (s *s3Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	o, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	return b, nil
}

func (s *s3Store) Stat(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, err
	}
	info, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, s.fail("stat", key, err)
	}
	return Object{Key: key, Size: info.Size, ModTime: info.LastModified}, nil
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if err := s.fail("delete", key, err); !errors.Is(err, ErrNotExist) {
			return err
		}
	}
	return nil
}

func (s *s3Store) List(ctx context.Context, prefix string, fn func(Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn fails
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("blob: list %s: %w", prefix, o.Err)
		}
		if strings.HasSuffix(o.Key, "/") {
			continue // a folder marker some servers list
		}
		if err := fn(Object{Key: o.Key, Size: o.Size, ModTime: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

func (s *s3Store) Ping(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: %s: %w", s, err)
	}
	if !ok {
		return fmt.Errorf("blob: bucket %q does not exist at %s", s.bucket, s.endpoint)
	}
	return nil
}

// fail wraps an S3 error, mapping "no such key" to ErrNotExist.
func (s *s3Store) fail(op, key string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey, "NotFound":
		return fmt.Errorf("blob: %s %s: %w", op, key, ErrNotExist)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

func randomSuffix() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
