package ratelimit

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// noOverrides is an override source with nothing to say, so Cached answers from memory.
type noOverrides struct{}

func (noOverrides) Overrides(context.Context, tenancy.TenantID) (map[string]Limit, error) {
	return nil, nil
}

// BenchmarkAdmit is what the HTTP layer pays per API-key request for rate limiting: Service.Admit
// with the in-memory limiter and cached (empty) tenant overrides, counting the principal and the
// tenant bucket, over 10,000 keys of 10,000 tenants (limits high enough never to refuse).
func BenchmarkAdmit(b *testing.B) {
	limits, err := ParseLimits("principal=1000000000/1m,tenant=1000000000/1m")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Limiter: NewMemory(MemoryOptions{}), Limits: limits, Overrides: &Cached{Source: noOverrides{}}})
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]Request, 10_000)
	for i := range reqs {
		reqs[i] = Request{Operation: "list-spaces", Tenant: tenancy.TenantID(uuid.New()),
			Principal: tenancy.Principal{Kind: tenancy.PrincipalAPIKey, KeyID: fmt.Sprint(uuid.New())}}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			d, err := s.Admit(b.Context(), reqs[i%len(reqs)])
			if err != nil || !d.Allowed {
				b.Errorf("admit: %v %v", d, err)
				return
			}
			i++
		}
	})
}
