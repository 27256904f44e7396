package webhooks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	h := webhooks.Sign("whsec_a", now, body)
	if h[:13] != "t=1700000000," {
		t.Fatalf("header %q", h)
	}
	cases := []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
		want                 error
	}{
		{"valid", "whsec_a", h, body, now.Add(time.Minute), nil},
		{"another v1 first", "whsec_a", "t=1700000000,v1=00ff," + h[13:], body, now, nil},
		{"wrong secret", "whsec_b", h, body, now, webhooks.ErrNoSignature},
		{"tampered body", "whsec_a", h, []byte(`{"id":"e2"}`), now, webhooks.ErrNoSignature},
		{"too old", "whsec_a", h, body, now.Add(webhooks.DefaultTolerance + time.Second), webhooks.ErrTooOld},
		{"no timestamp", "whsec_a", h[13:], body, now, webhooks.ErrNoSignature},
		{"timestamp changed", "whsec_a", "t=1700000001" + h[12:], body, now, webhooks.ErrNoSignature},
	}
	for _, c := range cases {
		if err := webhooks.Verify(c.secret, c.header, c.body, webhooks.DefaultTolerance, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestBackoff: the delay doubles from 30 s up to 6 h, with at most 10 % taken off, the same for
// the same delivery and attempt.
func TestBackoff(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	for n, full := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 6: 16 * time.Minute,
		10: 256 * time.Minute, 11: 6 * time.Hour, 12: 6 * time.Hour} {
		d := webhooks.Backoff(id, n)
		if d > full || d < full-full/10 {
			t.Errorf("attempt %d: %s, want within 10%% below %s", n, d, full)
		}
		if webhooks.Backoff(id, n) != d {
			t.Errorf("attempt %d: the delay changes between calls", n)
		}
	}
}

// TestEmitFollowsTheTransactionAndTheTenant: an event is recorded for the subscribed, enabled
// endpoints of the emitting tenant only, with one job each, and not at all when the change rolls
// back.
func TestEmitFollowsTheTransactionAndTheTenant(t *testing.T) {
	t.Parallel()
	env := testenv.NewDB(t)
	db := env.Open(t, 4)
	a, b := tenantCtx(t, db), tenantCtx(t, db)
	endpoint := func(ctx context.Context, types string, disabled bool) uuid.UUID {
		id := tenancy.NewID()
		err := db.Tx(ctx, func(q postgres.Querier) error {
			sc, _ := tenancy.FromContext(ctx)
			_, err := q.Exec(ctx, `INSERT INTO webhook_endpoints (tenant_id, id, url, event_types, secret_sealed, disabled_at)
				VALUES ($1, $2, 'https://example.com/h', $3, '\x00', CASE WHEN $4 THEN now() END)`, sc.Tenant.UUID(), id, types, disabled)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	subscribed := endpoint(a, "{member.added,audit.event}", false)
	endpoint(a, "{member.removed}", false)
	endpoint(a, "{member.added}", true)
	endpoint(b, "{member.added}", false)
	emit := func(ctx context.Context, fail error) error {
		return db.Tx(ctx, func(q postgres.Querier) error {
			if err := webhooks.Emit(ctx, q, webhooks.MemberAdded, map[string]any{"user_id": "u1"}); err != nil {
				return err
			}
			return fail
		})
	}
	errRollback := errors.New("roll back")
	if err := emit(a, errRollback); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if err := emit(a, nil); err != nil {
		t.Fatal(err)
	}
	sa, _ := tenancy.FromContext(a)
	n := count(t, env.SuperURL, `SELECT count(*) FROM webhook_deliveries d JOIN river_job j ON j.args->>'delivery_id' = d.id::text
		WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.event_type = 'member.added' AND d.status = 'pending'
		AND d.body::jsonb->>'tenant_id' = $1::text AND d.body::jsonb->'data'->>'user_id' = 'u1'
		AND j.kind = 'webhook.deliver' AND j.metadata->>'tenant_id' = $1::text`, sa.Tenant.UUID(), subscribed)
	if n != 1 {
		t.Errorf("%d deliveries with their job to the subscribed endpoint, want 1", n)
	}
	if n := count(t, env.SuperURL, `SELECT count(*) FROM webhook_deliveries`); n != 1 {
		t.Errorf("%d deliveries in all, want 1 (none rolled back, unsubscribed, disabled or of the other tenant)", n)
	}
	if n := count(t, env.SuperURL, `SELECT count(*) FROM river_job WHERE args::text LIKE '%u1%'`); n != 0 {
		t.Error("the job's arguments carry the event")
	}
}

func tenantCtx(t *testing.T, db *postgres.DB) context.Context {
	t.Helper()
	id := tenancy.TenantID(tenancy.NewID())
	ctx, err := tenancy.WithScope(t.Context(), tenancy.Scope{Tenant: id, Role: tenancy.RoleOwner, Principal: tenancy.Principal{Kind: tenancy.PrincipalSystem}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(q postgres.Querier) error {
		_, err := q.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'W', $2)`, id.UUID(), "w-"+id.String()[24:])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func count(t *testing.T, url, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
