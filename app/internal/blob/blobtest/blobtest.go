// Package blobtest gives tests a real S3-compatible object store: the one
// APP_TEST_S3_URL names (with APP_TEST_S3_ACCESS_KEY and
// APP_TEST_S3_SECRET_KEY), or a Versity S3 Gateway (versitygw on PATH)
// started for the test over a temporary folder. Each call makes a new
// bucket, so tests never see each other's objects.
package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/suratdesa/suratdesa/app/internal/blob"
)

// Server is a reachable S3-compatible server.
type Server struct {
	Endpoint string // http://host:port
	Region   string
	Creds    blob.Credentials
}

// S3 returns the test's S3 server, starting versitygw when
// APP_TEST_S3_URL is unset, and skips the test with a message when there
// is neither.
func S3(t testing.TB) *Server {
	t.Helper()
	if raw := os.Getenv("APP_TEST_S3_URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("APP_TEST_S3_URL: %v", err)
		}
		return &Server{Endpoint: u.Query().Get("endpoint"), Region: u.Query().Get("region"),
			Creds: blob.Credentials{AccessKey: os.Getenv("APP_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("APP_TEST_S3_SECRET_KEY")}}
	}
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		t.Skip("no S3-compatible server: install versitygw (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0) or set APP_TEST_S3_URL")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	creds := blob.Credentials{AccessKey: "test" + randomHex(6), SecretKey: randomHex(20)}
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+creds.AccessKey, "ROOT_SECRET_KEY="+creds.SecretKey)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not listen on %s: %s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Server{Endpoint: "http://" + addr, Region: "us-east-1", Creds: creds}
}

// Bucket creates a new bucket and returns its APP_BLOB_URL.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(s.Creds.AccessKey, s.Creds.SecretKey, ""),
		Secure: u.Scheme == "https", Region: s.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	name := "t" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	q := url.Values{"endpoint": {s.Endpoint}}
	if s.Region != "" {
		q.Set("region", s.Region)
	}
	return fmt.Sprintf("s3://%s?%s", name, q.Encode())
}

// Open creates a bucket and opens it as a store.
func (s *Server) Open(t testing.TB) (blob.Store, string) {
	t.Helper()
	raw := s.Bucket(t)
	st, err := blob.Open(context.Background(), raw, s.Creds)
	if err != nil {
		t.Fatal(err)
	}
	return st, raw
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
