package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// helperEnv makes the re-executed test binary start a cluster in the named directory and wait
// to be killed (see TestServerDiesWithParent).
const helperEnv = "PGCLUSTER_TEST_HELPER_DIR"

// newDir returns a fresh directory under /tmp that the postgres account can traverse. Not
// t.TempDir(): its parent is 0700, which the postgres account cannot traverse when the tests run
// as root.
func newDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgcluster-test-")
	if err == nil {
		err = os.Chmod(dir, 0o711)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func start(t *testing.T, o Options) *Cluster {
	t.Helper()
	begin := time.Now()
	c, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %s", time.Since(begin))
	return c
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.DSN("postgres", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func execSQL(t *testing.T, c *Cluster, sql string) {
	t.Helper()
	if _, err := connect(t, c).Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryInt(t *testing.T, c *Cluster, sql string) int {
	t.Helper()
	conn := connect(t, c)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestEphemeral(t *testing.T) {
	t.Parallel()
	dir := newDir(t)
	c := start(t, Options{Dir: dir, Ephemeral: true})
	if got := queryInt(t, c, "SELECT 40 + 2"); got != 42 {
		t.Fatalf("SELECT 40 + 2 = %d", got)
	}
	if got := queryInt(t, c, "SELECT count(*) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') AND setting = 'off'"); got != 3 {
		t.Errorf("%d of fsync, synchronous_commit, full_page_writes are off, want 3", got)
	}
	if got := queryInt(t, c, "SELECT count(*) FROM pg_settings WHERE name = 'listen_addresses' AND setting = ''"); got != 1 {
		t.Error("listen_addresses is not empty")
	}
	if fi, err := os.Stat(c.SocketDir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir %s: %v, %v; want mode 0700", c.SocketDir(), fi.Mode(), err)
	}
	begin := time.Now()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Stop took %s", time.Since(begin))
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ephemeral dir after Stop: %v, want it gone", err)
	}
}

// TestPersistentAttach uses a root too long for a socket path, so the socket lives under /tmp
// and an attaching Start must find it in postmaster.pid.
func TestPersistentAttach(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(newDir(t), strings.Repeat("long-name-", 10))
	c := start(t, Options{Dir: dir})
	if !strings.HasPrefix(c.SocketDir(), "/tmp/tenantry-pg-") {
		t.Errorf("socket dir %s, want a short one under /tmp", c.SocketDir())
	}
	t.Cleanup(func() { _ = c.Stop() }) // the test stops it first; this is for a failure before that
	execSQL(t, c, "CREATE TABLE kept AS SELECT 7 AS n")

	other := start(t, Options{Dir: dir})
	if other.srv != nil || other.SocketDir() != c.SocketDir() {
		t.Fatalf("second Start did not attach (socket %s, want %s)", other.SocketDir(), c.SocketDir())
	}
	if got := queryInt(t, other, "SELECT n FROM kept"); got != 7 {
		t.Fatalf("attached cluster: n = %d", got)
	}
	if err := other.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, c, "SELECT n FROM kept"); got != 7 {
		t.Fatalf("after the attached Stop: n = %d", got)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.SocketDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("/tmp socket dir after Stop: %v, want it gone", err)
	}

	again := start(t, Options{Dir: dir})
	t.Cleanup(func() { _ = again.Stop() })
	if again.srv == nil {
		t.Fatal("Start after Stop attached to a stopped server")
	}
	if got := queryInt(t, again, "SELECT n FROM kept"); got != 7 {
		t.Fatalf("after restart: n = %d, want the data kept", got)
	}
}

func TestStopAfterServerExit(t *testing.T) {
	t.Parallel()
	c := start(t, Options{Dir: newDir(t), Ephemeral: true})
	if err := syscall.Kill(c.srv.pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.srv.done
	for range 2 {
		if err := c.Stop(); err != nil {
			t.Fatalf("Stop after exit: %v", err)
		}
	}
}

// TestStopAfterRestartBehindUs: the postgres we started is stopped and another one is started on
// the same data directory behind our back (as `pg_ctl restart` does), under a new pid; Stop must
// stop that one too.
func TestStopAfterRestartBehindUs(t *testing.T) {
	t.Parallel()
	o := Options{Dir: newDir(t), Ephemeral: true}
	c := start(t, o)
	if err := c.srv.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-c.srv.done
	bin, err := c.binaries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	acct, err := runAccount()
	if err != nil {
		t.Fatal(err)
	}
	other, err := startServer(t.Context(), bin, acct, c.dataDir, c.settings(o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.shutdown() })
	if other.pid() == c.srv.pid() || !alive(other.pid()) {
		t.Fatalf("the restarted postgres: pid %d (ours was %d)", other.pid(), c.srv.pid())
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-other.done:
	case <-time.After(time.Minute):
		t.Fatalf("the restarted postgres pid %d still runs after Stop", other.pid())
	}
}

func TestBadSetting(t *testing.T) {
	t.Parallel()
	dir := newDir(t)
	_, err := Start(t.Context(), Options{Dir: dir, Ephemeral: true,
		Settings: map[string]string{"shared_buffers": "plenty"}})
	if err == nil {
		t.Fatal("Start with a bad setting succeeded")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), `invalid value for parameter "shared_buffers"`) {
		t.Errorf("error does not hold the server log: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dir after failed ephemeral Start: %v, want it gone", err)
	}
}

// TestServerDiesWithParent starts a cluster in a child process, SIGKILLs the child and expects
// the postmaster and all its children to be gone within a few seconds.
func TestServerDiesWithParent(t *testing.T) {
	if dir := os.Getenv(helperEnv); dir != "" {
		runHelper(dir)
		return
	}
	t.Parallel()
	dir := newDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithParent$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }() // it may have exited already
	if !waitForLine(out, "ready") {
		t.Fatal("helper did not start its cluster")
	}
	pf, err := readPidFile(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	pids := append(childrenOf(pf.pid), pf.pid)
	t.Logf("postmaster %d and %d children", pf.pid, len(pids)-1)

	begin := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for _, pid := range pids {
		for alive(pid) {
			if time.Since(begin) > 5*time.Second {
				t.Fatalf("pid %d still alive 5s after its parent was killed", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("all postgres processes gone %s after SIGKILL of the parent", time.Since(begin))
}

func runHelper(dir string) {
	if _, err := Start(context.Background(), Options{Dir: dir, Ephemeral: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	select {}
}

func waitForLine(out interface{ Read([]byte) (int, error) }, want string) bool {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == want {
			return true
		}
	}
	return false
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	var kids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			kids = append(kids, n)
		}
	}
	return kids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	state := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0]
	return state != "Z" && state != "X"
}
