package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestPoolDoesNotLeakTenants is the pool leak check (security-checks C5): 100,000 requests that
// alternate between two tenants over an application pool of 2 connections (MaxConns, as
// TENANTRY_DB_MAX_CONNS=2 sets it), 8 clients at a time, so every connection serves both tenants
// tens of thousands of times. Every answer is checked against the caller's tenant; mismatches
// must be 0.
//
// Every request goes through the assembled service's root handler in process
// (httptest.NewRecorder, no socket): JWT, scope, handler, pipelined scoped read. GET /api/v1/tenant
// must name the caller's tenant and GET /api/v1/members list only the caller.
func TestPoolDoesNotLeakTenants(t *testing.T) {
	t.Parallel()
	const total, clients = 100_000, 8
	s := apitest.StartWith(t, apitest.Options{MaxConns: 2, Unlimited: true, Quiet: true})
	db, a := s.DB, s.App
	tenants := []apitest.Account{s.Register("pool-a"), s.Register("pool-b")}

	var sent, mismatches atomic.Int64
	var firstMismatch sync.Once
	check := func(who apitest.Account, path string, body []byte, status int) {
		ok := status == http.StatusOK
		var v struct {
			ID    string `json:"id"`
			Items []struct {
				Email string `json:"email"`
			} `json:"items"`
		}
		ok = ok && json.Unmarshal(body, &v) == nil
		if path == "/api/v1/tenant" {
			ok = ok && v.ID == who.TenantID
		} else {
			ok = ok && len(v.Items) == 1 && v.Items[0].Email == who.Email
		}
		if !ok {
			mismatches.Add(1)
			firstMismatch.Do(func() { t.Errorf("as %s, %s answered %d %s", who.Email, path, status, body) })
		}
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < total; i += clients {
				sent.Add(1)
				who := tenants[i%2]
				path := [...]string{"/api/v1/tenant", "/api/v1/members"}[(i/2)%2]
				req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+who.Access)
				rec := httptest.NewRecorder()
				a.Handler.ServeHTTP(rec, req)
				check(who, path, rec.Body.Bytes(), rec.Code)
			}
		})
	}
	wg.Wait()
	st := db.Stats()[0]
	t.Logf("%d requests over a pool of at most %d connections (%d opened, %d acquires): %d mismatches",
		sent.Load(), st.Max, st.Total, st.AcquireCount, mismatches.Load())
	if st.Max != 2 || st.Total > 2 {
		t.Errorf("the pool had %d connections (max %d), want at most 2", st.Total, st.Max)
	}
	if sent.Load() != total || mismatches.Load() != 0 {
		t.Fatalf("%d requests, %d mismatches; want %d and 0", sent.Load(), mismatches.Load(), total)
	}
}
