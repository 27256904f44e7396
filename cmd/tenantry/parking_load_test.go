package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// TestParkingLoad is the load harness of the parking product, run by hand:
//
//	TENANTRY_LOAD=5s go test ./cmd/tenantry -run TestParkingLoad -v
//
// Over real HTTP against the assembled service (default pool size, rate limits lifted), 8
// concurrent clients with API keys run each scenario for the given time: the baseline (GET
// /api/v1/tenant, one scoped row), the tenant-scoped space listing (50 of 200 spaces with their
// derived state) and ChirpStack uplink ingest (20 sensors, every uplink unique). It reports
// requests per second and p50/p99 latency; read the ratios to the baseline.
func TestParkingLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("TENANTRY_LOAD"))
	if err != nil {
		t.Skip("set TENANTRY_LOAD=5s to run the load harness")
	}
	s := loadServer(t)
	p := s.parkingTenant("load")
	_, k := s.createKey(p.account, map[string]any{"name": "load", "scopes": []string{"tenant:read", "spaces:read", "webhook:ingest"}})
	key := k["key"].(string)
	var sensors []string
	for i := range 200 {
		space := s.space(p, fmt.Sprintf("L-%03d", i))
		if i < 20 {
			_, eui := s.sensor(p, space)
			sensors = append(sensors, eui)
		}
	}
	var mu sync.Mutex
	fcnt := 0
	next := func() string {
		mu.Lock()
		defer mu.Unlock()
		fcnt++
		return uplink(t, sensors[fcnt%len(sensors)], fcnt%3 == 0, fcnt)
	}
	results := []loadResult{
		runLoad(t, "baseline GET /api/v1/tenant", d, func() (*http.Request, error) { return keyed(s.url+"/api/v1/tenant", key, "") }),
		runLoad(t, "GET /api/v1/spaces?limit=50", d, func() (*http.Request, error) { return keyed(s.url+"/api/v1/spaces?limit=50", key, "") }),
		runLoad(t, "POST ingest (ChirpStack up)", d, func() (*http.Request, error) {
			return keyed(s.url+"/api/v1/ingest/chirpstack?event=up", key, next())
		}),
	}
	base := results[0].rps
	for _, r := range results {
		t.Logf("%-30s %6d req  %7.0f req/s (%.2fx baseline)  p50 %6.2f ms  p99 %6.2f ms  errors %d", r.name, r.n, r.rps, r.rps/base, r.p50, r.p99, r.errors)
	}
}

func loadServer(t *testing.T) *testServer {
	env := testenv.NewDB(t)
	cfg := testConfig(t, env)
	var err error
	if cfg.RateLimits, err = ratelimit.ParseLimits("principal=100000000/1m,tenant=100000000/1m,ingest=100000000/1m"); err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, env: env, cfg: cfg, logs: &lockedBuffer{}, db: env.Open(t, 0)}
	if s.app, err = newApp(cfg, s.db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.app.Handler)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func keyed(url, key, body string) (*http.Request, error) {
	method, rd := "GET", io.Reader(nil)
	if body != "" {
		method, rd = "POST", strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err == nil {
		req.Header.Set("X-API-Key", key)
		req.Header.Set("Content-Type", "application/json")
	}
	return req, err
}

type loadResult struct {
	name          string
	n, errors     int
	rps, p50, p99 float64
}

// runLoad sends requests from 8 clients for d and measures them.
func runLoad(t *testing.T, name string, d time.Duration, build func() (*http.Request, error)) loadResult {
	const clients = 8
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				req, err := build()
				if err != nil {
					t.Error(err)
					return
				}
				t0 := time.Now()
				res, err := c.Do(req)
				ok := err == nil && res.StatusCode/100 == 2
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				if !ok {
					errors++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	return loadResult{name: name, n: len(lat), errors: errors, rps: float64(len(lat)) / elapsed.Seconds(), p50: ms(0.50), p99: ms(0.99)}
}
