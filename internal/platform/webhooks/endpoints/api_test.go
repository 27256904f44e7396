package endpoints_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/webhooks"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// disableAfter is the test server's TENANTRY_WEBHOOK_DISABLE_AFTER.
const disableAfter = 3

// startServer runs the service with its job runner, delivering to loopback receivers, with a short
// attempt timeout (the hanging receiver) and a low failure limit.
func startServer(t *testing.T) *apitest.Server {
	return apitest.StartWith(t, apitest.Options{Background: true, Unlimited: true, Configure: func(c *app.Config) {
		c.Webhooks.AllowPrivate = true
		c.Webhooks.Timeout = 300 * time.Millisecond
		c.Webhooks.DisableAfter = disableAfter
	}})
}

// endpoint registers r as an endpoint of owner's tenant for types and returns its id and secret.
func endpoint(s *apitest.Server, owner apitest.Account, r *receiver, types ...string) (string, string) {
	s.T.Helper()
	e := s.Must(201, "POST", "/api/v1/webhook-endpoints", owner.Access,
		map[string]any{"url": r.srv.URL + "/hook", "description": "receiver", "event_types": types})
	secret, _ := e["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || e["enabled"] != true {
		s.T.Fatalf("new endpoint: %v", e)
	}
	return e["id"].(string), secret
}

// deliveries returns the delivery log of an endpoint.
func deliveries(s *apitest.Server, owner apitest.Account, endpoint string) []map[string]any {
	s.T.Helper()
	page := s.Must(200, "GET", "/api/v1/webhook-deliveries?webhook_endpoint_id="+endpoint, owner.Access, nil)
	var out []map[string]any
	for _, it := range page["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// waitDelivery waits until the delivery's log entry satisfies cond and returns it.
func waitDelivery(s *apitest.Server, owner apitest.Account, id string, what string, cond func(map[string]any) bool) map[string]any {
	s.T.Helper()
	var d map[string]any
	apitest.WaitFor(s.T, what, func() bool {
		d = s.Must(200, "GET", "/api/v1/webhook-deliveries/"+id, owner.Access, nil)
		return cond(d)
	})
	return d
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	srv := startServer(t)

	// A delivery is signed with the endpoint's secret, which is shown once; the log records it.
	srv.Run(t, "signed delivery and secret shown once", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("ann")
		r := newReceiver(t)
		id, secret := endpoint(s, owner, r, webhooks.AuditEvent)
		apitest.WaitFor(t, "the creation ping", func() bool { return len(r.verified(secret, webhooks.Ping)) == 1 })
		key := s.Must(201, "POST", "/api/v1/api-keys", owner.Access, map[string]any{"name": "k1"})
		var got webhooks.Envelope
		apitest.WaitFor(t, "the audit event", func() bool {
			for _, h := range r.verified(secret, webhooks.AuditEvent) {
				if bytes.Contains(h.body, []byte(key["id"].(string))) {
					got = h.event
					if h.header.Get(webhooks.EventIDHeader) != got.ID || h.header.Get(webhooks.EventTypeHeader) != webhooks.AuditEvent {
						t.Errorf("headers %v for event %s", h.header, got.ID)
					}
					return true
				}
			}
			return false
		})
		if got.TenantID != owner.TenantID || !bytes.Contains(got.Data, []byte(`"action":"api_key.create"`)) {
			t.Errorf("audit event %+v", got)
		}
		if len(r.all()) != len(r.verified(secret, "")) {
			t.Error("a request did not verify with the endpoint's secret")
		}
		for _, path := range []string{"/api/v1/webhook-endpoints/" + id, "/api/v1/webhook-endpoints"} {
			if body := s.Do("GET", path, owner.Access, nil).Body; bytes.Contains(body, []byte(secret)) || bytes.Contains(body, []byte(`"secret"`)) {
				t.Errorf("%s shows the secret", path)
			}
		}
		if n := s.Count(`SELECT count(*) FROM webhook_endpoints WHERE id = $1 AND position($2::bytea IN secret_sealed) = 0`, id, []byte(secret)); n != 1 {
			t.Error("the secret is stored in the clear")
		}
		log := deliveries(s, owner, id)
		var pinged map[string]any
		for _, d := range log {
			if d["event_type"] == webhooks.Ping {
				pinged = d
			}
		}
		if len(log) < 3 || pinged == nil || pinged["status"] != "succeeded" || pinged["response_status"] != float64(204) ||
			pinged["attempts"] != float64(1) || pinged["duration_ms"] == nil {
			t.Errorf("delivery log %v", log)
		}
		// Rotation: a new secret, and the next delivery verifies with it only.
		rot := s.Must(200, "POST", "/api/v1/webhook-endpoints/"+id+"/rotate-secret", owner.Access, nil)
		fresh := rot["secret"].(string)
		if fresh == secret || !strings.HasPrefix(fresh, "whsec_") {
			t.Fatalf("rotated secret %q", fresh)
		}
		ping := s.Must(202, "POST", "/api/v1/webhook-endpoints/"+id+"/ping", owner.Access, nil)
		waitDelivery(s, owner, ping["id"].(string), "the ping", func(d map[string]any) bool { return d["status"] == "succeeded" })
		if len(r.verified(fresh, webhooks.Ping)) != 1 || len(r.verified(secret, webhooks.Ping)) != 1 {
			t.Error("after rotation the ping is not signed with the new secret only")
		}
		if m := s.Metrics(); !strings.Contains(m, `tenantry_webhook_deliveries_total{outcome="delivered"}`) {
			t.Errorf("metrics do not count the deliveries:\n%s", m)
		}
	})

	// A failed attempt is retried after the exponential backoff; the retry succeeds.
	srv.Run(t, "retry with backoff", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("bea")
		r := newReceiver(t)
		r.set("fail")
		id, secret := endpoint(s, owner, r, webhooks.MemberAdded)
		ping := deliveries(s, owner, id)[0]["id"].(string)
		d := waitDelivery(s, owner, ping, "a failed attempt", func(d map[string]any) bool { return d["attempts"] == float64(1) })
		if d["status"] != "pending" || d["response_status"] != float64(500) || !strings.Contains(d["last_error"].(string), "500") {
			t.Fatalf("after a failed attempt: %v", d)
		}
		backoff := webhooks.Backoff(uuid.MustParse(ping), 1)
		apitest.WaitFor(t, "River to schedule the retry", func() bool {
			return s.Count(`SELECT count(*) FROM river_job WHERE args->>'delivery_id' = $1 AND state = 'retryable'`, ping) == 1
		})
		n := s.Count(`SELECT count(*) FROM river_job WHERE args->>'delivery_id' = $1 AND state = 'retryable'
			AND scheduled_at - attempted_at BETWEEN $2::interval - interval '2 seconds' AND $2::interval + interval '2 seconds'`,
			ping, fmt.Sprintf("%d milliseconds", backoff.Milliseconds()))
		if n != 1 {
			t.Fatalf("the retry is not scheduled %s after the attempt", backoff)
		}
		next, _ := time.Parse(time.RFC3339Nano, d["next_attempt_at"].(string))
		if next.Before(time.Now().Add(backoff / 2)) {
			t.Errorf("next_attempt_at %s is not about %s ahead", next, backoff)
		}
		r.set("")
		s.SuperExec(`UPDATE river_job SET scheduled_at = now(), state = 'available' WHERE args->>'delivery_id' = $1`, ping) // skip the wait
		d = waitDelivery(s, owner, ping, "the retry", func(d map[string]any) bool { return d["status"] == "succeeded" })
		if d["attempts"] != float64(2) || d["response_status"] != float64(204) || len(r.verified(secret, webhooks.Ping)) != 2 {
			t.Errorf("after the retry: %v", d)
		}
		if e := s.Must(200, "GET", "/api/v1/webhook-endpoints/"+id, owner.Access, nil); e["consecutive_failures"] != float64(0) {
			t.Errorf("a success does not reset the failure count: %v", e)
		}
	})

	// An endpoint that does not answer within the timeout fails the attempt.
	srv.Run(t, "timeout", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("cid")
		r := newReceiver(t)
		r.set("hang")
		id, _ := endpoint(s, owner, r, webhooks.MemberAdded)
		ping := deliveries(s, owner, id)[0]["id"].(string)
		d := waitDelivery(s, owner, ping, "a timed-out attempt", func(d map[string]any) bool { return d["attempts"] == float64(1) })
		if d["status"] != "pending" || d["response_status"] != nil || !strings.Contains(strings.ToLower(d["last_error"].(string)), "timeout") {
			t.Errorf("after a timeout: %v", d)
		}
	})

	// disableAfter failures in a row disable the endpoint; it then gets nothing until re-enabled.
	srv.Run(t, "disable after failures", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("dot")
		r := newReceiver(t)
		r.set("fail")
		id, _ := endpoint(s, owner, r, webhooks.MemberAdded)
		for range disableAfter - 1 {
			s.Must(202, "POST", "/api/v1/webhook-endpoints/"+id+"/ping", owner.Access, nil)
		}
		apitest.WaitFor(t, "the endpoint to be disabled", func() bool {
			return s.Must(200, "GET", "/api/v1/webhook-endpoints/"+id, owner.Access, nil)["enabled"] == false
		})
		e := s.Must(200, "GET", "/api/v1/webhook-endpoints/"+id, owner.Access, nil)
		if e["consecutive_failures"] != float64(disableAfter) || !strings.Contains(e["disabled_reason"].(string), "consecutive") {
			t.Errorf("disabled endpoint: %v", e)
		}
		if n := s.Count(`SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'webhook_endpoint.disable' AND target_id = $2`, owner.TenantID, id); n != 1 {
			t.Errorf("%d audit rows for the disabling, want 1", n)
		}
		before := len(r.all())
		ping := s.Must(202, "POST", "/api/v1/webhook-endpoints/"+id+"/ping", owner.Access, nil)["id"].(string)
		d := waitDelivery(s, owner, ping, "the ping to fail", func(d map[string]any) bool { return d["status"] == "failed" })
		if !strings.Contains(d["last_error"].(string), "disabled") || len(r.all()) != before {
			t.Errorf("a disabled endpoint was called: %v", d)
		}
		r.set("")
		e = s.Must(200, "PATCH", "/api/v1/webhook-endpoints/"+id, owner.Access, map[string]any{"enabled": true})
		if e["enabled"] != true || e["consecutive_failures"] != float64(0) {
			t.Errorf("re-enabled: %v", e)
		}
		ping = s.Must(202, "POST", "/api/v1/webhook-endpoints/"+id+"/ping", owner.Access, nil)["id"].(string)
		waitDelivery(s, owner, ping, "a delivery after re-enabling", func(d map[string]any) bool { return d["status"] == "succeeded" })
	})

	// A replay sends the same event again as a new delivery.
	srv.Run(t, "replay", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("eve")
		r := newReceiver(t)
		id, secret := endpoint(s, owner, r, webhooks.MemberAdded)
		first := deliveries(s, owner, id)[0]
		waitDelivery(s, owner, first["id"].(string), "the ping", func(d map[string]any) bool { return d["status"] == "succeeded" })
		rep := s.Must(202, "POST", "/api/v1/webhook-deliveries/"+first["id"].(string)+"/replay", owner.Access, nil)
		if rep["replay_of"] != first["id"] || rep["event_id"] != first["event_id"] || rep["id"] == first["id"] {
			t.Fatalf("replay %v of %v", rep, first)
		}
		waitDelivery(s, owner, rep["id"].(string), "the replay", func(d map[string]any) bool { return d["status"] == "succeeded" })
		pings := r.verified(secret, webhooks.Ping)
		if len(pings) != 2 || pings[0].event.ID != pings[1].event.ID || !bytes.Equal(pings[0].body, pings[1].body) {
			t.Errorf("the receiver got %d pings, want the same event twice", len(pings))
		}
	})

	// A reservation made and cancelled reaches the endpoint as two events with the reservation.
	srv.Run(t, "reservation events", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("ida")
		r := newReceiver(t)
		_, secret := endpoint(s, owner, r, webhooks.ReservationCreated, webhooks.ReservationCancelled)
		site := s.Must(200, "GET", "/api/v1/sites", owner.Access, nil)["items"].([]any)[0].(map[string]any)["id"].(string)
		space := s.Must(201, "POST", "/api/v1/spaces", owner.Access, map[string]any{"site_id": site, "code": "W1"})["id"].(string)
		start := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Minute)
		res := s.Must(201, "POST", "/api/v1/reservations", owner.Access, map[string]any{"request_id": uuid.NewString(), "space_id": space,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)})["id"].(string)
		s.Must(200, "POST", "/api/v1/reservations/"+res+"/cancel", owner.Access, map[string]any{"reason": "plans changed"})
		for _, typ := range []string{webhooks.ReservationCreated, webhooks.ReservationCancelled} {
			apitest.WaitFor(t, typ, func() bool {
				for _, h := range r.verified(secret, typ) {
					if bytes.Contains(h.event.Data, []byte(`"id":"`+res+`"`)) && h.event.TenantID == owner.TenantID {
						return true
					}
				}
				return false
			})
		}
	})

	// Registration validates the URL and the event types; the roles and scopes hold.
	srv.Run(t, "validation and access", func(t *testing.T, s *apitest.Server) {
		owner := s.Register("fay")
		for _, body := range []map[string]any{
			{"url": "http://example.com/hook", "event_types": []string{webhooks.MemberAdded}},
			{"url": "ftp://127.0.0.1/hook", "event_types": []string{webhooks.MemberAdded}},
			{"url": "https://user:pw@example.com/hook", "event_types": []string{webhooks.MemberAdded}},
			{"url": "https://example.com/hook", "event_types": []string{"nope"}},
			{"url": "https://example.com/hook", "event_types": []string{}},
		} {
			if r := s.Do("POST", "/api/v1/webhook-endpoints", owner.Access, body); r.Status != 422 {
				t.Errorf("%v: %d, want 422", body, r.Status)
			}
		}
		_, key := s.CreateKey(owner, map[string]any{"name": "ro", "scopes": []string{"webhooks:read"}})
		body := map[string]any{"url": "https://example.com/hook", "event_types": []string{webhooks.MemberAdded}}
		if r := s.Do("POST", "/api/v1/webhook-endpoints", "", body, "X-API-Key", key["key"].(string)); r.Status != 403 {
			t.Errorf("a webhooks:read key registers an endpoint: %d", r.Status)
		}
		if r := s.Do("GET", "/api/v1/webhook-endpoints", "", nil, "X-API-Key", key["key"].(string)); r.Status != 200 {
			t.Errorf("a webhooks:read key lists endpoints: %d", r.Status)
		}
	})

	// Tenant B's endpoint never receives tenant A's events, and every operation on A's endpoint or
	// delivery answers B as for a random id.
	srv.Run(t, "cross-tenant", func(t *testing.T, s *apitest.Server) {
		a, b := s.Register("gus"), s.Register("hal")
		ra, rb := newReceiver(t), newReceiver(t)
		aID, aSecret := endpoint(s, a, ra, webhooks.AuditEvent, webhooks.MemberAdded)
		endpoint(s, b, rb, webhooks.AuditEvent, webhooks.MemberAdded)
		key := s.Must(201, "POST", "/api/v1/api-keys", a.Access, map[string]any{"name": "canary-a-key"})
		apitest.WaitFor(t, "A's audit event", func() bool {
			for _, h := range ra.verified(aSecret, webhooks.AuditEvent) {
				if bytes.Contains(h.body, []byte(key["id"].(string))) {
					return true
				}
			}
			return false
		})
		aDelivery := deliveries(s, a, aID)[0]["id"].(string)
		for _, h := range rb.all() {
			if h.event.TenantID != b.TenantID || bytes.Contains(h.body, []byte(a.TenantID)) || bytes.Contains(h.body, []byte("canary-a-key")) ||
				bytes.Contains(h.body, []byte(key["id"].(string))) {
				t.Errorf("B's endpoint received A's data: %s", h.body)
			}
		}
		random := uuid.NewString()
		ops := []struct{ method, path string }{
			{"GET", "/api/v1/webhook-endpoints/%s"}, {"PATCH", "/api/v1/webhook-endpoints/%s"}, {"DELETE", "/api/v1/webhook-endpoints/%s"},
			{"POST", "/api/v1/webhook-endpoints/%s/rotate-secret"}, {"POST", "/api/v1/webhook-endpoints/%s/ping"},
			{"GET", "/api/v1/webhook-deliveries/%s"}, {"POST", "/api/v1/webhook-deliveries/%s/replay"},
		}
		for _, op := range ops {
			target := aID
			if strings.Contains(op.path, "deliveries") {
				target = aDelivery
			}
			var body any
			if op.method == "PATCH" {
				body = map[string]any{"description": "taken over"}
			}
			foreign := s.Do(op.method, fmt.Sprintf(op.path, target), b.Access, body)
			missing := s.Do(op.method, fmt.Sprintf(op.path, random), b.Access, body)
			if foreign.Status != http.StatusNotFound || foreign.Fingerprint() != missing.Fingerprint() {
				t.Errorf("%s %s with A's id as B: %d, not the 404 of a random id", op.method, op.path, foreign.Status)
			}
		}
		list := s.Do("GET", "/api/v1/webhook-deliveries?webhook_endpoint_id="+aID, b.Access, nil)
		if list.Status != 200 || bytes.Contains(list.Body, []byte(aID)) || bytes.Contains(list.Body, []byte(aDelivery)) {
			t.Errorf("B's delivery log filtered by A's endpoint: %d %s", list.Status, list.Body)
		}
		if body := s.Do("GET", "/api/v1/webhook-endpoints", b.Access, nil).Body; bytes.Contains(body, []byte(aID)) {
			t.Error("B's endpoint list shows A's endpoint")
		}
		if e := s.Must(200, "GET", "/api/v1/webhook-endpoints/"+aID, a.Access, nil); e["description"] != "receiver" {
			t.Errorf("A's endpoint changed: %v", e)
		}
	})
}
