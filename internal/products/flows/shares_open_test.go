package flows_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
)

// TestOpenShareOrder walks the access checks in the seed's order (404 unknown or revoked, 410
// expired, 401 account-only without a viewer, 403 viewer of another tenant) and then the
// successful opens: every refusal records and counts nothing; every success records one view,
// with the viewer's id only for a member of the share's tenant.
func TestOpenShareOrder(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	w.allowPublic(t, w.a, true)
	session := w.seedSession(t, w.a, w.a.tech, sessionSpec{})
	tech := w.as(t, w.a, w.a.tech)
	public := w.share(t, w.a, w.a.tech, session, flows.SharePublic)
	account := w.share(t, w.a, w.a.tech, session, flows.ShareAccount)
	revoked := w.share(t, w.a, w.a.tech, session, flows.ShareAccount)
	expired := w.share(t, w.a, w.a.tech, session, flows.ShareAccount)
	revokedExpired := w.share(t, w.a, w.a.tech, session, flows.ShareAccount)
	for _, sh := range []flows.NewShare{revoked, revokedExpired} {
		if err := w.svc.RevokeShare(tech, sh.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, sh := range []flows.NewShare{expired, revokedExpired} {
		w.exec(t, tech, `UPDATE flow_session_shares SET expires_at = created_at + interval '1 microsecond' WHERE tenant_id = $1 AND id = $2`,
			w.a.id.UUID(), sh.ID)
	}
	unknown, _ := auth.NewOpaque(auth.KindShare, [32]byte{9})
	anonymous, viewerA, techB := visitor(nil, nil), visitor(&w.a, &w.a.viewer), visitor(&w.b, &w.b.tech)
	signedInElsewhere := visitor(&w.b, &w.a.colleague) // a member of A, signed in to another tenant
	refusals := []struct {
		name  string
		token string
		v     flows.Visitor
		want  error
	}{
		{"malformed token", "not-a-token", viewerA, errs.ErrNotFound},
		{"unknown token", unknown.Token(), viewerA, errs.ErrNotFound},
		{"revoked", revoked.Token, viewerA, errs.ErrNotFound},
		{"revoked before expired", revokedExpired.Token, anonymous, errs.ErrNotFound},
		{"expired before login", expired.Token, anonymous, flows.ErrShareExpired},
		{"account, nobody signed in", account.Token, anonymous, flows.ErrShareNeedsLogin},
		{"account, member of another tenant", account.Token, techB, flows.ErrShareOtherAccount},
		{"account, signed in to another tenant", account.Token, signedInElsewhere, flows.ErrShareOtherAccount},
	}
	for _, c := range refusals {
		_, err := w.svc.OpenShare(t.Context(), c.token, c.v)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	wantKinds := map[error]errs.Kind{flows.ErrShareExpired: errs.Gone, flows.ErrShareNeedsLogin: errs.Unauthorized, flows.ErrShareOtherAccount: errs.Forbidden}
	for e, k := range wantKinds {
		if errs.KindOf(e) != k {
			t.Errorf("%v: kind %v, want %v", e, errs.KindOf(e), k)
		}
	}
	assertSameNotFound(t, w, "not-a-token", unknown.Token(), revoked.Token, revokedExpired.Token)
	for _, sh := range []flows.NewShare{public, account, revoked, expired, revokedExpired} {
		if n, rows := w.views(t, w.a, sh.ID); n != 0 || rows != 0 {
			t.Fatalf("share %s: %d counted, %d recorded after refusals only", sh.Name, n, rows)
		}
	}

	opens := []struct {
		name   string
		share  flows.NewShare
		v      flows.Visitor
		viewer uuid.NullUUID
	}{
		{"account, member", account, viewerA, uuid.NullUUID{UUID: w.a.viewer.id.UUID(), Valid: true}},
		{"public, anonymous", public, anonymous, uuid.NullUUID{}},
		{"public, member of another tenant: recorded anonymously", public, techB, uuid.NullUUID{}},
	}
	for _, c := range opens {
		before, _ := w.views(t, w.a, c.share.ID)
		c.v.IP = netip.MustParseAddr("192.0.2.7")
		if _, err := w.svc.OpenShare(t.Context(), c.share.Token, c.v); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n, _ := w.views(t, w.a, c.share.ID); n != before+1 {
			t.Errorf("%s: view_count %d, want %d", c.name, n, before+1)
		}
		var viewer uuid.NullUUID
		var ip, agent string
		err := w.db.Read(tech, func(q postgres.Querier) error {
			return q.QueryRow(tech, `SELECT viewer_id, host(viewer_ip), user_agent FROM flow_session_share_views
				WHERE tenant_id = $1 AND share_id = $2 ORDER BY viewed_at DESC, id DESC LIMIT 1`, w.a.id.UUID(), c.share.ID).Scan(&viewer, &ip, &agent)
		})
		if err != nil || viewer != c.viewer || ip != "192.0.2.7" || agent != "Mozilla/5.0 (test)" {
			t.Errorf("%s: view row viewer %v ip %q agent %q (%v), want viewer %v", c.name, viewer, ip, agent, err, c.viewer)
		}
	}
	if n := w.count(t, w.as(t, w.b, w.b.admin), `SELECT count(*) FROM flow_session_share_views`); n != 0 {
		t.Errorf("tenant B sees %d view rows", n)
	}
}

// assertSameNotFound checks that the tokens' refusals render as byte-identical problems.
func assertSameNotFound(t *testing.T, w *shareWorld, tokens ...string) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	var first []byte
	for _, tok := range tokens {
		_, err := w.svc.OpenShare(t.Context(), tok, visitor(nil, nil))
		body, _ := json.Marshal(httpapi.ProblemOf(t.Context(), log, err))
		if first == nil {
			first = body
		} else if string(body) != string(first) {
			t.Errorf("404 bodies differ: %s vs %s", body, first)
		}
	}
	if !strings.Contains(string(first), `"status":404`) {
		t.Errorf("problem %s, want a 404", first)
	}
}

// TestOpenSharePayload: the shared view comes from the session's snapshot and run, and carries
// no scratchpad, no variables (of the session or in its run), nothing of the snapshot beyond the
// graph's known fields, and nothing that names the owner.
func TestOpenSharePayload(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	w.allowPublic(t, w.a, true)
	sh := w.share(t, w.a, w.a.tech, w.seedSession(t, w.a, w.a.tech, sessionSpec{}), flows.SharePublic)
	view, err := w.svc.OpenShare(t.Context(), sh.Token, visitor(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(view)
	body := string(raw)
	for _, secret := range []string{"CANARY-SCRATCHPAD", "CANARY-VARIABLE", "CANARY-RUN-VARIABLE", "CANARY-SNAPSHOT-EXTRA",
		"admin_password", `"scratchpad"`, `"variables"`, `"user_id"`, w.a.tech.id.String(), w.a.tech.email, w.a.tech.name} {
		if strings.Contains(body, secret) {
			t.Errorf("the shared view carries %q: %s", secret, body)
		}
	}
	if view.Title != "Outlook does not start" || view.Description != "When Outlook hangs at the splash screen" || len(view.Graph.Nodes) != 3 ||
		view.TicketNumber != "T-4711" || view.ClientName != "Contoso" || view.ShareName != "for the client" || view.Visibility != "public" ||
		view.Status != "completed" || view.Outcome != "resolved" || view.StartedAt == nil || view.CompletedAt == nil {
		t.Errorf("view: %s", body)
	}
	if len(view.Path) != 2 || view.Path[0].NodeID != "q1" || view.Path[0].Title != "Does it start in safe mode?" || view.Path[1].NodeID != "r1" {
		t.Errorf("path: %+v", view.Path)
	}
	if len(view.Decisions) != 1 || view.Decisions[0].OptionID != "yes" || view.Decisions[0].Note != "safe mode worked" {
		t.Errorf("decisions: %+v", view.Decisions)
	}
	if len(view.CustomSteps) != 1 || view.CustomSteps[0].Title != "Checked the network cable" {
		t.Errorf("custom steps: %+v", view.CustomSteps)
	}
}

// TestOpenShareConcurrent: 20 concurrent opens count 20 views and write 20 view rows, each once.
func TestOpenShareConcurrent(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	w.allowPublic(t, w.a, true)
	sh := w.share(t, w.a, w.a.tech, w.seedSession(t, w.a, w.a.tech, sessionSpec{}), flows.SharePublic)
	const opens = 20
	var wg sync.WaitGroup
	errc := make(chan error, opens)
	for range opens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.OpenShare(t.Context(), sh.Token, visitor(nil, nil))
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, rows := w.views(t, w.a, sh.ID); n != opens || rows != opens {
		t.Errorf("view_count %d, view rows %d, want %d each", n, rows, opens)
	}
	var last int64
	ctx := w.as(t, w.a, w.a.tech)
	last = w.count(t, ctx, `SELECT count(*) FROM flow_session_shares WHERE tenant_id = $1 AND id = $2 AND last_viewed_at IS NOT NULL`, w.a.id.UUID(), sh.ID)
	if last != 1 {
		t.Errorf("last_viewed_at not set")
	}
}

// TestOpenShareUserAgent: a user agent with control characters, invalid UTF-8 or more than 512
// characters is cleaned and cut, never a reason to refuse the open.
func TestOpenShareUserAgent(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	sh := w.share(t, w.a, w.a.tech, w.seedSession(t, w.a, w.a.tech, sessionSpec{}), flows.ShareAccount)
	v := visitor(&w.a, &w.a.tech)
	v.UserAgent = "bad\x00agent\xff" + strings.Repeat("x", 600)
	if _, err := w.svc.OpenShare(t.Context(), sh.Token, v); err != nil {
		t.Fatal(err)
	}
	ctx := w.as(t, w.a, w.a.tech)
	n := w.count(t, ctx, `SELECT char_length(user_agent) FROM flow_session_share_views WHERE tenant_id = $1 AND share_id = $2`, w.a.id.UUID(), sh.ID)
	if n != 512 {
		t.Errorf("stored user agent of %d characters, want 512", n)
	}
}
