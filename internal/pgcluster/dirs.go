package pgcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// maxSocketPath is the longest unix socket path Linux accepts (sizeof(sun_path) - 1).
const maxSocketPath = 107

// account is the OS user initdb and postgres run as: nil cred means the current user.
type account struct {
	name string
	cred *syscall.Credential
}

// runAccount picks the account for the server. PostgreSQL refuses to run as root, so root hands
// it to the postgres user, or nobody when there is none.
func runAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
		return account{name: name, cred: cred}, nil
	}
	return account{}, errors.New("running as root, but there is neither a postgres nor a nobody user to run the server as")
}

// chown hands path to the account (a no-op when running as the current user).
func (a account) chown(path string) error {
	if a.cred == nil {
		return nil
	}
	if err := os.Lchown(path, int(a.cred.Uid), int(a.cred.Gid)); err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, a.name, err)
	}
	return nil
}

// makeDirs creates the cluster root, the data directory and the socket directory, owned by the
// account. Missing parents of the root are created 0755 so the account can traverse them.
func (c *Cluster) makeDirs(acct account) error {
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(c.dir), err)
	}
	for _, d := range []string{c.dir, c.dataDir} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", d, err)
		}
		if err := acct.chown(d); err != nil {
			return err
		}
	}
	c.sockDir, c.tmpSock = socketDir(c.dir)
	return privateDir(c.sockDir, acct)
}

// socketDir returns Dir/run, or a short directory under /tmp named after a hash of dir when the
// socket path in Dir/run would exceed the kernel's limit or holds a comma (which separates hosts
// in a connection string). The name is stable, so every start of one cluster uses the same
// directory; an attaching process finds it in postmaster.pid.
func socketDir(dir string) (path string, tmp bool) {
	run := filepath.Join(dir, "run")
	if len(run)+len("/.s.PGSQL.5432.lock") <= maxSocketPath && !strings.Contains(run, ",") {
		return run, false
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join("/tmp", "tenantry-pg-"+hex.EncodeToString(sum[:8])), true
}

// privateDir makes path a 0700 directory owned by the account. An existing one must be a real
// directory owned by the account or by us: anyone else could be squatting on the name.
func privateDir(path string, acct account) error {
	err := os.Mkdir(path, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", path, err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("socket dir: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || (st.Uid != uint32(os.Geteuid()) && (acct.cred == nil || st.Uid != acct.cred.Uid)) {
		return fmt.Errorf("socket dir %s exists and is not a directory of ours", path)
	}
	if err := acct.chown(path); err != nil {
		return err
	}
	if err := os.Chmod(path, 0o700); err != nil {
		return fmt.Errorf("socket dir: %w", err)
	}
	return nil
}

// initialized reports whether initdb has completed in dataDir.
func initialized(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, "PG_VERSION"))
	return err == nil
}

// withHint adds to a start-up error the likely cause when the server runs as another account:
// a parent of dir it cannot traverse (as with t.TempDir(), whose parent is 0700).
func withHint(err error, acct account, dir string) error {
	if acct.cred == nil {
		return err
	}
	for p := dir; ; p = filepath.Dir(p) {
		fi, statErr := os.Stat(p)
		if statErr == nil && !traversable(fi, acct.cred) {
			return fmt.Errorf("%w\nhint: the server runs as %s, which cannot traverse %s (mode %v)",
				err, acct.name, p, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return err
		}
	}
}

// traversable reports whether the credential may search the directory by its mode bits.
func traversable(fi fs.FileInfo, cred *syscall.Credential) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	perm := fi.Mode().Perm()
	switch {
	case !ok:
		return true
	case st.Uid == cred.Uid:
		return perm&0o100 != 0
	case st.Gid == cred.Gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
