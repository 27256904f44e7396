package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestSecurityHeaders walks every operation of the OpenAPI document, as the tenant's owner, with a
// random id for each path parameter and an empty JSON body: every response carries
// X-Content-Type-Options: nosniff, and every response of an operation whose response schema
// carries a secret (httpapi.CarriesSecret) carries Cache-Control: no-store, refusals included. A
// new operation that returns a token is covered by its schema, with no list to update.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Unlimited: true})
	owner := s.Register("hedy")
	oapi := s.App.Server.API().OpenAPI()
	var secret []string
	for path, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch} {
			if op == nil {
				continue
			}
			var body any
			if op.Method != "GET" && op.Method != "DELETE" {
				body = "{}"
			}
			r := send(t, s, op.Method, pathParam.ReplaceAllString(path, "0193a0b0-0000-7000-8000-000000000001"), owner.Access, body)
			checkNosniff(t, op.OperationID, r)
			if httpapi.CarriesSecret(oapi, op) {
				secret = append(secret, op.OperationID)
				if r.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("%s (%d): Cache-Control %q on an operation that returns a secret", op.OperationID, r.Status, r.Header.Get("Cache-Control"))
				}
			}
		}
	}
	for _, want := range []string{"verify-email", "login", "refresh", "switch-tenant", "change-password", "create-api-key", "accept-invitation", "create-session-share", "rotate-ingest-secret"} {
		if !slices.Contains(secret, want) {
			t.Errorf("operation %s is not judged to return a secret (judged: %v)", want, secret)
		}
	}
	for _, path := range []string{"/docs", "/health/live", "/no/such/path"} {
		checkNosniff(t, path, s.Do("GET", path, "", nil))
	}
}

// TestSecretResponsesAreNotStored: the real answers that carry tokens (registration, sign-in,
// refresh, a new API key) have no-store, checked on their bodies: any response whose JSON holds a
// secret-named string must not be stored.
func TestSecretResponsesAreNotStored(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t)
	a := s.Register("ida")
	for name, r := range map[string]apitest.Response{
		"login":   s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": a.Password}),
		"refresh": s.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}),
		"api key": s.Do("POST", "/api/v1/api-keys", a.Access, map[string]any{"name": "k"}),
		"me":      s.Do("GET", "/api/v1/me", a.Access, nil),
	} {
		checkNosniff(t, name, r)
		var v any
		_ = json.Unmarshal(r.Body, &v)
		if holdsSecret(v) != (r.Header.Get("Cache-Control") == "no-store") {
			t.Errorf("%s (%d): holds a secret %v, Cache-Control %q: %s", name, r.Status, holdsSecret(v), r.Header.Get("Cache-Control"), r.Body)
		}
	}
}

// send is a request like Server.Do, without its audit-row check at the end of the test: this walk
// looks at headers only, and an empty body may well be a no-op success.
func send(t *testing.T, s *apitest.Server, method, path, token string, body any) apitest.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.(string))
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return apitest.Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

func checkNosniff(t *testing.T, what string, r apitest.Response) {
	t.Helper()
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s (%d): X-Content-Type-Options %q", what, r.Status, r.Header.Get("X-Content-Type-Options"))
	}
}

// holdsSecret reports whether a decoded JSON value has, at any depth, a non-empty string under a
// key that names a credential.
func holdsSecret(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && s != "" && (strings.HasSuffix(k, "token") || strings.HasSuffix(k, "secret") || k == "key") {
				return true
			}
			if holdsSecret(x) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, holdsSecret)
	}
	return false
}
