package parking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// streamChannel is where the database announces each recorded state change (the trigger of
// migration 202612072000001): "<tenant id> <change id>", delivered at commit.
const streamChannel = "parking_state_changes"

// StreamConfig bounds the live occupancy stream (GET /api/v1/sites/{id}/stream).
type StreamConfig struct {
	// MaxPerTenant is how many streams one tenant may hold open on one instance; the next is
	// refused with 429. Default 20.
	MaxPerTenant int
	// Heartbeat is the interval of the comment lines that keep an idle stream open through
	// proxies. Default 15 s.
	Heartbeat time.Duration
	// MaxAge ends a stream cleanly after this long, so that its client reconnects and its
	// credentials are checked again (a revoked key, a removed member, a demotion). Default 5 min.
	MaxAge time.Duration
}

// Stream defaults.
const (
	DefaultStreamMaxPerTenant = 20
	DefaultStreamHeartbeat    = 15 * time.Second
	DefaultStreamMaxAge       = 5 * time.Minute
)

// withDefaults fills in the zero fields.
func (c StreamConfig) withDefaults() StreamConfig {
	if c.MaxPerTenant <= 0 {
		c.MaxPerTenant = DefaultStreamMaxPerTenant
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultStreamHeartbeat
	}
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultStreamMaxAge
	}
	return c
}

// Internal bounds of the stream.
const (
	subscriberBuffer = 256              // events queued for one client before it is dropped (it resumes)
	noteQueue        = 8192             // announced changes waiting for the dispatcher
	dispatchBatch    = 512              // changes read in one query
	listenWait       = 5 * time.Second  // how long a new stream waits for the listener before 503
	streamRetryAfter = 5                // seconds, on the 429 of a tenant at its limit
	writeTimeout     = 10 * time.Second // for each write to a client
)

// StreamEvent is one space state change as the live stream sends it.
type StreamEvent struct {
	ID            string    `json:"id" format:"uuid" doc:"The change's id, also the event's id (Last-Event-ID)"`
	SiteID        string    `json:"site_id" format:"uuid"`
	SpaceID       string    `json:"space_id" format:"uuid"`
	SpaceCode     string    `json:"space_code"`
	OccurredAt    time.Time `json:"occurred_at" doc:"When the fact changed (a sensor's measurement time)"`
	RecordedAt    time.Time `json:"recorded_at" doc:"When the change was recorded, in its transaction (the time in its UUIDv7 id, in milliseconds)"`
	PreviousState State     `json:"previous_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	NewState      State     `json:"new_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	Occupancy     string    `json:"occupancy" enum:"unknown,vacant,occupied"`
	Source        string    `json:"source" enum:"sensor,override,reservation,device,system"`
}

// streamEventOf converts a row of StreamChanges or ReplayChanges.
func streamEventOf(id, space, site uuid.UUID, code string, at time.Time, prev, next, occ, source string) StreamEvent {
	sec, nsec := id.Time().UnixTime()
	return StreamEvent{ID: id.String(), SiteID: site.String(), SpaceID: space.String(), SpaceCode: code, OccurredAt: at,
		RecordedAt: time.Unix(sec, nsec).UTC(), PreviousState: State(prev), NewState: State(next), Occupancy: occ, Source: source}
}

// subscriber is one open stream: its site and the events waiting for it.
type subscriber struct {
	tenant uuid.UUID
	site   uuid.UUID
	events chan *StreamEvent // shared, read-only: one copy of an event for all its streams
	gone   chan struct{}     // closed when the instance ends the stream (drain, listener lost, too slow)
	once   sync.Once
}

func (s *subscriber) end() { s.once.Do(func() { close(s.gone) }) }

// tenantStreams are a tenant's open streams on this instance and the scope the instance reads
// the tenant's changes under (the first subscriber's).
type tenantStreams struct {
	scope tenancy.Scope
	subs  map[*subscriber]struct{}
}

// note is an announced change.
type note struct{ tenant, id uuid.UUID }

// hub is the instance's one listener fanned out to its streams: one PostgreSQL connection
// listens to streamChannel (postgres.DB.Listen); a dispatcher reads the announced changes, a
// batch per tenant under that tenant's scope, and hands each to the streams of its site.
type hub struct {
	db     *postgres.DB
	log    *slog.Logger
	cfg    StreamConfig
	notes  chan note
	mu     sync.Mutex
	byTen  map[uuid.UUID]*tenantStreams
	up     chan struct{} // closed while the listener listens
	closed bool          // draining: no new streams
}

func newHub(db *postgres.DB, log *slog.Logger) *hub {
	return &hub{db: db, log: log, cfg: StreamConfig{}.withDefaults(), notes: make(chan note, noteQueue),
		byTen: map[uuid.UUID]*tenantStreams{}, up: make(chan struct{})}
}

// Listening implements postgres.Listener. While the listener is down, changes are not announced:
// every open stream is ended so its client resumes (Last-Event-ID) once it is back.
func (h *hub) Listening(on bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if on {
		h.log.Info("parking stream: listening")
		select {
		case <-h.up: // already open
		default:
			close(h.up)
		}
		return
	}
	select {
	case <-h.up:
		h.up = make(chan struct{})
	default:
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		h.log.Warn("parking stream: listener lost; open streams ended, clients resume", "err", err)
	}
	h.endAllLocked()
}

// Notify implements postgres.Listener: it queues an announced change of a tenant that has
// streams here. The payload only says which change to read, never what it was.
func (h *hub) Notify(payload string) {
	t, id, ok := strings.Cut(payload, " ")
	tenant, err1 := uuid.Parse(t)
	change, err2 := uuid.Parse(id)
	if !ok || err1 != nil || err2 != nil {
		return
	}
	h.mu.Lock()
	ts := h.byTen[tenant]
	h.mu.Unlock()
	if ts == nil {
		return
	}
	select {
	case h.notes <- note{tenant, change}:
	default: // the dispatcher is behind: the tenant's streams resume rather than miss it
		h.mu.Lock()
		h.endTenantLocked(tenant)
		h.mu.Unlock()
	}
}

// run listens and dispatches until ctx ends.
func (h *hub) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { h.dispatch(ctx) })
	h.db.Listen(ctx, streamChannel, h)
	wg.Wait()
}

// dispatch reads announced changes in batches and delivers them until ctx ends.
func (h *hub) dispatch(ctx context.Context) {
	for {
		var first note
		select {
		case <-ctx.Done():
			return
		case first = <-h.notes:
		}
		batch := map[uuid.UUID][]uuid.UUID{first.tenant: {first.id}}
		for n := 1; n < dispatchBatch; n++ {
			select {
			case x := <-h.notes:
				batch[x.tenant] = append(batch[x.tenant], x.id)
				continue
			default:
			}
			break
		}
		for tenant, ids := range batch {
			h.deliver(ctx, tenant, ids)
		}
	}
}

// deliver reads a tenant's announced changes under the scope of its streams and hands each to
// the streams of its site. A stream whose queue is full is ended (its client resumes).
func (h *hub) deliver(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) {
	h.mu.Lock()
	ts := h.byTen[tenant]
	h.mu.Unlock()
	if ts == nil {
		return
	}
	sctx, err := tenancy.WithScope(ctx, ts.scope)
	if err != nil {
		return
	}
	var events []StreamEvent
	err = h.db.Read(sctx, func(q postgres.Querier) error {
		rows, err := store.New(q).StreamChanges(sctx, store.StreamChangesParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			events = append(events, streamEventOf(r.ID, r.SpaceID, r.SiteID, r.Code, r.OccurredAt, r.PreviousState, r.NewState, r.Occupancy, r.Source))
		}
		return err
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("parking stream: read changes; the tenant's streams resume", "tenant", tenant, "err", err)
		}
		h.endTenantLocked(tenant)
		return
	}
	for i := range events {
		ev := &events[i]
		for sub := range h.byTen[tenant].subsOrNil() {
			if sub.site.String() != ev.SiteID {
				continue
			}
			select {
			case sub.events <- ev:
			default:
				h.removeLocked(sub)
			}
		}
	}
}

func (ts *tenantStreams) subsOrNil() map[*subscriber]struct{} {
	if ts == nil {
		return nil
	}
	return ts.subs
}

// streamLimit is the 429 of a tenant at its stream limit, with Retry-After (huma.HeadersError).
type streamLimit struct{ err *errs.Error }

func (e streamLimit) Error() string { return e.err.Error() }
func (e streamLimit) Unwrap() error { return e.err }

// GetHeaders implements huma.HeadersError.
func (e streamLimit) GetHeaders() http.Header {
	return http.Header{"Retry-After": {strconv.Itoa(streamRetryAfter)}}
}

// subscribe opens a stream of site for the scope's tenant: it waits (briefly) for the listener,
// and refuses a tenant at its limit (429) and a draining instance (503).
func (h *hub) subscribe(ctx context.Context, sc tenancy.Scope, site uuid.UUID) (*subscriber, error) {
	h.mu.Lock()
	up := h.up
	h.mu.Unlock()
	wait := time.NewTimer(listenWait)
	defer wait.Stop()
	select {
	case <-up:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wait.C:
		return nil, errs.E(errs.Unavailable, "the live stream is not available, retry later")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errs.E(errs.Unavailable, "the server is shutting down, retry later")
	}
	tenant := sc.Tenant.UUID()
	ts := h.byTen[tenant]
	if ts != nil && len(ts.subs) >= h.cfg.MaxPerTenant {
		return nil, streamLimit{errs.E(errs.RateLimited, fmt.Sprintf("the tenant has %d open streams, the most allowed", h.cfg.MaxPerTenant))}
	}
	if ts == nil {
		ts = &tenantStreams{scope: sc, subs: map[*subscriber]struct{}{}}
		h.byTen[tenant] = ts
	}
	sub := &subscriber{tenant: tenant, site: site, events: make(chan *StreamEvent, subscriberBuffer), gone: make(chan struct{})}
	ts.subs[sub] = struct{}{}
	return sub, nil
}

// unsubscribe forgets a stream that ended.
func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(sub)
}

func (h *hub) removeLocked(sub *subscriber) {
	sub.end()
	ts := h.byTen[sub.tenant]
	if ts == nil {
		return
	}
	delete(ts.subs, sub)
	if len(ts.subs) == 0 {
		delete(h.byTen, sub.tenant)
	}
}

func (h *hub) endTenantLocked(tenant uuid.UUID) {
	if ts := h.byTen[tenant]; ts != nil {
		for sub := range ts.subs {
			h.removeLocked(sub)
		}
	}
}

func (h *hub) endAllLocked() {
	for tenant := range h.byTen {
		h.endTenantLocked(tenant)
	}
}

// close ends every open stream and refuses new ones (the server drains).
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	h.endAllLocked()
}

// WithStream sets the live stream's bounds (zero fields keep their defaults) and returns s.
func (s *Service) WithStream(cfg StreamConfig) *Service {
	s.stream.cfg = cfg.withDefaults()
	return s
}

// WatchStream runs this instance's live-stream listener (one PostgreSQL connection) and its
// dispatcher until ctx ends; it belongs with the service's background workers. Without it, a
// stream request waits briefly and answers 503.
func (s *Service) WatchStream(ctx context.Context) { s.stream.run(ctx) }

// CloseStreams ends every open stream cleanly and refuses new ones, for a server that drains:
// clients reconnect, with Last-Event-ID, to another instance.
func (s *Service) CloseStreams() { s.stream.close() }
