package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// psaMaxAttempts is the test server's attempts before a push is dead.
const psaMaxAttempts = 3

// psaConfig is the test servers' PSA configuration: loopback fakes, a short timeout (the hanging
// fake), few attempts, a short backoff and a fast retry sweep.
func psaConfig(c *app.Config) {
	c.PSA = flows.PSAConfig{AllowPrivate: true, Timeout: 500 * time.Millisecond, MaxAttempts: psaMaxAttempts,
		Backoff: 100 * time.Millisecond, RetryEvery: 150 * time.Millisecond, Lease: 3 * time.Second}
}

// startPSA starts the service with its job runner and psaConfig.
func startPSA(t *testing.T) flowsAPI {
	s := apitest.StartWith(t, apitest.Options{Background: true, Unlimited: true, Configure: psaConfig})
	t.Cleanup(func() {
		if t.Failed() { // the job runner's view of what went wrong
			for _, l := range strings.Split(s.Logs.String(), "\n") {
				if strings.Contains(l, "psa") || strings.Contains(l, `"level":"ERROR"`) {
					t.Log(l)
				}
			}
		}
	})
	return flowsAPI{Server: s}
}

// member invites name into owner's tenant with role, as member does for servers that deliver
// their own mail (the development sender's files, read by MailToken), and returns the account.
func (s flowsAPI) member(owner apitest.Account, name, role string) apitest.Account {
	s.T.Helper()
	a := apitest.Account{Email: name + "@example.com", Password: "correct horse " + name, TenantID: owner.TenantID}
	s.Must(201, "POST", "/api/v1/invitations", owner.Access, map[string]any{"email": a.Email, "role": role})
	sess := s.Must(200, "POST", "/api/v1/invitations/accept", "", map[string]any{"token": s.MailToken(a.Email, "inv"), "name": name,
		"password": a.Password})
	a.Access = sess["access_token"].(string)
	a.UserID = s.Must(200, "GET", "/api/v1/me", a.Access, nil)["user"].(map[string]any)["id"].(string)
	return a
}

// psaOffice is a tenant of the PSA tests: its owner and members by name ("name:role").
func (s flowsAPI) psaOffice(prefix string, members ...string) office {
	s.T.Helper()
	o := office{owner: s.Register(prefix + "-owner"), members: map[string]apitest.Account{}}
	for _, m := range members {
		name, role, _ := strings.Cut(m, ":")
		o.members[name] = s.member(o.owner, prefix+"-"+name, role)
	}
	return o
}

// connect creates a connection of owner's tenant to the fake and returns its id.
func (s flowsAPI) connect(owner apitest.Account, f *fakePSA) string {
	s.T.Helper()
	c := s.Must(201, "POST", "/api/v1/psa/connections", owner.Access, map[string]any{"provider": f.provider,
		"display_name": "Fake " + f.provider, "site_url": f.srv.URL, "company_id": "42", "credentials": f.creds})
	return c["id"].(string)
}

// pushed starts a session of a on a new published flow and pushes it to ticket through the
// connection; it returns the push.
func (s flowsAPI) pushed(a apitest.Account, connection, ticket string) map[string]any {
	s.T.Helper()
	flow := s.published(a, "Printer offline "+ticket, nil)
	session := s.session(a, flow)["id"].(string)
	return s.Must(201, "POST", "/api/v1/sessions/"+session+"/psa-pushes", a.Access,
		map[string]any{"connection_id": connection, "ticket_id": ticket})
}

// waitPush waits until one of a's pushes has status and returns it.
func (s flowsAPI) waitPush(a apitest.Account, id, status string) map[string]any {
	s.T.Helper()
	var p map[string]any
	apitest.WaitFor(s.T, "push "+id+" to be "+status, func() bool {
		p = s.Must(200, "GET", "/api/v1/psa-pushes/"+id, a.Access, nil)
		return p["status"] == status
	})
	return p
}

// noSecrets fails if any response body so far carried one of the values.
func noSecrets(t *testing.T, what string, body []byte, values []string) {
	t.Helper()
	for _, v := range values {
		if strings.Contains(string(body), v) {
			t.Errorf("%s shows the credential %q: %s", what, v, body)
		}
	}
}

func TestPSA(t *testing.T) {
	t.Parallel()
	srv := startPSA(t)
	var allSecrets []string
	for _, p := range []string{"connectwise", "autotask", "halopsa"} {
		for _, sfx := range []string{"1", "2", "a", "b", "x"} {
			allSecrets = append(allSecrets, secrets(fakeCreds(p, sfx))...)
		}
	}
	t.Cleanup(func() { // after every subtest: no credential in the service's log
		for _, v := range allSecrets {
			if strings.Contains(srv.Logs.String(), v) {
				t.Errorf("the service's log shows the credential %q", v)
			}
		}
	})

	// Admins manage connections; the credentials are sealed, bound to the tenant and connection, and
	// never shown; engineers (operators) get 403, another tenant 404.
	srv.run(t, "connections are for admins and never show credentials", func(t *testing.T, s flowsAPI) {
		o := s.psaOffice("conn", "eng:operator", "adm:admin")
		f := newFakePSA(t, "connectwise", fakeCreds("connectwise", "1"))
		r := s.Do("POST", "/api/v1/psa/connections", o.m("adm").Access, map[string]any{"provider": "connectwise",
			"display_name": "CW", "site_url": f.srv.URL, "credentials": f.creds})
		if r.Status != 201 || r.JSON(t)["credentials_set"] != true || r.JSON(t)["credentials_hint"] != "WXYZ" {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		noSecrets(t, "create", r.Body, secrets(f.creds))
		id := r.JSON(t)["id"].(string)
		for _, path := range []string{"/api/v1/psa/connections", "/api/v1/psa/connections/" + id} {
			g := s.Do("GET", path, o.owner.Access, nil)
			if g.Status != 200 {
				t.Fatalf("GET %s: %d", path, g.Status)
			}
			noSecrets(t, "GET "+path, g.Body, secrets(f.creds))
			if e := s.Do("GET", path, o.m("eng").Access, nil); e.Status != 403 {
				t.Errorf("an engineer GET %s: %d, want 403", path, e.Status)
			}
		}
		if e := s.Do("POST", "/api/v1/psa/connections", o.m("eng").Access, map[string]any{"provider": "connectwise",
			"display_name": "CW", "site_url": f.srv.URL, "credentials": f.creds}); e.Status != 403 {
			t.Errorf("an engineer creates a connection: %d, want 403", e.Status)
		}
		var raw []byte
		s.SuperRow(`SELECT credentials_enc FROM psa_connections WHERE id = $1`, []any{id}, &raw)
		for _, v := range append(secrets(f.creds), f.creds["public_key"], f.creds["company"]) {
			if strings.Contains(string(raw), v) {
				t.Errorf("the stored credentials contain %q in clear", v)
			}
		}
		other := s.Register("conn-other")
		sameAsRandom(t, "another tenant's connection", s.Do("GET", "/api/v1/psa/connections/"+id, other.Access, nil),
			s.Do("GET", "/api/v1/psa/connections/"+uuid.NewString(), other.Access, nil))
		if d := s.Do("DELETE", "/api/v1/psa/connections/"+id, other.Access, nil); d.Status != 404 {
			t.Errorf("another tenant deletes the connection: %d", d.Status)
		}
		// The test calls the PSA with the credentials; wrong ones fail without echoing them.
		if ok := s.Must(200, "POST", "/api/v1/psa/connections/"+id+"/test", o.owner.Access, nil); ok["ok"] != true {
			t.Errorf("test with the right credentials: %v", ok)
		}
		wrong := fakeCreds("connectwise", "x")
		up := s.Do("PATCH", "/api/v1/psa/connections/"+id, o.owner.Access, map[string]any{"credentials": wrong})
		noSecrets(t, "update", up.Body, secrets(wrong))
		bad := s.Do("POST", "/api/v1/psa/connections/"+id+"/test", o.owner.Access, nil)
		if b := bad.JSON(t); b["ok"] != false || b["status"] != float64(401) {
			t.Errorf("test with wrong credentials: %s", bad.Body)
		}
		noSecrets(t, "failed test", bad.Body, secrets(wrong))
		// Bad input: a public http URL, a private address literal, missing credentials.
		wantProblem(t, s.Do("POST", "/api/v1/psa/connections", o.owner.Access, map[string]any{"provider": "halopsa",
			"display_name": "H", "site_url": "http://halo.example.com", "credentials": fakeCreds("halopsa", "1")}), 422, "body.site_url")
		wantProblem(t, s.Do("POST", "/api/v1/psa/connections", o.owner.Access, map[string]any{"provider": "autotask",
			"display_name": "A", "site_url": "https://ws.autotask.net", "credentials": map[string]any{"username": "u"}}), 422,
			"body.credentials.secret")
		s.Must(204, "DELETE", "/api/v1/psa/connections/"+id, o.owner.Access, nil)
	})

	srv.run(t, "member mappings", func(t *testing.T, s flowsAPI) {
		o := s.psaOffice("map", "eng:operator")
		conn := s.connect(o.owner, newFakePSA(t, "halopsa", fakeCreds("halopsa", "1")))
		body := map[string]any{"connection_id": conn, "mappings": []any{
			map[string]any{"user_id": o.m("eng").UserID, "external_member_id": "17", "external_name": "Eng One"}}}
		got := s.Must(200, "PUT", "/api/v1/psa/member-mappings", o.owner.Access, body)
		if list := items(got); len(list) != 1 || list[0]["external_member_id"] != "17" || list[0]["email"] != o.m("eng").Email {
			t.Errorf("mappings: %v", got)
		}
		stranger := s.Register("map-stranger")
		wantProblem(t, s.Do("PUT", "/api/v1/psa/member-mappings", o.owner.Access, map[string]any{"connection_id": conn,
			"mappings": []any{map[string]any{"user_id": stranger.UserID, "external_member_id": "9"}}}), 422, "body.mappings")
		if r := s.Do("PUT", "/api/v1/psa/member-mappings", o.m("eng").Access, body); r.Status != 403 {
			t.Errorf("an engineer puts mappings: %d", r.Status)
		}
		if list := items(s.Must(200, "GET", "/api/v1/psa/member-mappings", stranger.Access, nil)); len(list) != 0 {
			t.Errorf("another tenant sees mappings: %v", list)
		}
	})

	// Each vendor's happy path: the note reaches the ticket with the vendor's authentication and
	// body, ends with the push's marker, and the push is sent with the PSA's note id.
	for _, provider := range []string{"connectwise", "autotask", "halopsa"} {
		srv.run(t, "push to "+provider, func(t *testing.T, s flowsAPI) {
			o := s.psaOffice("push-" + provider)
			f := newFakePSA(t, provider, fakeCreds(provider, "2"))
			p := s.pushed(o.owner, s.connect(o.owner, f), "4711")
			sent := s.waitPush(o.owner, p["id"].(string), "sent")
			notes := f.Notes()
			if len(notes) != 1 || notes[0].ticket != "4711" || !strings.Contains(notes[0].text, "Printer offline 4711") ||
				!strings.HasSuffix(notes[0].text, "Tenantry push "+p["id"].(string)) {
				t.Fatalf("notes: %+v", notes)
			}
			if sent["external_id"] != "1" || sent["attempts"] != float64(1) || sent["marker"] != "Tenantry push "+p["id"].(string) {
				t.Errorf("sent push: %v", sent)
			}
		})
	}

	// A failing PSA: the push backs off (doubling) and succeeds on the third attempt.
	srv.run(t, "failure backoff success", func(t *testing.T, s flowsAPI) {
		o := s.psaOffice("backoff")
		f := newFakePSA(t, "autotask", fakeCreds("autotask", "a"))
		f.set(func(f *fakePSA) { f.fail = 2 })
		p := s.pushed(o.owner, s.connect(o.owner, f), "100")
		sent := s.waitPush(o.owner, p["id"].(string), "sent")
		req := f.Requests()
		if len(req) != 3 || sent["attempts"] != float64(3) || len(f.Notes()) != 1 {
			t.Fatalf("requests %d, push %v", len(req), sent)
		}
		if gap := req[1].at.Sub(req[0].at); gap < 100*time.Millisecond {
			t.Errorf("first retry after %v, want the 100ms backoff", gap)
		}
		if gap := req[2].at.Sub(req[1].at); gap < 200*time.Millisecond {
			t.Errorf("second retry after %v, want the doubled 200ms backoff", gap)
		}
	})

	// 429 with Retry-After: the next attempt waits as long as the PSA asked, not the backoff.
	srv.run(t, "rate limit honours Retry-After", func(t *testing.T, s flowsAPI) {
		o := s.psaOffice("ratelimit")
		f := newFakePSA(t, "connectwise", fakeCreds("connectwise", "b"))
		f.set(func(f *fakePSA) { f.limit, f.retryAfter = 1, 2 })
		p := s.pushed(o.owner, s.connect(o.owner, f), "101")
		s.waitPush(o.owner, p["id"].(string), "sent")
		req := f.Requests()
		if len(req) != 2 || req[0].status != 429 {
			t.Fatalf("requests: %+v", req)
		}
		if gap := req[1].at.Sub(req[0].at); gap < 2*time.Second {
			t.Errorf("retried %v after a 429 with Retry-After: 2", gap)
		}
	})

	// A PSA that never answers: each attempt times out, the push is dead after the last one and
	// listed in the admins' outbox; only its owner may retry it (another member of the tenant and
	// another tenant get the 404 of a random id), after which it is sent.
	srv.run(t, "dead letter and owner-only retry", func(t *testing.T, s flowsAPI) {
		o := s.psaOffice("dead", "eng:operator", "adm:admin")
		f := newFakePSA(t, "halopsa", fakeCreds("halopsa", "a"))
		f.set(func(f *fakePSA) { f.hang = psaMaxAttempts })
		conn := s.connect(o.owner, f)
		p := s.pushed(o.m("eng"), conn, "102")
		id := p["id"].(string)
		dead := s.waitPush(o.m("eng"), id, "dead")
		if dead["attempts"] != float64(psaMaxAttempts) || !strings.Contains(dead["last_error"].(string), "did not answer in time") {
			t.Errorf("dead push: %v", dead)
		}
		if len(f.Requests()) != psaMaxAttempts || len(f.Notes()) != 0 {
			t.Errorf("%d requests, %d notes", len(f.Requests()), len(f.Notes()))
		}
		out := items(s.Must(200, "GET", "/api/v1/psa/outbox?status=dead", o.m("adm").Access, nil))
		if len(out) != 1 || out[0]["id"] != id {
			t.Errorf("dead outbox: %v", out)
		}
		if r := s.Do("GET", "/api/v1/psa/outbox", o.m("eng").Access, nil); r.Status != 403 {
			t.Errorf("an engineer reads the outbox: %d", r.Status)
		}
		other := s.Register("dead-other")
		for who, a := range map[string]apitest.Account{"another member (admin)": o.m("adm"), "the tenant's owner": o.owner, "another tenant": other} {
			sameAsRandom(t, who+" retries the push", s.Do("POST", "/api/v1/psa-pushes/"+id+"/retry", a.Access, nil),
				s.Do("POST", "/api/v1/psa-pushes/"+uuid.NewString()+"/retry", a.Access, nil))
			sameAsRandom(t, who+" reads the push", s.Do("GET", "/api/v1/psa-pushes/"+id, a.Access, nil),
				s.Do("GET", "/api/v1/psa-pushes/"+uuid.NewString(), a.Access, nil))
		}
		if got := s.waitPush(o.m("eng"), id, "dead"); got["attempts"] != float64(psaMaxAttempts) {
			t.Errorf("the refused retries changed the push: %v", got)
		}
		retried := s.Must(202, "POST", "/api/v1/psa-pushes/"+id+"/retry", o.m("eng").Access, nil)
		if retried["status"] != "pending" || retried["max_attempts"] != float64(2*psaMaxAttempts) {
			t.Errorf("retried push: %v", retried)
		}
		s.waitPush(o.m("eng"), id, "sent")
		if len(f.Notes()) != 1 {
			t.Errorf("notes after the retry: %d", len(f.Notes()))
		}
		wantProblem(t, s.Do("POST", "/api/v1/psa-pushes/"+id+"/retry", o.m("eng").Access, nil), 409, "")
		if list := items(s.Must(200, "GET", "/api/v1/sessions/"+p["session_id"].(string)+"/psa-pushes", o.m("eng").Access, nil)); len(list) != 1 {
			t.Errorf("the session's pushes: %v", list)
		}
	})

	// Pushing another member's session, or through another tenant's connection, is refused.
	srv.run(t, "push refusals", func(t *testing.T, s flowsAPI) {
		o := s.psaOffice("refuse", "eng:operator")
		other := s.Register("refuse-other")
		mine := s.connect(o.owner, newFakePSA(t, "connectwise", fakeCreds("connectwise", "1")))
		theirs := s.connect(other, newFakePSA(t, "connectwise", fakeCreds("connectwise", "2")))
		flow := s.published(o.owner, "Refusals", nil)
		session := s.session(o.owner, flow)["id"].(string)
		body := map[string]any{"connection_id": mine, "ticket_id": "5"}
		sameAsRandom(t, "another member pushes the owner's session", s.Do("POST", "/api/v1/sessions/"+session+"/psa-pushes", o.m("eng").Access, body),
			s.Do("POST", "/api/v1/sessions/"+uuid.NewString()+"/psa-pushes", o.m("eng").Access, body))
		wantProblem(t, s.Do("POST", "/api/v1/sessions/"+session+"/psa-pushes", o.owner.Access,
			map[string]any{"connection_id": theirs, "ticket_id": "5"}), 422, "body.connection_id")
		wantProblem(t, s.Do("POST", "/api/v1/sessions/"+session+"/psa-pushes", o.owner.Access,
			map[string]any{"connection_id": mine, "ticket_id": "T-5"}), 422, "body.ticket_id")
		if n := s.Count(`SELECT count(*) FROM psa_push_outbox WHERE source_id = $1`, session); n != 0 {
			t.Errorf("%d pushes written by refused requests", n)
		}
	})
}

// TestPSATwoTenants: the retry sweep crosses tenants only to list due pushes; each attempt runs in
// its push's tenant and uses that tenant's connection and credentials: each fake gets its own
// tenant's notes only.
func TestPSATwoTenants(t *testing.T) {
	t.Parallel()
	s := startPSA(t)
	a, b := s.Register("two-a"), s.Register("two-b")
	fa := newFakePSA(t, "connectwise", fakeCreds("connectwise", "a"))
	fb := newFakePSA(t, "connectwise", fakeCreds("connectwise", "b"))
	fa.set(func(f *fakePSA) { f.fail = 1 })
	fb.set(func(f *fakePSA) { f.fail = 1 })
	pa := s.pushed(a, s.connect(a, fa), "1")
	pb := s.pushed(b, s.connect(b, fb), "1")
	s.waitPush(a, pa["id"].(string), "sent")
	s.waitPush(b, pb["id"].(string), "sent")
	for _, c := range []struct {
		f          *fakePSA
		mine, them string
	}{{fa, pa["id"].(string), pb["id"].(string)}, {fb, pb["id"].(string), pa["id"].(string)}} {
		notes := c.f.Notes()
		if len(notes) != 1 || !strings.HasSuffix(notes[0].text, c.mine) || strings.Contains(notes[0].text, c.them) {
			t.Errorf("fake notes: %+v", notes)
		}
		if c.f.authFails != 0 || len(c.f.Requests()) != 2 {
			t.Errorf("fake saw %d requests, %d with other credentials", len(c.f.Requests()), c.f.authFails)
		}
	}
	if n := s.Count(`SELECT count(*) FROM psa_push_outbox WHERE tenant_id = $1`, a.TenantID); n != 1 {
		t.Errorf("tenant a has %d pushes", n)
	}
}
