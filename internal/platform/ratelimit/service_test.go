package ratelimit

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// spy records the keys and limits a Service asks for, and answers from memory.
type spy struct {
	mu   sync.Mutex
	keys []string
	lims []Limit
	next Limiter
}

func (s *spy) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	s.mu.Lock()
	s.keys, s.lims = append(s.keys, key), append(s.lims, l)
	s.mu.Unlock()
	return s.next.Allow(ctx, key, l)
}

func (s *spy) reset() {
	s.mu.Lock()
	s.keys, s.lims = nil, nil
	s.mu.Unlock()
}

// blocks collects recorded blocks.
type blocks struct {
	mu  sync.Mutex
	got []Block
}

func (b *blocks) RecordBlock(_ context.Context, x Block) error {
	b.mu.Lock()
	b.got = append(b.got, x)
	b.mu.Unlock()
	return nil
}

func (b *blocks) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

var (
	tenantA = tenancy.TenantID(uuid.MustParse("0193f5a0-0000-7000-8000-00000000000a"))
	userU   = tenancy.UserID(uuid.MustParse("0193f5a0-0000-7000-8000-0000000000f1"))
	keyP    = tenancy.Principal{Kind: tenancy.PrincipalAPIKey, UserID: userU, KeyID: "k123"}
	userP   = tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: userU}
	ipv4    = netip.MustParseAddr("203.0.113.7")
)

func TestPoliciesByCaller(t *testing.T) {
	t.Parallel()
	sp := &spy{next: NewMemory(MemoryOptions{})}
	s, err := New(Config{Limiter: sp})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		req  Request
		keys []string
	}{
		{"member", Request{Operation: "get-tenant", Tenant: tenantA, Principal: userP, IP: ipv4},
			[]string{"principal:user:" + userU.String(), "tenant:" + tenantA.String()}},
		{"API key", Request{Operation: "list-spaces", Tenant: tenantA, Principal: keyP, IP: ipv4},
			[]string{"principal:api_key:k123", "tenant:" + tenantA.String()}},
		{"user without a tenant", Request{Operation: "get-me", Principal: userP, IP: ipv4},
			[]string{"principal:user:" + userU.String()}},
		{"anonymous", Request{Operation: "register", IP: ipv4}, []string{"ip:203.0.113.7"}},
		{"anonymous IPv4-mapped", Request{Operation: "register", IP: netip.MustParseAddr("::ffff:203.0.113.7")}, []string{"ip:203.0.113.7"}},
		{"anonymous IPv6 per /64", Request{Operation: "register", IP: netip.MustParseAddr("2001:db8:1:2:aaaa::1")}, []string{"ip:2001:db8:1:2::/64"}},
		{"login", Request{Operation: "login", IP: ipv4}, []string{"login:ip:203.0.113.7"}},
		{"refresh", Request{Operation: "refresh", IP: ipv4}, []string{"login:ip:203.0.113.7"}},
		{"second factor", Request{Operation: "complete-sign-in", IP: ipv4}, []string{"login:ip:203.0.113.7"}},
		{"share link", Request{Operation: "get-shared-flow", Policy: ShareLink, IP: ipv4}, []string{"share-link:ip:203.0.113.7"}},
		{"ingest", Request{Operation: "ingest-uplink", Tenant: tenantA, Principal: keyP, IP: ipv4}, []string{"ingest:tenant:" + tenantA.String()}},
	}
	for _, c := range cases {
		sp.reset()
		d, err := s.Admit(t.Context(), c.req)
		if err != nil || !d.Allowed || len(d.Checks) != len(c.keys) {
			t.Errorf("%s: %+v, %v", c.name, d, err)
		}
		if !slices.Equal(sp.keys, c.keys) {
			t.Errorf("%s: keys %q, want %q", c.name, sp.keys, c.keys)
		}
	}
	if _, err := s.Admit(t.Context(), Request{Operation: "x", Policy: "nosuch", IP: ipv4}); err == nil {
		t.Error("an unknown policy was admitted")
	}
}

func TestPrincipalRefusedBeforeTenantIsSpent(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s, _ := New(Config{Limiter: NewMemory(MemoryOptions{Now: clk.Now}), Limits: map[string]Limit{
		Principal: {Rate: 2, Period: time.Minute, Burst: 2}, Tenant: {Rate: 3, Period: time.Minute, Burst: 3},
	}})
	noisy := Request{Operation: "op", Tenant: tenantA, Principal: keyP}
	for i := range 10 {
		d, _ := s.Admit(t.Context(), noisy)
		if d.Allowed != (i < 2) {
			t.Fatalf("noisy request %d: allowed=%v", i+1, d.Allowed)
		}
	}
	quiet := Request{Operation: "op", Tenant: tenantA, Principal: userP}
	d, _ := s.Admit(t.Context(), quiet)
	if !d.Allowed {
		t.Fatalf("a quiet member of the tenant was refused after a noisy key: %+v", d)
	}
	b, _ := d.Binding()
	if b.Policy != Tenant || b.Result.Remaining != 0 {
		t.Fatalf("binding bucket %+v, want the tenant with 0 left", b)
	}
	d, _ = s.Admit(t.Context(), quiet)
	if b, _ := d.Binding(); d.Allowed || b.Policy != Tenant {
		t.Fatalf("the tenant's fourth request: %+v, want refused by the tenant budget", d)
	}
}

func TestBlocksRecordedOncePerWindow(t *testing.T) {
	t.Parallel()
	clk := newClock()
	rec := &blocks{}
	s, _ := New(Config{Limiter: NewMemory(MemoryOptions{Now: clk.Now}), Blocks: rec,
		Limits: map[string]Limit{IP: {Rate: 1, Period: time.Second, Burst: 1}}})
	req := Request{Operation: "register", IP: ipv4}
	refused := 0
	for range 1000 { // 1,000 requests in 10 simulated seconds
		if d, _ := s.Admit(t.Context(), req); !d.Allowed {
			refused++
		}
		clk.Advance(10 * time.Millisecond)
	}
	if refused < 900 || rec.count() != 1 {
		t.Fatalf("%d refusals recorded %d times, want once (the window is at least a minute)", refused, rec.count())
	}
	clk.Advance(time.Minute)
	for range 3 {
		_, _ = s.Admit(t.Context(), req) // refused or not, what counts is what the recorder saw
	}
	other := Request{Operation: "register", IP: netip.MustParseAddr("198.51.100.1")}
	for range 3 {
		_, _ = s.Admit(t.Context(), other)
	}
	if rec.count() != 3 {
		t.Fatalf("%d blocks recorded, want 3 (a new window, and another address)", rec.count())
	}
	if b := rec.got[0]; b.Policy != IP || b.Limit.Rate != 1 {
		t.Fatalf("recorded %+v", b)
	}
}

func TestAccountLimit(t *testing.T) {
	t.Parallel()
	sp := &spy{next: NewMemory(MemoryOptions{})}
	rec := &blocks{}
	s, _ := New(Config{Limiter: sp, Blocks: rec, Limits: map[string]Limit{Account: {Rate: 3, Period: time.Minute, Burst: 3}}})
	for i := range 3 {
		if err := s.Account(t.Context(), "Ana@Example.com"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	err := s.Account(t.Context(), " ana@example.COM ")
	if !errs.Is(err, errs.RateLimited) {
		t.Fatalf("fourth attempt with another spelling: %v, want RateLimited", err)
	}
	var ex *Exceeded
	if !errors.As(err, &ex) || ex.Decision.Checks[0].Policy != Account || ex.Decision.Checks[0].Result.RetryAfter <= 19*time.Second {
		t.Fatalf("the error does not carry the decision: %#v", err)
	}
	if err := s.Account(t.Context(), "bea@example.com"); err != nil {
		t.Fatalf("another account: %v", err)
	}
	for _, k := range sp.keys {
		if k = strings.TrimPrefix(k, "audit:"); len(k) != len("account:")+32 || strings.Contains(k, "ana") || strings.Contains(k, "example") {
			t.Fatalf("key %q is not a hash of the account", k)
		}
	}
	if rec.count() != 1 || rec.got[0].Policy != Account {
		t.Fatalf("blocks recorded: %+v", rec.got)
	}
}

// overrides is a fixed Overrides.
type overrides map[tenancy.TenantID]map[string]Limit

func (o overrides) Overrides(_ context.Context, t tenancy.TenantID) (map[string]Limit, error) {
	if l, ok := o[t]; ok {
		return l, nil
	}
	return nil, errors.New("no such tenant")
}

func TestTenantOverrides(t *testing.T) {
	t.Parallel()
	sp := &spy{next: NewMemory(MemoryOptions{})}
	big := Limit{Rate: 9000, Period: time.Minute, Burst: 9000}
	s, _ := New(Config{Limiter: sp, Overrides: overrides{tenantA: {Tenant: big, IP: {Rate: 1, Period: time.Hour, Burst: 1}}}})
	if d, _ := s.Admit(t.Context(), Request{Operation: "op", Tenant: tenantA, Principal: userP}); !d.Allowed {
		t.Fatal(d)
	}
	if sp.lims[0] != Defaults()[Principal] || sp.lims[1] != big {
		t.Fatalf("limits %+v, want the default principal limit and the tenant's override", sp.lims)
	}
	sp.reset()
	other := tenancy.TenantID(uuid.MustParse("0193f5a0-0000-7000-8000-00000000000b"))
	if d, _ := s.Admit(t.Context(), Request{Operation: "op", Tenant: other, Principal: userP}); !d.Allowed || sp.lims[1] != Defaults()[Tenant] {
		t.Fatalf("a tenant whose overrides fail to load: %+v, limits %+v; want the defaults", d, sp.lims)
	}
}

// failing is a store that always fails.
type failing struct {
	mu    sync.Mutex
	calls int
}

func (f *failing) Allow(context.Context, string, Limit) (Result, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return Result{}, errors.New("connection refused")
}

func TestFallbackKeepsLimitsInMemory(t *testing.T) {
	t.Parallel()
	clk := newClock()
	store := &failing{}
	m := NewMetrics()
	f := &Fallback{Store: store, Local: NewMemory(MemoryOptions{Now: clk.Now}), Metrics: m, Now: clk.Now}
	lim := Limit{Rate: 3, Period: time.Minute, Burst: 3}
	allowed := 0
	for range 10 {
		r, err := f.Allow(t.Context(), "k", lim)
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("while the store fails, %d of 10 allowed; want the limit (3) kept in memory", allowed)
	}
	if store.calls != 1 {
		t.Fatalf("the failing store was called %d times within RetryAfter, want 1", store.calls)
	}
	clk.Advance(2 * time.Second)
	_, _ = f.Allow(t.Context(), "k", lim) // the store fails; what counts is that it was asked again
	if store.calls != 2 {
		t.Fatalf("the store was not retried after RetryAfter (%d calls)", store.calls)
	}
	if got := counterValue(t, m.storeErrors); got != 2 {
		t.Fatalf("store errors counted: %v, want 2", got)
	}
	if got := gaugeValue(t, m.degraded); got != 1 {
		t.Fatalf("degraded = %v, want 1", got)
	}
	f.Store = NewMemory(MemoryOptions{Now: clk.Now}) // the store is back
	clk.Advance(2 * time.Second)
	if r, _ := f.Allow(t.Context(), "k2", lim); !r.Allowed || gaugeValue(t, m.degraded) != 0 {
		t.Fatalf("after recovery: %+v, degraded %v", r, gaugeValue(t, m.degraded))
	}
}

func TestServiceAdmitsWhenALimiterFails(t *testing.T) {
	t.Parallel()
	s, _ := New(Config{Limiter: &failing{}})
	d, err := s.Admit(t.Context(), Request{Operation: "register", IP: ipv4})
	if err != nil || !d.Allowed {
		t.Fatalf("%+v, %v: a failing limiter must not refuse requests", d, err)
	}
	if err := s.Account(t.Context(), "ana@example.com"); err != nil {
		t.Fatal(err)
	}
}

func TestCachedIsBounded(t *testing.T) {
	t.Parallel()
	clk := newClock()
	ids := make(overrides)
	for range 100 {
		ids[tenancy.TenantID(uuid.New())] = nil
	}
	c := &Cached{Source: ids, MaxTenants: 10, Now: clk.Now}
	for id := range ids {
		if _, err := c.Overrides(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.entries) > 10 {
		t.Fatalf("%d cached tenants, want at most 10", len(c.entries))
	}
}
