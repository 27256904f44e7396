// The database tests are an external test package: internal/testkit/testenv reaches this package through
// the HTTP layer, so the package's own tests cannot import it.
package ratelimit_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	member = tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: tenancy.UserID(tenancy.NewID())}
	apiKey = tenancy.Principal{Kind: tenancy.PrincipalAPIKey, UserID: member.UserID, KeyID: "k123"}
	client = netip.MustParseAddr("203.0.113.7")
)

// dbEnv is one test's database with two tenants, a and b, inserted as the superuser.
type dbEnv struct {
	env  testenv.DB
	db   *postgres.DB
	a, b tenancy.TenantID
}

func newDBEnv(t *testing.T, settingsA string) dbEnv {
	t.Helper()
	e := dbEnv{env: testenv.NewDB(t)}
	e.db = e.env.Open(t, 2)
	e.a, e.b = tenancy.TenantID(tenancy.NewID()), tenancy.TenantID(tenancy.NewID())
	e.exec(t, `INSERT INTO tenants (id, name, slug, settings) VALUES ($1, 'A', 'a', $2), ($3, 'B', 'b', '{"rate_limits": {"tenant": "1/1h"}}')`,
		e.a.UUID(), settingsA, e.b.UUID())
	return e
}

// exec runs one statement as the superuser and returns the number of rows it returned or changed.
func (e dbEnv) exec(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), e.env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(t.Context(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag.RowsAffected()
}

func scoped(t *testing.T, ctx context.Context, tenant tenancy.TenantID, p tenancy.Principal) context.Context {
	t.Helper()
	ctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Principal: p, Role: tenancy.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestSettingsOverrides(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t, `{"plan": "pro", "rate_limits": {"tenant": "6000/1m", "principal": "1200/1m:200", "login": "1/1h", "ingest": "bogus"}}`)
	s := ratelimit.Settings{DB: e.db}
	got, err := s.Overrides(scoped(t, t.Context(), e.a, member), e.a)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ratelimit.Limit{
		ratelimit.Tenant:    {Rate: 6000, Period: time.Minute, Burst: 6000},
		ratelimit.Principal: {Rate: 1200, Period: time.Minute, Burst: 200},
	}
	if len(got) != len(want) || got[ratelimit.Tenant] != want[ratelimit.Tenant] || got[ratelimit.Principal] != want[ratelimit.Principal] {
		t.Fatalf("overrides %+v, want %+v (login is not a tenant policy, ingest is invalid)", got, want)
	}
	// The read is bound to the caller's scope: asking for another tenant fails before any query.
	if _, err := s.Overrides(scoped(t, t.Context(), e.a, member), e.b); !errors.Is(err, tenancy.ErrNoScope) {
		t.Fatalf("tenant A's scope asking for B's overrides: %v, want ErrNoScope", err)
	}
	if _, err := s.Overrides(t.Context(), e.a); !errors.Is(err, tenancy.ErrNoScope) {
		t.Fatalf("unscoped: %v, want ErrNoScope", err)
	}
	e.exec(t, `UPDATE tenants SET settings = '{}' WHERE id = $1`, e.a.UUID())
	if got, err := s.Overrides(scoped(t, t.Context(), e.a, member), e.a); err != nil || len(got) != 0 {
		t.Fatalf("no rate_limits key: %+v, %v", got, err)
	}
}

func TestCachedSettings(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t, `{"rate_limits": {"tenant": "6000/1m"}}`)
	now := time.Now()
	c := &ratelimit.Cached{Source: ratelimit.Settings{DB: e.db}, TTL: 30 * time.Second, Now: func() time.Time { return now }}
	ctx := scoped(t, t.Context(), e.a, member)
	if got, _ := c.Overrides(ctx, e.a); got[ratelimit.Tenant].Rate != 6000 {
		t.Fatalf("first read: %+v", got)
	}
	e.exec(t, `UPDATE tenants SET settings = '{"rate_limits": {"tenant": "7000/1m"}}' WHERE id = $1`, e.a.UUID())
	if got, _ := c.Overrides(ctx, e.a); got[ratelimit.Tenant].Rate != 6000 {
		t.Fatalf("within the TTL: %+v, want the cached 6000", got)
	}
	now = now.Add(31 * time.Second)
	if got, _ := c.Overrides(ctx, e.a); got[ratelimit.Tenant].Rate != 7000 {
		t.Fatalf("after the TTL: %+v, want 7000", got)
	}
	if _, err := c.Overrides(ctx, e.b); err == nil {
		t.Fatal("the cache answered for another tenant than the scope's")
	}
}

func TestAuditLogRecordsBlocks(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t, `{}`)
	rec := ratelimit.AuditLog{DB: e.db}
	ctx := tenancy.WithRequest(t.Context(), tenancy.Request{ID: "req-tenant-0001", IP: client})
	b := ratelimit.Block{Policy: ratelimit.Principal, Limit: ratelimit.Defaults()[ratelimit.Principal], Principal: apiKey}
	if err := rec.RecordBlock(scoped(t, ctx, e.a, apiKey), b); err != nil {
		t.Fatal(err)
	}
	if n := e.exec(t, `SELECT FROM audit_events WHERE tenant_id = $1 AND action = $2 AND outcome = 'denied'
		AND actor_id = 'k123' AND target_id = 'principal' AND request_id = 'req-tenant-0001' AND ip = '203.0.113.7'
		AND details = '{"limit": "600/1m", "policy": "principal"}'`, e.a.UUID(), ratelimit.BlockedAction); n != 1 {
		t.Fatalf("tenant audit rows: %d, want 1", n)
	}
	ctx = tenancy.WithRequest(t.Context(), tenancy.Request{ID: "req-anon-0001", IP: client})
	if err := rec.RecordBlock(ctx, ratelimit.Block{Policy: ratelimit.Login, Limit: ratelimit.Defaults()[ratelimit.Login]}); err != nil {
		t.Fatal(err)
	}
	if n := e.exec(t, `SELECT FROM security_events WHERE action = $1 AND outcome = 'denied' AND user_id IS NULL
		AND request_id = 'req-anon-0001' AND details ->> 'policy' = 'login'`, ratelimit.BlockedAction); n != 1 {
		t.Fatalf("security log rows: %d, want 1", n)
	}
}
