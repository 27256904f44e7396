package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tenantry/tenantry/internal/postgres"
)

// liftedLimits lifts every rate limit a scenario meets, and the sign-in policy of the flows
// members' sign-ins and token refreshes: the limiter still runs on every request, it just never
// refuses one.
const liftedLimits = "principal=1000000000/1m,tenant=1000000000/1m,ingest=1000000000/1m,login=1000000000/1m"

// server is the tenantry binary running `serve` as a child process.
type server struct {
	cmd      *exec.Cmd
	url      string // http://127.0.0.1:port
	pprofURL string // http://127.0.0.1:port/debug/pprof, when profiling
	logPath  string
	done     chan struct{} // closed when the process has exited
}

// pid returns the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// startServer runs `tenantry serve` against the bench database, with the production defaults
// except the pool size (cfg.Pool) and the rate limits (lifted), logging to a file, and waits until
// it is ready. With cfg.ProfileDir the server (built with -tags pprof) also serves net/http/pprof
// on a second loopback port.
func startServer(ctx context.Context, cfg Config, d *database, log *slog.Logger) (*server, error) {
	key, secret := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(key)
	_, _ = rand.Read(secret)
	dataDir := filepath.Join(d.dir, "server")
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir,
		"DATABASE_URL=" + d.url(postgres.AppRole), "DATABASE_SYSTEM_URL=" + d.url(postgres.SystemRole),
		"TENANTRY_ADDR=127.0.0.1:0", "TENANTRY_METRICS_ADDR=127.0.0.1:0", "TENANTRY_DATA_DIR=" + dataDir, "TENANTRY_JWT_KEY=" + base64.StdEncoding.EncodeToString(key),
		"TENANTRY_SECRET_KEY=" + base64.StdEncoding.EncodeToString(secret),
		fmt.Sprintf("TENANTRY_DB_MAX_CONNS=%d", cfg.Pool), "TENANTRY_RATE_LIMITS=" + liftedLimits,
	}
	env = append(env, cfg.ServerEnv...) // exec keeps the last of duplicate names
	s := &server{logPath: filepath.Join(d.dir, "server.log"), done: make(chan struct{})}
	if cfg.ProfileDir != "" {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		env = append(env, "TENANTRY_PPROF_ADDR="+addr)
		s.pprofURL = "http://" + addr + "/debug/pprof"
	}
	if err := s.start(cfg.Server, env); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		return nil, errors.Join(err, s.stop())
	}
	log.Info("bench: server ready", "url", s.url, "pid", s.pid(), "log", s.logPath)
	return s, nil
}

// start starts the process and reads the address it listens on from its banner.
func (s *server) start(bin string, env []string) error {
	logf, err := os.Create(s.logPath)
	if err != nil {
		return fmt.Errorf("bench: server log: %w", err)
	}
	defer logf.Close() // the child has its own copy
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Stderr = env, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the harness
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that forked the child exits: keep this
		// goroutine on its thread until the server is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = s.cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("bench: start %s (build it with `make build`): %w", bin, err)
	}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if _, addr, ok := strings.Cut(lines.Text(), " listening on "); ok {
			s.url = strings.TrimSpace(addr) // "http://127.0.0.1:port"
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return nil
		}
	}
	<-s.done
	return fmt.Errorf("bench: the server exited before listening (%v); its log ends:\n%s", s.cmd.ProcessState, s.logTail())
}

// logTail returns the end of the server's log.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	return string(b[max(len(b)-3000, 0):])
}

// waitReady polls /health/ready until it answers 200.
func (s *server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/health/ready", nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: server at %s not ready: %w (%w); its log ends:\n%s", s.url, ctx.Err(), last, s.logTail())
		case <-s.done:
			return fmt.Errorf("bench: the server exited (%v); its log ends:\n%s", s.cmd.ProcessState, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the server to shut down (SIGTERM) and kills it after 40 s.
func (s *server) stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.done:
		return nil
	case <-time.After(40 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("bench: the server did not stop in 40s; killed")
	}
}

// freeLoopbackAddr returns a loopback address with a port that was free a moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
