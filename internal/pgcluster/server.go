package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// logTailLines is how much of a log an error carries.
const logTailLines = 30

// server is a postgres process started by this process.
type server struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited and been reaped
}

// initdb creates the cluster in dataDir as the account. Trust authentication is safe because the
// server listens only on a unix socket in a 0700 directory: only the account and root can reach it.
func initdb(ctx context.Context, bin string, acct account, dir, dataDir string, ephemeral bool) error {
	args := []string{"-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.Dir, cmd.Env = dir, childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.cred, Pdeathsig: syscall.SIGKILL}
	// Pdeathsig fires when the forking thread exits: keep this goroutine on its thread until done.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w; output:\n%s", err, tail(out, logTailLines))
	}
	return nil
}

// startServer runs `postgres -D dataDir settings...` as the account, in the cluster root (the
// parent of dataDir) and logging to postgres.log there, and waits until postmaster.pid says it is
// ready. On failure the server is gone and the error holds the tail of the log.
func startServer(ctx context.Context, bin string, acct account, dataDir string, settings []string) (*server, error) {
	dir := filepath.Dir(dataDir)
	s := &server{logPath: filepath.Join(dir, "postgres.log"), done: make(chan struct{})}
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), append([]string{"-D", dataDir}, settings...)...)
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = dir, childEnv(), logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: acct.cred,
		Pdeathsig:  syscall.SIGQUIT, // immediate shutdown of the whole server if we die
		Setpgid:    true,            // a terminal's Ctrl-C reaches us, and we decide when to stop
	}
	started := make(chan error, 1)
	go s.run(started)
	err = <-started
	logf.Close() // the child holds its own copy
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := s.waitReady(ctx, dataDir); err != nil {
		_ = s.shutdown()
		return nil, fmt.Errorf("start postgres: %w; server log:\n%s", err, s.logTail())
	}
	return s, nil
}

// run starts the process and reaps it on one locked OS thread: the kernel sends the parent-death
// signal when the thread that forked the child exits, so that thread must outlive the server.
func (s *server) run(started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := s.cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	_ = s.cmd.Wait() // the exit status of a server we stopped says nothing useful
	close(s.done)
}

// waitReady polls postmaster.pid until it names our process with status "ready".
func (s *server) waitReady(ctx context.Context, dataDir string) error {
	for {
		pf, err := readPidFile(dataDir)
		if err == nil && pf.pid == s.pid() && pf.status == "ready" {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited during start-up (%v)", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("waiting for postgres to be ready: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// pid returns the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// shutdown asks for a fast shutdown (SIGINT), then an immediate one (SIGQUIT), then kills, and
// waits for the process to be reaped. It returns at once when the process has already exited.
func (s *server) shutdown() error {
	steps := []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGINT, stopGrace}, {syscall.SIGQUIT, killGrace}, {syscall.SIGKILL, killGrace}}
	for _, st := range steps {
		select {
		case <-s.done:
			return nil
		default:
		}
		if err := s.cmd.Process.Signal(st.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("signal postgres pid %d: %w", s.pid(), err)
		}
		select {
		case <-s.done:
			return nil
		case <-time.After(st.grace):
		}
	}
	return fmt.Errorf("postgres pid %d did not exit after SIGKILL", s.pid())
}

// logTail returns the last lines of the server log.
func (s *server) logTail() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	const maxBytes = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > maxBytes {
		_, _ = f.Seek(-maxBytes, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return tail(b, logTailLines)
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// childEnv is our environment without PG* variables, which would change the server's or
// initdb's defaults (PGPORT, PGDATA, ...).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}
