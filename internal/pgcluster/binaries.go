package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// debianBinGlob is where Debian and Ubuntu packages install each server version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// Binaries returns the directory holding the PostgreSQL server binaries (initdb and postgres):
// the directory of initdb found on PATH (symlinks resolved), else the highest version under
// /usr/lib/postgresql/*/bin.
func Binaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasServer(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	best, bestVer := "", -1.0
	for _, d := range dirs {
		ver, err := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		if err == nil && ver > bestVer && hasServer(d) {
			best, bestVer = d, ver
		}
	}
	if best == "" {
		return "", errors.New("pgcluster: binaries: no PostgreSQL server binaries (initdb, postgres) on PATH or in " + debianBinGlob)
	}
	return best, nil
}

// binariesForVersion returns the Debian binary directory of the version that created dataDir,
// so an existing cluster keeps its server version when a newer one is installed.
func binariesForVersion(dataDir string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if err != nil {
		return "", false
	}
	d := strings.Replace(debianBinGlob, "*", strings.TrimSpace(string(b)), 1)
	return d, hasServer(d)
}

// hasServer reports whether dir holds both initdb and postgres.
func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// Install installs the PostgreSQL server when Binaries finds none: as root with
// `apt-get update` and `apt-get install -y postgresql` (DEBIAN_FRONTEND=noninteractive);
// otherwise it returns an error naming the command to run. log may be nil.
func Install(ctx context.Context, log *slog.Logger) error {
	if _, err := Binaries(); err == nil {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if os.Geteuid() != 0 {
		return errors.New("pgcluster: install: PostgreSQL server binaries not found; run `sudo apt-get install -y postgresql` (Debian/Ubuntu) or put initdb and postgres on PATH")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("pgcluster: install: PostgreSQL server binaries not found and there is no apt-get; install the PostgreSQL server and put initdb and postgres on PATH")
	}
	// Another apt run (a parallel test package, redis-server) may hold the lock: wait for it.
	lock := []string{"-o", "DPkg::Lock::Timeout=300"}
	for _, args := range [][]string{append([]string{"update"}, lock...), append([]string{"install", "-y"}, append(lock, "postgresql")...)} {
		log.Info("pgcluster: installing PostgreSQL", "command", "apt-get "+strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("pgcluster: install: apt-get %s: %w\n%s", strings.Join(args, " "), err, tail(out, 20))
		}
	}
	if _, err := Binaries(); err != nil {
		return fmt.Errorf("pgcluster: install: %w", err)
	}
	return nil
}
