package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// spaceChunk is the most spaces one loader transaction inserts.
const spaceChunk = 100_000

// overrideSpace is the space of every tenant under a maintenance override: the last of the first
// page. The reservation scenario leaves it out (it would answer 409).
const overrideSpace = ListSize - 1

// keyScopes are the scopes of every tenant's bench API key, sorted as the API stores them.
var keyScopes = []string{"reservations:write", "spaces:read", "webhook:ingest"}

// The loader's statements. Each runs inside one tenant's scoped transaction as the application
// role, so the tables' policies check every row (WITH CHECK); ids derive from the tenant's number
// as in dataset.go.
const (
	insertUserSQL   = `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)`
	insertTenantSQL = `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`
	insertMemberSQL = `INSERT INTO memberships (tenant_id, id, user_id, role) VALUES ($1, $2, $3, 'owner')`
	insertKeySQL    = `INSERT INTO api_keys (tenant_id, id, name, scopes, role_ceiling, created_by, secret_hash)
VALUES ($1, $2, 'bench', $3, 'operator', $4, $5)`
	insertSiteSQL   = `INSERT INTO sites (tenant_id, id, name) VALUES ($1, $2, 'Main site')`
	insertSpacesSQL = `INSERT INTO spaces (tenant_id, id, site_id, code, name, building, floor, zone)
SELECT $1, md5(concat('s:', $3::int, ':', g))::uuid, $2, 'S-' || lpad(g::text, 7, '0'), 'Space ' || g,
       'B' || (g / 1000), (g / 100 % 10)::text, 'Z' || (g % 8)
FROM generate_series($4::int, $5::int - 1) AS g`
	insertReservationsSQL = `INSERT INTO reservations (tenant_id, id, space_id, request_id, request_hash, status, starts_at, ends_at,
                          checked_in_at, holder, created_by)
SELECT $1, gen_random_uuid(), md5(concat('s:', $2::int, ':', g))::uuid, gen_random_uuid(),
       sha256(convert_to(concat('r:', $2::int, ':', g), 'UTF8')),
       CASE WHEN g = 0 THEN 'expired' ELSE 'confirmed' END, w.starts_at, w.ends_at,
       CASE WHEN g = 1 THEN w.starts_at END, 'Bench holder', 'api_key:bench'
FROM generate_series(0, $3::int - 1) AS g,
     LATERAL (SELECT CASE g WHEN 0 THEN now() - interval '3 hours' WHEN 1 THEN now() - interval '1 hour'
                     ELSE now() + g * interval '1 hour' END AS starts_at) AS s,
     LATERAL (SELECT s.starts_at, s.starts_at + CASE WHEN g = 1 THEN interval '12 hours' ELSE interval '45 minutes' END AS ends_at) AS w`
	insertOverrideSQL = `INSERT INTO space_overrides (tenant_id, id, space_id, kind, reason, starts_at, created_by)
VALUES ($1, gen_random_uuid(), md5(concat('s:', $2::int, ':', $3::int))::uuid, 'maintenance', 'bench', now() - interval '1 day', 'api_key:bench')`
	insertGatewaySQL = `INSERT INTO devices (tenant_id, id, dev_eui, kind, name, status)
VALUES ($1, md5(concat('gw:', $2::int))::uuid, $3, 'gateway', 'Gateway', 'active')`
	insertSensorsSQL = `INSERT INTO devices (tenant_id, id, dev_eui, kind, name, model, status, space_id)
SELECT $1, md5(concat('d:', $2::int, ':', g))::uuid, upper(lpad(to_hex($2::int), 8, '0') || lpad(to_hex(g), 8, '0')),
       'sensor', 'Sensor ' || g, 'Browan TBSP100', 'active', md5(concat('s:', $2::int, ':', g))::uuid
FROM generate_series(0, $3::int - 1) AS g`
	insertReadingsSQL = `INSERT INTO readings (tenant_id, id, device_id, space_id, event, measured_at, received_at, dedup_key,
                      f_cnt, f_port, occupied, rssi, snr, gateway_id)
SELECT $1, gen_random_uuid(), md5(concat('d:', $2::int, ':', d))::uuid, md5(concat('s:', $2::int, ':', d))::uuid, 'up',
       now() - r * interval '10 minutes', now() - r * interval '10 minutes', concat('up:bench:', $2::int, ':', d, ':', r),
       r, 102, r % 2 = 0, -70 - r % 50, 7.5, $4
FROM generate_series(0, $3::int - 1) AS d, generate_series(1, $5::int) AS r`
)

// loadStats describes the loaded data.
type loadStats struct {
	Tenants, FewTenants       int
	Spaces, Devices, Readings int64
	Reservations              int64
	Elapsed                   time.Duration
	Bytes                     int64         // the database's size after VACUUM
	FlowsElapsed              time.Duration // the flows data set's load, when loaded
}

// loader writes the data set through the application role.
type loader struct {
	db   *postgres.DB
	user tenancy.UserID // the one member (owner) of every bench tenant, creator of its key
	log  *slog.Logger
	done atomic.Int64
}

// load creates the bench user, the main data set (tenants 1..Tenants with their spaces, sensors,
// a gateway and readings) and the small side of the scaling pair (FewTenants tenants holding
// Tenants × Spaces spaces), every tenant with Reservations reservations and one override on its
// first page, LoadWorkers tenants at a time, then VACUUM ANALYZE.
func load(ctx context.Context, cfg Config, d *database, log *slog.Logger) (many, few []tenant, st loadStats, err error) {
	start := time.Now()
	db, err := postgres.Open(ctx, postgres.Config{AppURL: d.url(postgres.AppRole), MaxConns: int32(cfg.LoadWorkers)})
	if err != nil {
		return nil, nil, st, err
	}
	defer db.Close()
	l := &loader{db: db, user: tenancy.UserID(md5UUID("bench-user")), log: log}
	if err := l.createUser(ctx); err != nil {
		return nil, nil, st, err
	}
	type job struct{ n, spaces, sensors, readings int }
	var jobs []job
	for n := 1; n <= cfg.Tenants; n++ {
		jobs = append(jobs, job{n, cfg.Spaces, cfg.Sensors, cfg.Readings})
	}
	for i := 1; i <= cfg.FewTenants; i++ {
		jobs = append(jobs, job{fewBase + i, cfg.fewSpaces(), 0, 0})
	}
	out := make([]tenant, len(jobs))
	err = parallel(ctx, cfg.LoadWorkers, len(jobs), func(i int) error {
		j := jobs[i]
		var err error
		out[i], err = l.tenant(ctx, j.n, j.spaces, j.sensors, j.readings, cfg.Reservations)
		if done := l.done.Add(1); done%max(int64(len(jobs)/10), 1) == 0 {
			log.Info("bench: loading", "tenants", done, "of", len(jobs), "elapsed", time.Since(start).Round(time.Second))
		}
		return err
	})
	if err != nil {
		return nil, nil, st, err
	}
	if err := d.vacuum(ctx); err != nil {
		return nil, nil, st, err
	}
	st = loadStats{Tenants: cfg.Tenants, FewTenants: cfg.FewTenants, Elapsed: time.Since(start),
		Spaces:       int64(cfg.Tenants)*int64(cfg.Spaces) + int64(cfg.FewTenants)*int64(cfg.fewSpaces()),
		Devices:      int64(cfg.Tenants) * int64(cfg.Sensors+1),
		Readings:     int64(cfg.Tenants) * int64(cfg.Sensors) * int64(cfg.Readings),
		Reservations: int64(cfg.Tenants+cfg.FewTenants) * int64(cfg.Reservations)}
	if st.Bytes, err = d.size(ctx); err != nil {
		return nil, nil, st, err
	}
	return out[:cfg.Tenants], out[cfg.Tenants:], st, nil
}

// parallel calls fn(0..n-1) on workers goroutines and returns the first error; after an error
// no new call starts.
func parallel(ctx context.Context, workers, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// createUser creates the bench user in its own user scope. Nobody signs in as it; its password
// hash is a real Argon2id hash of a random password all the same.
func (l *loader) createUser(ctx context.Context) error {
	return createUser(ctx, l.db, l.user, "bench@example.com", "Bench", tenancy.NewID().String())
}

// tenant loads tenant n in its own scope: the tenant, the bench user's membership, an API key and
// a site, then its spaces (in transactions of at most spaceChunk rows), sensors, a gateway and
// readings.
func (l *loader) tenant(ctx context.Context, n, spaces, sensors, readings, reservations int) (tenant, error) {
	t := tenant{n: n, id: tenantID(n), name: tenantName(n), site: siteID(n), spaces: spaces, sensors: sensors}
	ctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(t.id), Role: tenancy.RoleOwner,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: l.user}})
	if err != nil {
		return t, err
	}
	keyID := tenancy.NewID()
	token, err := auth.NewOpaque(auth.KindAPIKey, auth.PackUUIDs(t.id, keyID))
	if err != nil {
		return t, err
	}
	t.key, t.actor = token.Token(), "api_key:"+keyID.String()
	hash := token.Hash()
	for from := 0; from < spaces; from += spaceChunk {
		to := min(from+spaceChunk, spaces)
		err := l.db.Tx(ctx, func(q postgres.Querier) error {
			if from == 0 {
				if err := l.identity(ctx, q, t, keyID, hash); err != nil {
					return err
				}
			}
			if _, err := q.Exec(ctx, insertSpacesSQL, t.id, t.site, n, from, to); err != nil {
				return err
			}
			if from == 0 {
				if err := l.holds(ctx, q, t, reservations); err != nil {
					return err
				}
			}
			if to < spaces || sensors == 0 {
				return nil
			}
			return l.devices(ctx, q, t, sensors, readings)
		})
		if err != nil {
			return t, fmt.Errorf("bench: load tenant %d: %w", n, err)
		}
	}
	return t, nil
}

// identity inserts tenant t, the bench user's membership, t's API key and its site.
func (l *loader) identity(ctx context.Context, q postgres.Querier, t tenant, keyID uuid.UUID, hash [32]byte) error {
	if _, err := q.Exec(ctx, insertTenantSQL, t.id, t.name, fmt.Sprintf("bench-%d", t.n)); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, insertMemberSQL, t.id, tenancy.NewID(), l.user.UUID()); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, insertKeySQL, t.id, keyID, slices.Clone(keyScopes), l.user.UUID(), hash[:]); err != nil {
		return err
	}
	_, err := q.Exec(ctx, insertSiteSQL, t.id, t.site)
	return err
}

// holds gives tenant t's first spaces reservations (space 0: an expired one, space 1: one covering
// now, checked in; then one a space, hours ahead) and puts space overrideSpace under maintenance,
// so the first page of every tenant shows each derived state.
func (l *loader) holds(ctx context.Context, q postgres.Querier, t tenant, reservations int) error {
	if reservations > 0 {
		if _, err := q.Exec(ctx, insertReservationsSQL, t.id, t.n, reservations); err != nil {
			return err
		}
	}
	_, err := q.Exec(ctx, insertOverrideSQL, t.id, t.n, overrideSpace)
	return err
}

// devices inserts tenant t's gateway, its sensors (sensor i on space i) and their readings.
func (l *loader) devices(ctx context.Context, q postgres.Querier, t tenant, sensors, readings int) error {
	if _, err := q.Exec(ctx, insertGatewaySQL, t.id, t.n, gatewayEUI(t.n)); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, insertSensorsSQL, t.id, t.n, sensors); err != nil {
		return err
	}
	if readings == 0 {
		return nil
	}
	_, err := q.Exec(ctx, insertReadingsSQL, t.id, t.n, sensors, gatewayEUI(t.n), readings)
	return err
}
