package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// signInBurst is how many sign-ins TestSignInBurstMemory sends at once (issue 16: 100).
const signInBurst = 100

// TestSignInBurstMemory runs the built binary (`tenantry serve`, production defaults, rate limits
// lifted) and sends it signInBurst concurrent sign-ins of one account: each costs an Argon2id
// hash of 19 MiB. It reports the server's peak resident set (VmHWM, and the largest anonymous and
// file-backed parts sampled) and fails at 100 MB or more: the hasher runs a bounded number of
// hashes at once, the others wait at most its queue timeout (then 503), and the runtime's soft
// memory limit keeps their garbage from piling up (docs/performance.md, "Bounded memory for
// sign-in"). It builds the binary and takes a minute or more on a loaded machine: it runs only
// with TENANTRY_SIGNIN_MEMORY=1 set, as a measurement. GOMEMLIMIT, when set, is passed on to the
// server.
func TestSignInBurstMemory(t *testing.T) {
	if os.Getenv("TENANTRY_SIGNIN_MEMORY") == "" {
		t.Skip("a measurement: set TENANTRY_SIGNIN_MEMORY=1 to run it")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "tenantry")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	s := apitest.Start(t) // the database, and the account, made through the in-process service
	acct := s.Register("burst")
	key, secret := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(key)
	_, _ = rand.Read(secret)
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TENANTRY_DATA_DIR=" + dir,
		"DATABASE_URL=" + s.Env.AppURL, "DATABASE_SYSTEM_URL=" + s.Env.SystemURL,
		"TENANTRY_ADDR=127.0.0.1:0", "TENANTRY_METRICS_ADDR=127.0.0.1:0",
		"TENANTRY_JWT_KEY=" + base64.StdEncoding.EncodeToString(key), "TENANTRY_SECRET_KEY=" + base64.StdEncoding.EncodeToString(secret),
		"TENANTRY_RATE_LIMITS=principal=1000000000/1m,tenant=1000000000/1m,login=1000000000/1m,account=1000000000/1m,account-source=1000000000/1m"}
	if v := os.Getenv("GOMEMLIMIT"); v != "" { // to measure another limit than the binary's default
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+v)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	url := ""
	lines := bufio.NewScanner(stdout)
	for url == "" && lines.Scan() {
		if _, addr, ok := strings.Cut(lines.Text(), " listening on "); ok {
			url = strings.TrimSpace(addr)
		}
	}
	if url == "" {
		t.Fatalf("the server did not start:\n%s", logs.String())
	}
	_, idle := vmKiB(t, cmd.Process.Pid)

	body := fmt.Sprintf(`{"email":%q,"password":%q}`, acct.Email, acct.Password)
	stop, sampled := sampleRSS(t, cmd.Process.Pid)
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range signInBurst {
		wg.Go(func() {
			st := 0
			if r, err := http.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(body)); err == nil {
				st = r.StatusCode
				_ = r.Body.Close()
			}
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	close(stop)
	most := <-sampled
	anon, file := most.anon, most.file
	rss, peak := vmKiB(t, cmd.Process.Pid)
	t.Logf("%d concurrent sign-ins: statuses %v; server RSS idle %d MiB, after %d MiB, peak %d MiB (sampled every 10 ms: anonymous at most %d MiB, file-backed %d MiB)",
		signInBurst, statuses, idle>>10, rss>>10, peak>>10, anon>>10, file>>10)
	if statuses[http.StatusOK] == 0 {
		t.Fatalf("no sign-in succeeded: %v\n%s", statuses, logs.String())
	}
	for st, n := range statuses {
		if st != http.StatusOK {
			t.Logf("%d sign-ins answered %d (0: the connection closed, the server's write timeout)", n, st)
		}
	}
	if peak<<10 >= 100_000_000 {
		t.Errorf("peak RSS %d MiB during %d concurrent sign-ins, want < 100 MB", peak>>10, signInBurst)
	}
}

// vmKiB reads a process's resident set and its peak (VmRSS, VmHWM) in KiB.
func vmKiB(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		name, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			rss = n
		case "VmHWM":
			peak = n
		}
	}
	return rss, peak
}

// rssPeaks are the largest anonymous and file-backed resident sets sampled.
type rssPeaks struct{ anon, file int64 }

// sampleRSS reads a process's RssAnon and RssFile (KiB) every 10 ms until stop closes, then sends
// the largest of each.
func sampleRSS(t *testing.T, pid int) (stop chan struct{}, peaks chan rssPeaks) {
	stop, peaks = make(chan struct{}), make(chan rssPeaks, 1)
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		var most rssPeaks
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if b, err := os.ReadFile(path); err == nil {
				for line := range strings.Lines(string(b)) {
					name, v, _ := strings.Cut(line, ":")
					n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					switch name {
					case "RssAnon":
						most.anon = max(most.anon, n)
					case "RssFile":
						most.file = max(most.file, n)
					}
				}
			}
			select {
			case <-stop:
				peaks <- most
				return
			case <-tick.C:
			}
		}
	}()
	return stop, peaks
}
