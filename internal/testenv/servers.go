package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// FreePort returns a free TCP port on the loopback address.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Server is a server process started for a test.
type Server struct {
	Addr  string // 127.0.0.1:port
	cmd   *exec.Cmd
	args  []string
	env   []string
	t     testing.TB
	ready func() error // beyond an open port, when the server says it is ready
}

func waitPort(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not open within %v", addr, d)
}

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.Env = append(os.Environ(), s.env...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.args[0], err)
	}
	if err := waitPort(s.Addr, 30*time.Second); err != nil {
		s.cmd.Process.Kill()
		s.t.Fatal(err)
	}
	if s.ready == nil {
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := s.ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			s.t.Fatalf("%s not ready: %v", s.args[0], err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop kills the server and waits for it.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart stops the server and starts it again on the same port (and data).
func (s *Server) Restart() {
	s.Stop()
	s.start()
}

// StartRedis starts redis-server (Debian's package) on a free loopback port with an append-only file,
// as production runs it, so a restart keeps the queues.
func StartRedis(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (scripts/setup.sh --test installs it)")
	}
	port := FreePort(t)
	dir := t.TempDir()
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), t: t,
		args: []string{bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir}}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// MinIO credentials of the test server.
const (
	MinIOUser     = "parley-test"
	MinIOPassword = "parley-test-secret"
)

// MinIOBinary finds the minio server: PARLEY_MINIO, the project cache (scripts/setup.sh --test
// installs it there), or PATH.
func MinIOBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PARLEY_MINIO"); p != "" {
		return p
	}
	cache := os.Getenv("PARLEY_CACHE")
	if cache == "" {
		if d, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(d, "parley")
		}
	}
	if p := filepath.Join(cache, "bin", "minio"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	t.Fatal("minio is not installed (scripts/setup.sh --test installs it into the parley cache)")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// StartMinIO starts a MinIO server on a free loopback port with a fresh data directory.
func StartMinIO(t testing.TB) *Server {
	t.Helper()
	port, console := FreePort(t), FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &Server{Addr: addr, t: t,
		args: []string{MinIOBinary(t), "server", t.TempDir(), "--address", addr, "--console-address", fmt.Sprintf("127.0.0.1:%d", console), "--quiet"},
		env:  []string{"MINIO_ROOT_USER=" + MinIOUser, "MINIO_ROOT_PASSWORD=" + MinIOPassword, "MINIO_BROWSER=off", "MINIO_UPDATE=off"}}
	// MinIO opens its port, and even answers its health check, before it serves S3 requests ("Server
	// not initialized yet"): ready is when a real request succeeds.
	client, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(MinIOUser, MinIOPassword, "")})
	if err != nil {
		t.Fatal(err)
	}
	s.ready = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := client.ListBuckets(ctx)
		return err
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// sbin finds a system tool that may live outside the PATH of a CI job (/usr/sbin, /sbin).
func sbin(t testing.TB, name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/sbin"} {
		if p := filepath.Join(d, name); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s not found", name)
	return ""
}

// StartPostgres starts a throwaway PostgreSQL server (Debian's package) on a free loopback port and
// returns its URL. As root it runs the server as the postgres user, which initdb requires.
func StartPostgres(t testing.TB) (*Server, string) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		t.Fatal("PostgreSQL is not installed (scripts/setup.sh --test installs it)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "parley-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var prefix []string
	if os.Geteuid() == 0 {
		os.Chmod(dir, 0o755)
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
		prefix = []string{sbin(t, "runuser"), "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	args := append(append([]string{}, prefix...), filepath.Join(bin, "initdb"), "-D", data, "--auth=trust", "--username=parley", "--no-sync")
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := FreePort(t)
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), t: t,
		args: append(append([]string{}, prefix...), filepath.Join(bin, "postgres"), "-D", data, "-p", fmt.Sprint(port), "-k", dir,
			"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off")}
	// The port opens while the server is still starting up and refusing connections.
	s.ready = func() error {
		out, err := exec.Command(filepath.Join(bin, "pg_isready"), "-h", "127.0.0.1", "-p", fmt.Sprint(port), "-U", "parley", "-d", "postgres").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	s.start()
	t.Cleanup(s.Stop)
	return s, fmt.Sprintf("postgres://parley@%s/postgres?sslmode=disable", s.Addr)
}
