package idempotency_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestConcurrentDuplicatesMakeOneSite: 50 concurrent creates with one key and one body make one
// site (counted in the database) and one stored key; every answer is the same 201 with the same
// body and Location, 49 of them replayed. The same key with another body is 422; the same key
// from another principal of the tenant (an API key) is a key of its own.
func TestConcurrentDuplicatesMakeOneSite(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("idem")
	body := map[string]any{"name": "Duplicated", "timezone": "Europe/Lisbon"}
	const n = 50
	res := make([]apitest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { res[i] = s.Do("POST", "/api/v1/sites", a.Access, body, "Idempotency-Key", "site-1") })
	}
	wg.Wait()
	replayed := 0
	for _, r := range res {
		if r.Status != http.StatusCreated || !bytes.Equal(r.Body, res[0].Body) || r.Header.Get("Location") != res[0].Header.Get("Location") {
			t.Fatalf("answers differ: %d %s %q and %d %s %q", res[0].Status, res[0].Body, res[0].Header.Get("Location"),
				r.Status, r.Body, r.Header.Get("Location"))
		}
		if r.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != n-1 {
		t.Errorf("%d answers replayed, want %d", replayed, n-1)
	}
	id := res[0].JSON(t)["id"].(string)
	if loc := res[0].Header.Get("Location"); loc != "/api/v1/sites/"+id {
		t.Errorf("Location %q, want /api/v1/sites/%s", loc, id)
	}
	if got := s.Count(`SELECT count(*) FROM sites WHERE tenant_id = $1 AND name = 'Duplicated'`, a.TenantID); got != 1 {
		t.Errorf("%d sites made, want 1", got)
	}
	if got := s.Count(`SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1`, a.TenantID); got != 1 {
		t.Errorf("%d keys stored, want 1", got)
	}
	other := s.Do("POST", "/api/v1/sites", a.Access, map[string]any{"name": "Other", "timezone": "Europe/Lisbon"}, "Idempotency-Key", "site-1")
	if other.Status != http.StatusUnprocessableEntity || !strings.Contains(string(other.Body), "header.Idempotency-Key") ||
		other.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("the same key with another body: %d %s", other.Status, other.Body)
	}
	_, key := s.CreateKey(a, map[string]any{"name": "writer", "scopes": []string{"sites:write"}})
	byKey := s.Do("POST", "/api/v1/sites", "", map[string]any{"name": "By key", "timezone": "Europe/Lisbon"},
		"Idempotency-Key", "site-1", "X-API-Key", key["key"].(string))
	if byKey.Status != http.StatusCreated || byKey.Header.Get("Idempotent-Replayed") != "" || byKey.JSON(t)["id"] == id {
		t.Errorf("the same key from an API key: %d %s, want a site of its own", byKey.Status, byKey.Body)
	}
}

// TestFailuresAndExpiredKeysAreNotReplayed: a failed create stores nothing (the key stays free
// for the corrected request), and a key older than 24 hours is free again.
func TestFailuresAndExpiredKeysAreNotReplayed(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("idemfail")
	bad := s.Do("POST", "/api/v1/sites", a.Access, map[string]any{"name": "X", "timezone": "Mars/Olympus"}, "Idempotency-Key", "k")
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad time zone: %d %s", bad.Status, bad.Body)
	}
	good := s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": "X", "timezone": "UTC"}, "Idempotency-Key", "k")
	s.SuperExec(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE tenant_id = $1`, a.TenantID)
	again := s.Must(201, "POST", "/api/v1/sites", a.Access, map[string]any{"name": "Y", "timezone": "UTC"}, "Idempotency-Key", "k")
	if again["id"] == good["id"] {
		t.Errorf("an expired key was replayed: %v", again)
	}
	if r := s.Do("POST", "/api/v1/sites", a.Access, map[string]any{"name": "Z", "timezone": "UTC"}, "Idempotency-Key", "bad key"); r.Status != 422 {
		t.Errorf("a key with a space: %d %s, want 422", r.Status, r.Body)
	}
}
