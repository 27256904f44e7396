package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidFile is what postgres records in postmaster.pid while it runs: line 1 the pid, line 2 the
// data directory, line 4 the port, line 5 the first socket directory, line 8 the status
// ("starting", "ready", "stopping").
type pidFile struct {
	pid     int
	dataDir string
	port    int
	sockDir string
	status  string
}

// readPidFile reads dataDir/postmaster.pid. Lines postgres has not written yet stay zero.
func readPidFile(dataDir string) (pidFile, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return pidFile{}, err
	}
	lines := strings.Split(string(b), "\n")
	line := func(n int) string {
		if n > len(lines) {
			return ""
		}
		return strings.TrimSpace(lines[n-1])
	}
	var pf pidFile
	if pf.pid, err = strconv.Atoi(line(1)); err != nil || pf.pid <= 0 {
		return pidFile{}, fmt.Errorf("read postmaster.pid: bad pid %q", line(1))
	}
	pf.dataDir = line(2)
	pf.port, _ = strconv.Atoi(line(4))
	pf.sockDir, pf.status = line(5), line(8)
	return pf, nil
}

// attach reports whether a live postgres already serves the data directory and, if so, waits
// for it to be ready and adopts its socket. A missing or stale postmaster.pid means no: a stale
// file is postgres's own business when it starts.
func (c *Cluster) attach(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(attachWait)
	for {
		pf, err := readPidFile(c.dataDir)
		if err != nil || !postgresAlive(pf.pid) {
			return false, nil //nolint:nilerr // no readable pid file is "no live postgres": start one
		}
		if pf.status == "ready" && pf.sockDir != "" {
			c.sockDir, c.port = pf.sockDir, pf.port
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("attach: postgres pid %d on %s is %q, not ready after %s",
				pf.pid, c.dataDir, pf.status, attachWait)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return false, fmt.Errorf("attach: %w", err)
		}
	}
}

// postgresAlive reports whether pid is a live (not zombie) process named postgres.
func postgresAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) state ...": comm may hold spaces, so split at the last ')'.
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || end+2 >= len(s) {
		return false
	}
	state := s[end+2]
	return s[open+1:end] == "postgres" && state != 'Z' && state != 'X'
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// stopSuccessor stops the postgres that postmaster.pid names for dataDir, unless that is ours
// (pid, stopped already) or none runs: a server restarted on our data directory behind our back.
// It is not our child, so it is signalled by pid and watched until it is gone.
func stopSuccessor(dataDir string, ours int) error {
	pf, err := readPidFile(dataDir)
	if err != nil || pf.pid == ours || !postgresAlive(pf.pid) {
		return nil //nolint:nilerr // no readable pid file: no postgres serves the directory
	}
	if pf.dataDir != "" && filepath.Clean(pf.dataDir) != filepath.Clean(dataDir) {
		return nil // the file names another directory: not a server of ours
	}
	steps := []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGINT, stopGrace}, {syscall.SIGQUIT, killGrace}, {syscall.SIGKILL, killGrace}}
	for _, st := range steps {
		if err := syscall.Kill(pf.pid, st.sig); err != nil {
			if errors.Is(err, syscall.ESRCH) {
				return nil
			}
			return fmt.Errorf("signal the restarted postgres pid %d: %w", pf.pid, err)
		}
		for deadline := time.Now().Add(st.grace); time.Now().Before(deadline); {
			if !postgresAlive(pf.pid) {
				return nil
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return fmt.Errorf("the restarted postgres pid %d did not exit after SIGKILL", pf.pid)
}
