package identity_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/identity"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// BenchmarkSessionCheck measures what checking the session on every request costs, in one run:
// each iteration sends one request of each kind below, interleaved; a request authenticates an
// access token and then does a request's usual work (one scoped read, a page of members) as the
// application role. It reports the time per request of each kind and the ratios to the baseline.
//   - claims_only: the token's claims alone, as before sessions were checked (the baseline);
//   - cached: Authenticate with the session cache listening (the running service);
//   - uncached: Authenticate with no listener, so the session is read from the database on every
//     request (what a separate session query would cost: one more round trip).
//
// docs/access.md reports cached / claims_only and uncached / claims_only.
func BenchmarkSessionCheck(b *testing.B) {
	env := testenv.NewDB(b)
	db := env.Open(b, 4)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keys, err := auth.NewKeys("k1", map[string][]byte{"k1": key})
	if err != nil {
		b.Fatal(err)
	}
	hasher, err := auth.NewHasher(auth.HasherConfig{})
	if err != nil {
		b.Fatal(err)
	}
	cfg := identity.Config{Tokens: &auth.Tokens{Keys: keys, Issuer: "i", Audience: "a", TTL: time.Hour}, Hasher: hasher, SecretKey: make([]byte, secretbox.KeySize)}
	newService := func() *identity.Service {
		s, err := identity.New(db, slog.New(slog.DiscardHandler), cfg)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	cached, uncached := newService(), newService()
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	go cached.WatchSessions(ctx)
	for !cached.SessionsListening() {
		time.Sleep(time.Millisecond)
	}
	if _, err := cached.Register(ctx, identity.Registration{Email: "b@example.com", Name: "b", Password: "correct horse battery", TenantName: "B", Slug: "b"}); err != nil {
		b.Fatal(err)
	}
	sess, err := cached.VerifyEmail(ctx, mailedToken(b, env.SuperURL, "b@example.com"))
	if err != nil {
		b.Fatal(err)
	}
	creds := httpapi.Credentials{Bearer: sess.AccessToken}
	variants := []func(context.Context, httpapi.Credentials) (httpapi.Caller, error){
		func(_ context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
			return cached.VerifyTokenOnly(c)
		},
		cached.Authenticate,
		uncached.Authenticate,
	}
	var spent [3]time.Duration
	b.ResetTimer()
	for range b.N {
		for i, authenticate := range variants { // interleaved, so that the machine's load falls on all alike
			start := time.Now()
			if err := request(ctx, cached, authenticate, creds); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
		}
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(spent[0]), "claims_only-ns/req")
	b.ReportMetric(per(spent[1]), "cached-ns/req")
	b.ReportMetric(per(spent[2]), "uncached-ns/req")
	b.ReportMetric(per(spent[1])/per(spent[0]), "cached/claims_only")
	b.ReportMetric(per(spent[2])/per(spent[0]), "uncached/claims_only")
}

// request authenticates creds and does a request's usual work under the caller's scope.
func request(ctx context.Context, s *identity.Service, authenticate func(context.Context, httpapi.Credentials) (httpapi.Caller, error), creds httpapi.Credentials) error {
	c, err := authenticate(ctx, creds)
	if err != nil {
		return err
	}
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: c.Tenant, Principal: c.Principal, Role: c.Role})
	if err != nil {
		return err
	}
	_, err = s.ListMembers(sctx, 20, nil)
	return err
}

// mailedToken reads the verification token registration mailed to addr from the outbox.
func mailedToken(b *testing.B, superURL, addr string) string {
	conn, err := pgx.Connect(b.Context(), superURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(b.Context()))
	var tok string
	err = conn.QueryRow(b.Context(), `SELECT substring(body FROM 'tnr_ver_[A-Za-z0-9]+') FROM outbox_messages WHERE recipient = $1`, addr).Scan(&tok)
	if err != nil {
		b.Fatal(err)
	}
	return tok
}
