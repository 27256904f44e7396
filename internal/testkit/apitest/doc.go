// Package apitest starts Tenantry's assembled service (internal/app) for API tests: over real
// HTTP (httptest), on a database of the test's own, cloned from the migrated template of
// internal/testkit/testenv. A package whose tests use it calls testenv from its TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// and each test starts its own server:
//
//	s := apitest.Start(t)
//	a := s.Register("ana") // a user, a tenant and a session
//	r := s.Do("GET", "/api/v1/tenant", a.Access, nil)
//
// Parallel subtests may share one server, each with tenants of its own (Run, For):
//
//	s.Run(t, "visibility", func(t *testing.T, s *apitest.Server) { ... })
//
// The configuration is the binary's default one (cmd/tenantry checks that it stays so), with a
// fresh signing key; StartWith changes it (rate limits lifted, pool size, background workers).
// The server keeps its log in Logs for assertions, and when the test ends it checks that every
// successful state-changing request it sent wrote an audit row.
//
// Helpers cover what API tests of every package need: registration, requests with a bearer
// token or headers, API keys, members invited through the mail outbox (delivered to a fake SMTP
// server), counting rows as the superuser to look under row-level security, and comparing two
// answers that must be indistinguishable (Response.Fingerprint). Product-specific
// helpers live with the product's tests.
package apitest
