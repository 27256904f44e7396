// Package redistest starts a private redis-server for tests: no TCP port, a unix socket in a fresh
// temporary directory, no persistence, stopped when the test ends. When redis-server is missing it
// is installed from Debian's packages (as root; otherwise the test is told what to install), as
// internal/pgcluster does for PostgreSQL; apt does not start the packaged service, and nothing here
// needs it.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts.
const (
	installTimeout = 10 * time.Minute
	startTimeout   = 10 * time.Second
	stopGrace      = 5 * time.Second
)

// Server is a running redis-server.
type Server struct {
	URL     string // unix:///…/redis.sock, for REDIS_URL
	Socket  string
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
	once    sync.Once
}

// Start installs redis-server if needed, starts it and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), installTimeout)
	defer cancel()
	bin, err := Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A short directory: a unix socket path is limited to 107 bytes.
	dir, err := os.MkdirTemp("", "redis")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Socket: filepath.Join(dir, "redis.sock"), done: make(chan struct{})}
	s.URL = "unix://" + s.Socket
	t.Cleanup(func() {
		s.Stop()
		_ = os.RemoveAll(dir)
	})
	s.cmd = exec.Command(bin, "--port", "0", "--unixsocket", s.Socket, "--unixsocketperm", "700",
		"--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	s.logPath = filepath.Join(dir, "redis.log")
	logf, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child holds its own copy
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // no orphan if the test binary dies
	started := make(chan error, 1)
	go s.run(started)
	if err := <-started; err != nil {
		t.Fatalf("redistest: start %s: %v", bin, err)
	}
	if err := s.waitReady(t.Context()); err != nil {
		t.Fatalf("redistest: %v; output:\n%s", err, s.output())
	}
	return s
}

// run starts the server and reaps it on one locked OS thread: the parent-death signal fires when
// the thread that forked the child exits, so that thread must outlive the server.
func (s *Server) run(started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := s.cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	_ = s.cmd.Wait()
	close(s.done)
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: s.Socket, MaxRetries: -1})
	defer c.Close()
	for {
		if err := c.Ping(ctx).Err(); err == nil {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("redis-server exited during start-up")
		case <-ctx.Done():
			return fmt.Errorf("waiting for redis-server: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL) and waits for it; tests call it to simulate an
// outage. It is idempotent.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(stopGrace):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}

func (s *Server) output() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

var installMu sync.Mutex

// Install returns the path of redis-server, installing the Debian package redis-server with apt
// when it is missing and the process runs as root. Concurrent test processes take turns through
// a lock file, and apt waits for its own locks.
func Install(ctx context.Context) (string, error) {
	if bin, err := Binary(); err == nil {
		return bin, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("redistest: redis-server not found; run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or put redis-server on PATH")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New("redistest: redis-server not found and there is no apt-get; install redis-server and put it on PATH")
	}
	installMu.Lock()
	defer installMu.Unlock()
	unlock, err := lockFile(filepath.Join(os.TempDir(), "tenantry-redis-install.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if bin, err := Binary(); err == nil { // another process installed it meanwhile
		return bin, nil
	}
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "redis-server"}} {
		if err := aptGet(ctx, append([]string{"-o", "DPkg::Lock::Timeout=300"}, args...)); err != nil {
			return "", err
		}
	}
	return Binary()
}

// aptGet runs apt-get, retrying while another apt (e.g. the PostgreSQL install of a parallel test
// package) holds a lock that the lock timeout does not cover.
func aptGet(ctx context.Context, args []string) error {
	for attempt := 1; ; attempt++ {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		if attempt == 30 || !strings.Contains(string(out), "Could not get lock") {
			return fmt.Errorf("redistest: apt-get %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redistest: apt-get %s: %w", strings.Join(args, " "), ctx.Err())
		case <-time.After(5 * time.Second):
		}
	}
}

// Binary returns the path of redis-server: on PATH, or where Debian installs it.
func Binary() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat("/usr/bin/redis-server"); err == nil && !fi.IsDir() {
		return "/usr/bin/redis-server", nil
	}
	return "", errors.New("redistest: redis-server not found")
}

// lockFile takes an exclusive lock on path, waiting for other processes.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("redistest: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("redistest: lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
