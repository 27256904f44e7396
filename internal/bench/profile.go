package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiled are the scenarios whose server CPU is profiled when Config.ProfileDir is set.
var profiled = map[string]bool{ScenarioList: true, ScenarioIngest: true}

// profile starts a CPU profile of the server for the measured phase of scenario name, when
// profiling, and returns the function that waits for it. Profiles need a server built with
// `-tags pprof`, which serves net/http/pprof on a second loopback port (never on the API's).
func (r *run) profile(ctx context.Context, name string) (wait func() error) {
	if r.cfg.ProfileDir == "" || !profiled[name] {
		return func() error { return nil }
	}
	seconds := max(int(r.cfg.Duration/time.Second)-1, 1)
	path := filepath.Join(r.cfg.ProfileDir, fmt.Sprintf("cpu-%s-%d.pprof", name, len(r.results[name].Rates)+1))
	done := make(chan error, 1)
	go func() { done <- fetch(ctx, fmt.Sprintf("%s/profile?seconds=%d", r.srv.pprofURL, seconds), path) }()
	r.profiles = append(r.profiles, path)
	return func() error { return <-done }
}

// heapProfile saves the server's heap profile (in-use and allocated) after the scenarios.
func (r *run) heapProfile(ctx context.Context) error {
	if r.cfg.ProfileDir == "" {
		return nil
	}
	path := filepath.Join(r.cfg.ProfileDir, "heap.pprof")
	r.profiles = append(r.profiles, path)
	return fetch(ctx, r.srv.pprofURL+"/heap?gc=1", path)
}

// fetch saves the body of a GET to path.
func fetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("bench: profile (is the server built with -tags pprof?): %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: profile %s: status %d", url, res.StatusCode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, res.Body)
	return errors.Join(err, f.Close())
}
