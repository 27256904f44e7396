package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// streamSettle is how long the stream scenario keeps its streams open after the ingest load
// stops, for the last changes to arrive; a change not delivered by then counts as an error.
const streamSettle = 3 * time.Second

// streamRun is what the stream scenario measured besides its result row.
type streamRun struct {
	Subscribers, Tenants int
	RSSBefore, RSSOpen   int64 // the server's VmRSS before the streams opened, and with them open before the load
	Uplinks              int64 // uplinks stored while the streams were open
	Delivered            int64 // state events received, all streams together
}

// subscriberStats is one stream's count and latencies.
type subscriberStats struct {
	mu        sync.Mutex
	latencies []time.Duration
	ids       map[string]bool
}

// runStream opens StreamSubscribers live streams (GET /api/v1/sites/{id}/stream) over the first
// StreamTenants tenants, StreamSubscribers/StreamTenants each, then runs the ingest scenario over
// those tenants and measures, for every state event every stream receives, the delay from the
// change's recording (its recorded_at, stamped in the committing transaction) to its arrival.
// Every event must be of the stream's own site (else the run stops, errMismatch), and every state
// change the load recorded must reach every stream of its tenant (each missing one is an error).
func (r *run) runStream(ctx context.Context, res *result, tenants []tenant) error {
	cfg := r.cfg
	res.Kind = kindAPI
	res.Title = fmt.Sprintf("live stream: %s subscribers over %d tenants during `POST …/ingest/chirpstack` from %d clients — "+
		"delivery, recorded → received (req/s: events delivered)", itoa(int64(cfg.StreamSubscribers)), cfg.StreamTenants, cfg.Concurrency)
	tenants = tenants[:cfg.StreamTenants]
	st := &streamRun{Subscribers: cfg.StreamSubscribers, Tenants: cfg.StreamTenants}
	st.RSSBefore, _, _ = memory(r.srv.pid())

	sctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.StreamSubscribers, DisableCompression: true}}
	subs := make([]*subscriberStats, cfg.StreamSubscribers)
	var wg sync.WaitGroup
	opened := make(chan error, cfg.StreamSubscribers)
	for i := range subs {
		t := &tenants[i%len(tenants)]
		subs[i] = &subscriberStats{ids: map[string]bool{}}
		wg.Go(func() { subscribe(sctx, stop, client, r.srv.url, t, subs[i], opened) })
	}
	for range subs {
		if err := <-opened; err != nil {
			stop(err)
			wg.Wait()
			return err
		}
	}
	st.RSSOpen, _, _ = memory(r.srv.pid())

	m := startMeter(r.srv.pid(), r.postgresPID)
	began := time.Now()
	s, err := drive(sctx, r.client, r.srv.url, ingestScenario(tenants), cfg.Concurrency, cfg.Duration)
	if err == nil {
		select { // the changes committed last are still on their way
		case <-time.After(streamSettle):
		case <-sctx.Done():
		}
	}
	u := m.stop()
	stop(errStreamDone)
	wg.Wait()
	if cause := context.Cause(sctx); err == nil && !errors.Is(cause, errStreamDone) {
		err = cause
	}
	if err != nil {
		return err
	}
	st.Uplinks = int64(len(s.latencies)) - s.errors
	missing, err := r.missingDeliveries(ctx, tenants, subs, began)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		res.latencies = append(res.latencies, sub.latencies...)
		st.Delivered += int64(len(sub.latencies))
	}
	res.add(u)
	res.Rates = append(res.Rates, float64(st.Delivered)/u.elapsed.Seconds())
	res.Requests += st.Delivered
	res.Errors += s.errors + missing
	if s.firstErr != nil && res.FirstError == "" {
		res.FirstError = s.firstErr.Error()
	}
	if missing > 0 && res.FirstError == "" {
		res.FirstError = fmt.Sprintf("%d state changes did not reach a stream of their tenant", missing)
	}
	r.stream = st
	return nil
}

// errStreamDone ends the streams once the scenario is measured.
var errStreamDone = errors.New("stream scenario done")

// subscribe opens one stream for tenant t, reports on opened once it is subscribed (its opening
// comment read), and records every state event until ctx ends.
func subscribe(ctx context.Context, stop context.CancelCauseFunc, client *http.Client, base string, t *tenant, s *subscriberStats, opened chan<- error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/sites/"+t.site.String()+"/stream", nil)
	if err != nil {
		opened <- err
		return
	}
	req.Header.Set("X-API-Key", t.key)
	res, err := client.Do(req)
	if err != nil {
		opened <- fmt.Errorf("bench: stream of tenant %d: %w", t.n, err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		opened <- fmt.Errorf("bench: stream of tenant %d: status %d", t.n, res.StatusCode)
		return
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() && sc.Text() != ": connected" {
		continue
	}
	opened <- nil
	site := t.site.String()
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		at := time.Now()
		var ev struct {
			ID         string    `json:"id"`
			SiteID     string    `json:"site_id"`
			RecordedAt time.Time `json:"recorded_at"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil || ev.SiteID != site {
			stop(fmt.Errorf("%w: the stream of tenant %d's site %s carried %q", errMismatch, t.n, site, data))
			return
		}
		s.mu.Lock()
		s.latencies = append(s.latencies, at.Sub(ev.RecordedAt))
		s.ids[ev.ID] = true
		s.mu.Unlock()
	}
}

// missingDeliveries counts, over every stream, the state changes of its tenant recorded since
// began that it did not receive (read as the superuser).
func (r *run) missingDeliveries(ctx context.Context, tenants []tenant, subs []*subscriberStats, began time.Time) (int64, error) {
	var missing int64
	for i, t := range tenants {
		rows, err := r.db.admin.Query(ctx, `SELECT id::text FROM space_state_changes WHERE tenant_id = $1 AND id >= $2::uuid`,
			t.id, uuidv7Floor(began))
		if err != nil {
			return 0, err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		for j := i; j < len(subs); j += len(tenants) {
			for _, id := range ids {
				if !subs[j].ids[id] {
					missing++
				}
			}
		}
	}
	return missing, nil
}

// uuidv7Floor is the smallest UUIDv7 made at or after t (its millisecond).
func uuidv7Floor(t time.Time) string {
	ms := t.UnixMilli()
	return fmt.Sprintf("%08x-%04x-7000-8000-000000000000", ms>>16, ms&0xffff)
}
