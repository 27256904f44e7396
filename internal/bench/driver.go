package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// errMismatch marks a response that carries another tenant's data, or not the caller's: the run
// stops at the first one.
var errMismatch = errors.New("tenant mismatch")

// call is one request of a scenario and the check of its response.
type call struct {
	method, path string
	body         []byte
	key          string // the X-API-Key
	bearer       string // instead of a key: a member's access token
	// check inspects the response. An error wrapping errMismatch aborts the run; any other error
	// counts the request as failed.
	check func(status int, body []byte) error
}

// scenario builds calls for one HTTP scenario.
type scenario struct {
	name, title string
	next        func(r *rand.Rand) call
}

// sample is what one measured phase of an HTTP scenario recorded.
type sample struct {
	latencies []time.Duration
	errors    int64
	firstErr  error
	elapsed   time.Duration
}

// drive runs sc from concurrency clients for d and records every request. It returns an error
// wrapping errMismatch as soon as one response fails its tenant check.
func drive(ctx context.Context, client *http.Client, base string, sc scenario, concurrency int, d time.Duration) (sample, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	var out sample
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(w)))
			lat := make([]time.Duration, 0, 4096)
			var errs int64
			var first error
			for ctx.Err() == nil && time.Since(start) < d {
				c := sc.next(r)
				t0 := time.Now()
				err := send(ctx, client, base, c)
				if ctx.Err() != nil {
					break // the run is ending: an interrupted request says nothing
				}
				lat = append(lat, time.Since(t0))
				if errors.Is(err, errMismatch) {
					cancel(fmt.Errorf("bench: %s: %w", sc.name, err))
					break
				}
				if err != nil {
					errs++
					first = firstOf(first, err)
				}
			}
			mu.Lock()
			out.latencies = append(out.latencies, lat...)
			out.errors += errs
			out.firstErr = firstOf(out.firstErr, first)
			mu.Unlock()
		})
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return out, err
	}
	return out, ctx.Err()
}

// firstOf returns first, or err when there is no first yet.
func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// send sends one call and checks its response.
func send(ctx context.Context, client *http.Client, base string, c call) error {
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, base+c.path, body)
	if err != nil {
		return err
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	} else {
		req.Header.Set("X-API-Key", c.key)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	return c.check(res.StatusCode, raw)
}

// newClient returns an HTTP client keeping one connection per concurrent client.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: concurrency * 2, MaxIdleConnsPerHost: concurrency * 2,
			DisableCompression: true, IdleConnTimeout: time.Minute},
	}
}

// statusError is a response with an unexpected status.
func statusError(status int, body []byte) error {
	if len(body) > 300 {
		body = body[:300]
	}
	return fmt.Errorf("status %d: %s", status, body)
}
