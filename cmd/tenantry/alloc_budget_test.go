package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// spaceListAllocBudget is what one GET /api/v1/spaces?limit=50 (50 spaces, a cached API key)
// allocates through the assembled handler, in allocations (not bytes, not time: the count does not
// depend on the machine's load). TestSpaceListAllocBudget fails when a request allocates more than
// 10 % over it. To change it deliberately: measure with
//
//	go test -count=1 -run TestSpaceListAllocBudget -v ./cmd/tenantry
//
// (it logs the count), see where the new allocations come from with `-bench SpaceList -memprofile`
// (docs/performance.md, "Allocation budget of a list request"), and write the new count here with
// the reason in the commit message.
const spaceListAllocBudget = 611

// spaceListPath is the request the budget and BenchmarkSpaceList measure: make bench's list scenario.
const spaceListPath = "/api/v1/spaces?limit=50"

// TestSpaceListAllocBudget checks spaceListAllocBudget: the average allocations of a list request,
// over 200 requests after the key and the statements are cached.
func TestSpaceListAllocBudget(t *testing.T) {
	h, key, _, _ := benchApp(t)
	serve := listRequest(t, h, key)
	for range 5 { // the key's cache, pgx's statement cache, Huma's pools
		serve()
	}
	got := testing.AllocsPerRun(200, serve)
	t.Logf("GET %s: %.0f allocations per request (budget %d)", spaceListPath, got, spaceListAllocBudget)
	if got > spaceListAllocBudget*1.1 {
		t.Errorf("GET %s allocates %.0f times per request, more than 10 %% over the budget of %d: find the new allocations "+
			"(go test -run '^$' -bench SpaceList/tenantry -memprofile mem.out ./cmd/tenantry; go tool pprof -sample_index=alloc_objects -top mem.out) "+
			"and remove them, or raise spaceListAllocBudget deliberately", spaceListPath, got, spaceListAllocBudget)
	}
}

// listRequest returns a function that serves one list request with key through h and checks it.
func listRequest(tb testing.TB, h http.Handler, key string) func() {
	req := httptest.NewRequest(http.MethodGet, spaceListPath, nil)
	req.Header.Set("X-API-Key", key)
	return func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.Clone(req.Context()))
		if rec.Code != http.StatusOK {
			tb.Fatalf("%s: %d %s", spaceListPath, rec.Code, rec.Body)
		}
	}
}

// BenchmarkSpaceList is one list request in process, one at a time: "tenantry" through the
// assembled handler (API key, rate limit, access, the scoped read, Huma's JSON, the request log
// and metrics), "minimal" a bare net/http handler that runs the same statement through the same
// scoped read for a fixed tenant and encodes the rows with encoding/json: the floor a Go service
// could reach. Compare ns/op and allocs/op of the two within one run (-count 6, benchstat).
func BenchmarkSpaceList(b *testing.B) {
	h, key, tenant, db := benchApp(b)
	b.Run("tenantry", func(b *testing.B) {
		serve := listRequest(b, h, key)
		b.ReportAllocs()
		for b.Loop() {
			serve()
		}
	})
	b.Run("minimal", func(b *testing.B) {
		serve := listRequest(b, minimalList(db, tenant), key)
		b.ReportAllocs()
		for b.Loop() {
			serve()
		}
	})
}

// minimalList is the baseline handler of BenchmarkSpaceList: the tenant is fixed, nothing is
// checked, the sqlc rows go out as they are.
func minimalList(db *postgres.DB, tenant string) http.Handler {
	tid := uuid.MustParse(tenant)
	sc := tenancy.Scope{Tenant: tenancy.TenantID(tid), Role: tenancy.RoleViewer, Principal: tenancy.Principal{Kind: tenancy.PrincipalAPIKey}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := tenancy.WithScope(r.Context(), sc)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var rows []store.ListLiveSpacesRow
		err = db.Read(ctx, func(q postgres.Querier) error {
			rows, err = store.New(q).ListLiveSpaces(ctx, store.ListLiveSpacesParams{TenantID: tid, Lim: 51})
			return err
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rows[:min(len(rows), 50)])
	})
}
