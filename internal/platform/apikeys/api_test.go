package apikeys_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/apikeys"
	"github.com/tenantry/tenantry/internal/tenancy"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("kay")
	st, k := s.CreateKey(a, map[string]any{"name": "dashboard"})
	if st != 201 || !strings.HasPrefix(k["key"].(string), "tnr_key_") {
		t.Fatalf("create: %d %v", st, k)
	}
	secret, id := k["key"].(string), k["id"].(string)
	if scopes := k["scopes"].([]any); len(scopes) == 0 {
		t.Error("a key without scopes asked for got none (want the default read scopes)")
	}
	if r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", secret); r.Status != 200 {
		t.Fatalf("key with tenant:read on GET /tenant: %d %s", r.Status, r.Body)
	}
	if n := s.Count(`SELECT count(*) FROM api_keys WHERE id = $1 AND last_used_at IS NOT NULL`, id); n != 0 {
		t.Error("last_used_at was written by the request (want: in the background, TestKeyLastUseIsWritten)")
	}
	if n := s.Count(`SELECT count(*) FROM api_keys WHERE id = $1 AND secret_hash = sha256(convert_to($2, 'UTF8'))`, id, secret); n != 0 {
		t.Error("the stored hash is a plain hash of the whole key")
	}
	if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'api_key.create' AND target_id = $2`, a.TenantID, id); n != 1 {
		t.Errorf("key creation audited %d times", n)
	}
	if r := s.Do("DELETE", "/api/v1/api-keys/"+id, a.Access, nil); r.Status != 204 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", secret); r.Status != 401 {
		t.Errorf("revoked key: %d, want 401 on the next request", r.Status)
	}
	if n := s.Count(`SELECT count(*) FROM security_events WHERE action = 'auth.invalid_api_key'`); n != 1 {
		t.Errorf("invalid-key security events: %d, want 1", n)
	}
}

func TestAPIKeyScopesAndCeiling(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("lou")
	if st, _ := s.CreateKey(a, map[string]any{"name": "x", "scopes": []string{"spaces:fly"}}); st != 422 {
		t.Errorf("unknown scope: %d, want 422", st)
	}
	if st, _ := s.CreateKey(a, map[string]any{"name": "x", "role": "viewer", "scopes": []string{"audit:read"}}); st != 403 {
		t.Errorf("scope above the key's ceiling: %d, want 403", st)
	}
	_, audit := s.CreateKey(a, map[string]any{"name": "auditor", "scopes": []string{"audit:read"}})
	if r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", audit["key"].(string)); r.Status != 403 {
		t.Errorf("key without tenant:read on GET /tenant: %d, want 403", r.Status)
	}
	_, manager := s.CreateKey(a, map[string]any{"name": "manager", "scopes": []string{"api-keys:manage"}})
	mk := manager["key"].(string)
	if r := s.Do("GET", "/api/v1/api-keys", "", nil, "X-API-Key", mk); r.Status != 200 || len(r.JSON(t)["items"].([]any)) != 2 {
		t.Errorf("manager key lists keys: %d %s", r.Status, r.Body)
	}
	r := s.Do("POST", "/api/v1/api-keys", "", map[string]any{"name": "escalate", "scopes": []string{"api-keys:manage"}}, "X-API-Key", mk)
	if r.Status != 403 {
		t.Errorf("a key creating a key: %d, want 403", r.Status)
	}
	if st, _ := s.CreateKey(a, map[string]any{"name": "manager"}); st != 409 {
		t.Errorf("a second live key with the same name: %d, want 409", st)
	}
	expired := s.Do("POST", "/api/v1/api-keys", a.Access, map[string]any{"name": "old", "expires_at": "2020-01-01T00:00:00Z"})
	if expired.Status != 422 {
		t.Errorf("expiry in the past: %d", expired.Status)
	}
	_, soon := s.CreateKey(a, map[string]any{"name": "soon", "expires_at": "2999-01-01T00:00:00Z"})
	s.SuperExec(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, soon["id"])
	if r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", soon["key"].(string)); r.Status != 401 {
		t.Errorf("expired key: %d, want 401", r.Status)
	}
}

// TestAPIKeyOfAnotherTenantIsHidden: B cannot see or revoke A's key, and the 404 is the same as
// for a random id.
func TestAPIKeyOfAnotherTenantIsHidden(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a, b := s.Register("max"), s.Register("ned")
	_, k := s.CreateKey(a, map[string]any{"name": "a-key"})
	for _, method := range []string{"GET", "DELETE"} {
		other := s.Do(method, "/api/v1/api-keys/"+k["id"].(string), b.Access, nil)
		random := s.Do(method, "/api/v1/api-keys/"+uuid.NewString(), b.Access, nil)
		if other.Status != 404 || string(other.Body) != string(random.Body) {
			t.Errorf("%s A's key as B: %d %s vs random %d %s", method, other.Status, other.Body, random.Status, random.Body)
		}
	}
	if r := s.Do("GET", "/api/v1/tenant", "", nil, "X-API-Key", k["key"].(string)); r.Status != 200 {
		t.Errorf("A's key still works after B's attempts: %d", r.Status)
	}
	list := s.Do("GET", "/api/v1/api-keys", b.Access, nil)
	if strings.Contains(string(list.Body), k["id"].(string)) {
		t.Error("B's key list shows A's key")
	}
}

// TestMalformedKeyNeverReachesTheDatabase authenticates malformed keys with a service that has no
// database at all: any query would panic.
func TestMalformedKeyNeverReachesTheDatabase(t *testing.T) {
	t.Parallel()
	svc := apikeys.New(nil, slog.New(slog.DiscardHandler), tenancy.ScopeCatalogue{})
	for _, key := range []string{"", "tnr_key_", "tnr_key_abc", "tnr_rt_" + strings.Repeat("a", 92), "Bearer x", strings.Repeat("z", 300)} {
		if _, err := svc.Authenticate(t.Context(), httpapi.Credentials{APIKey: key}); err == nil {
			t.Errorf("malformed key %q accepted", key)
		}
	}
}
