package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Response is what a request got back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object and fails the test if it is not one.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Fingerprint is what tells two answers apart: the status, the headers (but those that differ
// from one request to the next: Date, X-Request-Id and the rate-limit fields) and the body. Two
// answers that must be indistinguishable, such as another tenant's object and a random id, have
// the same fingerprint.
func (r Response) Fingerprint() string {
	var headers []string
	for k, v := range r.Header {
		switch k = strings.ToLower(k); {
		case k == "date", k == "x-request-id", strings.HasPrefix(k, "ratelimit"), strings.HasPrefix(k, "x-ratelimit"):
			continue
		}
		headers = append(headers, k+"="+strings.Join(v, ","))
	}
	slices.Sort(headers)
	return fmt.Sprintf("%d %s\n%s", r.Status, strings.Join(headers, "; "), r.Body)
}

// Do sends a request with a bearer token (none if token is ""); body may be nil, a string (sent
// as is) or a value (JSON-encoded); headers are name, value pairs. A successful request that is
// not GET or HEAD must leave an audit row (checked when the test ends), unless it is a replay.
func (s *Server) Do(method, path, token string, body any, headers ...string) Response {
	s.T.Helper()
	req, err := http.NewRequestWithContext(s.T.Context(), method, s.URL+path, s.encode(body))
	if err != nil {
		s.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := http.DefaultClient
	if s.client != nil {
		client = s.client
	}
	res, err := client.Do(req)
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	// (A replayed create, Idempotent-Replayed, changed nothing: its audit row is the original's.)
	if method != "GET" && method != "HEAD" && res.StatusCode/100 == 2 && res.Header.Get("Idempotent-Replayed") != "true" {
		s.audited.add(mutation{res.Header.Get("X-Request-Id"), method, path})
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// encode is the request body of Do.
func (s *Server) encode(body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.T.Fatal(err)
		}
		return bytes.NewReader(raw)
	}
}

// Must sends a request like Do and fails the test unless it answers status; it returns the
// decoded JSON object (nil for an empty body).
func (s *Server) Must(status int, method, path, token string, body any, headers ...string) map[string]any {
	s.T.Helper()
	r := s.Do(method, path, token, body, headers...)
	if r.Status != status {
		s.T.Fatalf("%s %s: %d %s (want %d)", method, path, r.Status, r.Body, status)
	}
	if len(r.Body) == 0 {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Count runs a counting query as the superuser, to look under row-level security in
// assertions. It also runs in clean-ups, after the test's context ended, so it only keeps the
// context's values.
func (s *Server) Count(sql string, args ...any) int {
	s.T.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.T.Context()), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.Env.SuperURL)
	if err != nil {
		s.T.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		s.T.Fatalf("%s: %v", sql, err)
	}
	return n
}

// SuperRow runs a query of one row as the superuser, to look under row-level security, and scans
// it into dest; it fails the test on any error, no row included.
func (s *Server) SuperRow(sql string, args []any, dest ...any) {
	s.T.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.T.Context()), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.Env.SuperURL)
	if err != nil {
		s.T.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		s.T.Fatalf("%s: %v", sql, err)
	}
}

// SuperExec runs a statement as the superuser (to age a row, drop a policy, ...) and fails the
// test if it fails.
func (s *Server) SuperExec(sql string, args ...any) {
	s.T.Helper()
	conn, err := pgx.Connect(s.T.Context(), s.Env.SuperURL)
	if err != nil {
		s.T.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(s.T.Context()))
	if _, err := conn.Exec(s.T.Context(), sql, args...); err != nil {
		s.T.Fatalf("%s: %v", sql, err)
	}
}

// Metrics scrapes the metrics listener and returns the exposition text.
func (s *Server) Metrics() string {
	s.T.Helper()
	res, err := http.Get(s.MetricsURL + "/metrics")
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		s.T.Fatalf("metrics: %d %v", res.StatusCode, err)
	}
	return string(b)
}
