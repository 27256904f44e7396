package flows_test

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestCreateShare: the owner of a session creates a share link; the token is returned once, in
// the house format, and only its SHA-256 hash is stored; the creation is audited.
func TestCreateShare(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	session := w.seedSession(t, w.a, w.a.tech, sessionSpec{})
	expires := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Microsecond)
	ctx := w.as(t, w.a, w.a.tech)
	sh, err := w.svc.CreateShare(ctx, session, flows.ShareInput{Name: "  for Contoso  ", Visibility: flows.ShareAccount, ExpiresAt: &expires})
	if err != nil {
		t.Fatal(err)
	}
	if sh.SessionID != session || sh.Name != "for Contoso" || sh.Visibility != "account" || sh.ViewCount != 0 ||
		sh.ExpiresAt == nil || !sh.ExpiresAt.Equal(expires) {
		t.Errorf("share: %+v", sh.Share)
	}
	tok, err := auth.ParseOpaque(auth.KindShare, sh.Token)
	if err != nil || !strings.HasPrefix(sh.Token, "tnr_shr_") {
		t.Fatalf("token %q: %v", sh.Token, err)
	}
	if tok.Public == ([32]byte{}) || tok.Secret == ([32]byte{}) {
		t.Errorf("token payload is not random in both halves")
	}

	// Stored: the hash, never the token, in no column.
	var row string
	var hash []byte
	err = w.db.Read(ctx, func(q postgres.Querier) error {
		return q.QueryRow(ctx, `SELECT row_to_json(sh)::text, sh.token_hash FROM flow_session_shares sh WHERE sh.tenant_id = $1 AND sh.id = $2`,
			w.a.id.UUID(), sh.ID).Scan(&row, &hash)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := tok.Hash()
	if string(hash) != string(want[:]) || len(hash) != sha256.Size {
		t.Errorf("token_hash %x, want the SHA-256 %x", hash, want)
	}
	body := sh.Token[len("tnr_shr_"):]
	if strings.Contains(row, sh.Token) || strings.Contains(row, body[:20]) {
		t.Errorf("the stored row carries the token: %s", row)
	}

	n := w.count(t, ctx, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'share.create' AND target_id = $2
		AND details->>'session_id' = $3 AND details->>'visibility' = 'account'`, w.a.id.UUID(), sh.ID.String(), session.String())
	if n != 1 {
		t.Errorf("share.create audit rows: %d", n)
	}
}

// TestCreateShareChecks: the role comes first (a viewer gets 403 for any id, so learns nothing);
// then the input; then the session, which must be the caller's own (another user's, in the same
// tenant or another, is the same 404 as a random id); then the tenant's public-share policy.
// Nothing is written when a check fails.
func TestCreateShareChecks(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	mine := w.seedSession(t, w.a, w.a.tech, sessionSpec{})
	colleagues := w.seedSession(t, w.a, w.a.colleague, sessionSpec{})
	viewers := w.seedSession(t, w.a, w.a.viewer, sessionSpec{})
	otherTenants := w.seedSession(t, w.b, w.b.tech, sessionSpec{})
	tech := w.as(t, w.a, w.a.tech)
	account := flows.ShareInput{Visibility: flows.ShareAccount}
	past := time.Now().Add(-time.Minute)
	const roleMsg = "your role does not allow sharing sessions"
	cases := []struct {
		name    string
		session uuid.UUID
		in      flows.ShareInput
		as      shareMember
		want    error  // the exact error, or nil to match message
		message string // a part of the error
	}{
		{"viewer, own session", viewers, account, w.a.viewer, nil, roleMsg},
		{"viewer, random id", tenancy.NewID(), account, w.a.viewer, nil, roleMsg},
		{"viewer, colleague's session", colleagues, account, w.a.viewer, nil, roleMsg},
		{"colleague's session", colleagues, account, w.a.tech, errs.ErrNotFound, ""},
		{"admin, someone else's session", mine, account, w.a.admin, errs.ErrNotFound, ""},
		{"another tenant's session", otherTenants, account, w.a.tech, errs.ErrNotFound, ""},
		{"random id", tenancy.NewID(), account, w.a.tech, errs.ErrNotFound, ""},
		{"public, not allowed", mine, flows.ShareInput{Visibility: flows.SharePublic}, w.a.tech, flows.ErrPublicSharesOff, ""},
		{"bad visibility", mine, flows.ShareInput{Visibility: "team"}, w.a.tech, nil, "body.visibility"},
		{"expired already", mine, flows.ShareInput{Visibility: flows.ShareAccount, ExpiresAt: &past}, w.a.tech, nil, "body.expires_at"},
		{"name too long", mine, flows.ShareInput{Visibility: flows.ShareAccount, Name: strings.Repeat("n", 201)}, w.a.tech, nil, "body.name"},
	}
	for _, c := range cases {
		_, err := w.svc.CreateShare(w.as(t, w.a, c.as), c.session, c.in)
		switch {
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		case c.want == nil && (err == nil || !strings.Contains(errText(err), c.message)):
			t.Errorf("%s: %v, want %q", c.name, err, c.message)
		}
	}
	if got := errs.KindOf(mustErr(w.svc.CreateShare(w.as(t, w.a, w.a.viewer), viewers, account))); got != errs.Forbidden {
		t.Errorf("viewer: kind %v, want forbidden", got)
	}
	if n := w.count(t, tech, `SELECT count(*) FROM flow_session_shares WHERE tenant_id = $1`, w.a.id.UUID()); n != 0 {
		t.Errorf("%d shares written by refused requests", n)
	}

	// The policy allows public shares once the admin says so; account shares never needed it.
	w.allowPublic(t, w.a, true)
	if sh := w.share(t, w.a, w.a.tech, mine, flows.SharePublic); sh.Visibility != "public" {
		t.Errorf("public share: %+v", sh.Share)
	}
	// Tenant B's policy is its own: A allowing public shares does not let B create one.
	if _, err := w.svc.CreateShare(w.as(t, w.b, w.b.tech), otherTenants, flows.ShareInput{Visibility: flows.SharePublic}); !errors.Is(err, flows.ErrPublicSharesOff) {
		t.Errorf("tenant B public share: %v", err)
	}
}

func mustErr[T any](_ T, err error) error { return err }

// errText is an error's text with its field errors.
func errText(err error) string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	out := err.Error()
	for _, f := range e.Fields {
		out += " " + f.Location + ": " + f.Message
	}
	return out
}

// TestCreateShareTokenCollision: a token whose hash is taken is replaced by a new one, three
// tokens in all; the third collision is a conflict and writes nothing.
func TestCreateShareTokenCollision(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	session := w.seedSession(t, w.a, w.a.tech, sessionSpec{})
	ctx := w.as(t, w.a, w.a.tech)
	taken, err := auth.NewOpaque(auth.KindShare, [32]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := auth.NewOpaque(auth.KindShare, [32]byte{2})
	source := func(tokens ...auth.Opaque) (func() (auth.Opaque, error), *int) {
		calls := 0
		return func() (auth.Opaque, error) { calls++; return tokens[min(calls, len(tokens))-1], nil }, &calls
	}
	in := flows.ShareInput{Visibility: flows.ShareAccount}
	first, _ := source(taken)
	if _, err := w.svc.CreateShareWithTokens(ctx, session, in, first); err != nil {
		t.Fatal(err)
	}
	retry, calls := source(taken, taken, fresh)
	sh, err := w.svc.CreateShareWithTokens(ctx, session, in, retry)
	if err != nil || sh.Token != fresh.Token() || *calls != 3 {
		t.Fatalf("after two collisions: %v, %d tokens drawn, got the fresh one: %v", err, *calls, sh.Token == fresh.Token())
	}
	// Another tenant's session collides with A's token hash the same way, and learns nothing.
	stuck, calls := source(taken)
	other := w.seedSession(t, w.b, w.b.tech, sessionSpec{})
	_, err = w.svc.CreateShareWithTokens(w.as(t, w.b, w.b.tech), other, in, stuck)
	if errs.KindOf(err) != errs.Conflict || *calls != 3 {
		t.Fatalf("three collisions: %v after %d tokens, want a conflict after 3", err, *calls)
	}
	if strings.Contains(err.Error(), w.a.id.String()) {
		t.Errorf("conflict names tenant A: %v", err)
	}
	if n := w.count(t, w.as(t, w.b, w.b.tech), `SELECT count(*) FROM flow_session_shares WHERE tenant_id = $1`, w.b.id.UUID()); n != 0 {
		t.Errorf("tenant B has %d shares after the failed creation", n)
	}
	audits := w.count(t, ctx, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'share.create'`, w.a.id.UUID())
	if audits != 2 {
		t.Errorf("share.create audit rows: %d, want 2", audits)
	}
}

// TestListMyShares: the caller's shares that are not revoked, newest first, paged by cursor;
// never a colleague's or another tenant's; never a token.
func TestListMyShares(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	session := w.seedSession(t, w.a, w.a.tech, sessionSpec{})
	var ids []uuid.UUID
	for range 5 {
		ids = append(ids, w.share(t, w.a, w.a.tech, session, flows.ShareAccount).ID)
	}
	w.share(t, w.a, w.a.colleague, w.seedSession(t, w.a, w.a.colleague, sessionSpec{}), flows.ShareAccount)
	w.share(t, w.b, w.b.tech, w.seedSession(t, w.b, w.b.tech, sessionSpec{}), flows.ShareAccount)
	ctx := w.as(t, w.a, w.a.tech)
	if err := w.svc.RevokeShare(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	want := []uuid.UUID{ids[4], ids[3], ids[1], ids[0]} // newest first, the revoked one left out

	var got []uuid.UUID
	var after *flows.ShareKey
	for page := 0; page < 3; page++ {
		items, err := w.svc.ListMyShares(ctx, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		more := len(items) > 2 // the one extra item says that there is a next page
		if more {
			items = items[:2]
		}
		for _, sh := range items {
			got = append(got, sh.ID)
		}
		if !more {
			break
		}
		last := items[len(items)-1]
		after = &flows.ShareKey{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want %v", got, want)
		}
	}
	if items, err := w.svc.ListMyShares(w.as(t, w.a, w.a.viewer), 50, nil); err != nil || len(items) != 0 {
		t.Errorf("a member with no shares lists %d: %v", len(items), err)
	}
}

// TestRevokeShare: only the creator revokes (soft: revoked_at), audited; a colleague, an admin of
// the tenant, another tenant's member and a random id all get the same 404 and change nothing.
func TestRevokeShare(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	sh := w.share(t, w.a, w.a.tech, w.seedSession(t, w.a, w.a.tech, sessionSpec{}), flows.ShareAccount)
	for _, c := range []struct {
		name string
		tn   shareTenant
		m    shareMember
		id   uuid.UUID
	}{
		{"colleague", w.a, w.a.colleague, sh.ID}, {"admin", w.a, w.a.admin, sh.ID},
		{"other tenant", w.b, w.b.tech, sh.ID}, {"random id", w.a, w.a.tech, tenancy.NewID()},
	} {
		if err := w.svc.RevokeShare(w.as(t, c.tn, c.m), c.id); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s: %v, want the one NotFound", c.name, err)
		}
	}
	ctx := w.as(t, w.a, w.a.tech)
	if n := w.count(t, ctx, `SELECT count(*) FROM flow_session_shares WHERE tenant_id = $1 AND revoked_at IS NOT NULL`, w.a.id.UUID()); n != 0 {
		t.Fatalf("refused revocations revoked %d shares", n)
	}
	for range 2 { // revoking again succeeds, like the seed's
		if err := w.svc.RevokeShare(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.count(t, ctx, `SELECT count(*) FROM flow_session_shares WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NOT NULL`, w.a.id.UUID(), sh.ID); n != 1 {
		t.Errorf("share not revoked (soft): %d rows", n)
	}
	n := w.count(t, ctx, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'share.revoke' AND target_id = $2
		AND details->>'session_id' = $3`, w.a.id.UUID(), sh.ID.String(), sh.SessionID.String())
	if n != 2 {
		t.Errorf("share.revoke audit rows: %d, want 2", n)
	}
	if _, err := w.svc.OpenShare(t.Context(), sh.Token, visitor(&w.a, &w.a.tech)); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("revoked share opens: %v", err)
	}
}
