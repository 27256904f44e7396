package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// lockedBuffer collects the server's log lines for assertions.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testServer is the assembled service on a real database, over real HTTP.
type testServer struct {
	t    *testing.T
	url  string
	env  testenv.DB
	db   *postgres.DB
	cfg  config
	logs *lockedBuffer
	app  *app.App

	mu        sync.Mutex
	mutations []mutation // successful state-changing requests, checked for audit rows at cleanup
}

// mutation is one successful state-changing request.
type mutation struct{ requestID, method, path string }

func testConfig(t *testing.T, env testenv.DB) config {
	t.Helper()
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	_, _ = rand.Read(key[:])
	cfg.JWTKey = base64.StdEncoding.EncodeToString(key[:])
	cfg.DatabaseURL, cfg.SystemURL, cfg.OwnerURL = env.AppURL, env.SystemURL, env.OwnerURL
	return cfg
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	env := testenv.NewDB(t)
	s := &testServer{t: t, env: env, cfg: testConfig(t, env), logs: &lockedBuffer{}}
	s.db = env.Open(t, 4)
	var err error
	if s.app, err = newApp(s.cfg, s.db, newLogger(s.logs, slog.LevelDebug)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.app.Handler)
	t.Cleanup(srv.Close)
	t.Cleanup(s.checkAudited)
	s.url = srv.URL
	return s
}

// checkAudited runs when a test ends: every successful state-changing request it made must have
// written an audit row with its request id, in a tenant's audit log or the security log.
func (s *testServer) checkAudited() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.mutations {
		n := s.count(`SELECT (SELECT count(*) FROM audit_events WHERE request_id = $1) + (SELECT count(*) FROM security_events WHERE request_id = $1)`, m.requestID)
		if n == 0 {
			s.t.Errorf("%s %s (request %s) succeeded without an audit row", m.method, m.path, m.requestID)
		}
	}
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// do sends a request; body may be nil, a string (sent as is) or a value (JSON-encoded).
func (s *testServer) do(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if method != "GET" && method != "HEAD" && res.StatusCode/100 == 2 {
		s.mu.Lock()
		s.mutations = append(s.mutations, mutation{res.Header.Get("X-Request-Id"), method, path})
		s.mu.Unlock()
	}
	return response{status: res.StatusCode, header: res.Header, body: raw}
}

// account is a registered user with the session registration returned.
type account struct {
	email, password  string
	userID, tenantID string
	access, refresh  string
}

func (s *testServer) register(name string) account {
	s.t.Helper()
	a := account{email: name + "@example.com", password: "correct horse " + name}
	r := s.do("POST", "/api/v1/auth/register", "", map[string]any{
		"user":   map[string]any{"email": a.email, "name": name, "password": a.password},
		"tenant": map[string]any{"name": "Tenant " + name, "slug": "t-" + name},
	})
	if r.status != http.StatusCreated {
		s.t.Fatalf("register %s: %d %s", name, r.status, r.body)
	}
	var out struct {
		User    struct{ ID string }
		Tenant  struct{ ID string }
		Session struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		s.t.Fatal(err)
	}
	a.userID, a.tenantID, a.access, a.refresh = out.User.ID, out.Tenant.ID, out.Session.AccessToken, out.Session.RefreshToken
	return a
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
