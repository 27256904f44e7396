package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Run directories are os.TempDir()/tenantry-pgtest-*, each holding ownerFile: the pid and
// start time of the test binary that made it.
const (
	runDirPrefix = "tenantry-pgtest-"
	ownerFile    = "owner"
)

// newRunDir creates this run's directory, records us as its owner and lets the server account
// traverse it (pgcluster chowns it to that account).
func newRunDir() (string, error) {
	dir, err := os.MkdirTemp("", runDirPrefix)
	if err != nil {
		return "", fmt.Errorf("create run dir: %w", err)
	}
	me, err := processID(os.Getpid())
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, ownerFile), []byte(me), 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("create run dir: %w", err)
	}
	return dir, nil
}

// removeStaleDirs removes the run directories of test binaries that died without cleaning up
// (a panic, a -timeout, a SIGKILL): those whose owner file names a process that no longer runs.
// Directories without an owner file may be in the making and are left alone.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), runDirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.Fields(string(b) + " x")[0])
		if err != nil {
			continue
		}
		if now, err := processID(pid); err == nil && now == string(b) {
			continue // the owner still runs
		}
		_ = os.RemoveAll(dir)
	}
}

// processID identifies a live process across pid reuse: "pid starttime", the start time being
// field 22 of /proc/pid/stat.
func processID(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return "", fmt.Errorf("short /proc/%d/stat", pid)
	}
	return fmt.Sprintf("%d %s", pid, fields[19]), nil
}
