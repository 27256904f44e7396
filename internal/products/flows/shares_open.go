package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The answers of OpenShare besides NotFound, in the seed's words.
var (
	ErrShareExpired      = errs.E(errs.Gone, "Share link has expired")
	ErrShareNeedsLogin   = errs.E(errs.Unauthorized, "This share requires authentication")
	ErrShareOtherAccount = errs.E(errs.Forbidden, "You don't have access to this session")
)

// maxUserAgentLen is the longest user agent recorded (flow_session_share_views.user_agent).
const maxUserAgentLen = 512

// untitled is the title of a shared session whose snapshot has none.
const untitled = "Untitled flow"

// Visitor is who opens a share link: the signed-in viewer, if any (from an optional access token:
// its user and the tenant it was issued for), and the client's address and user agent.
type Visitor struct {
	User      tenancy.UserID   // zero when nobody is signed in
	Tenant    tenancy.TenantID // the viewer's tenant; zero when nobody is signed in or the token has none
	IP        netip.Addr       // recorded when valid
	UserAgent string           // recorded, cleaned and cut to 512 characters
}

// SharedSession is the read-only view of a shared session, built from the session's snapshot of
// its flow version and its run. It never carries the scratchpad, the variables or anything that
// names the session's owner.
type SharedSession struct {
	Title        string             `json:"title"`
	Description  string             `json:"description"`
	Graph        graph.Graph        `json:"graph" doc:"The flow as it was when the session started"`
	Path         []graph.PathStep   `json:"path" doc:"Every node entered, in order"`
	Decisions    []graph.Decision   `json:"decisions"`
	CustomSteps  []graph.CustomStep `json:"custom_steps"`
	Status       string             `json:"status" enum:"prepared,active,completed,abandoned"`
	Outcome      string             `json:"outcome,omitempty" enum:"resolved,escalated,unresolved"`
	StartedAt    *time.Time         `json:"started_at,omitempty"`
	CompletedAt  *time.Time         `json:"completed_at,omitempty"`
	TicketNumber string             `json:"ticket_number"`
	ClientName   string             `json:"client_name"`
	ShareName    string             `json:"share_name"`
	Visibility   string             `json:"visibility" enum:"public,account"`
}

// OpenShare opens a share link by its token, for anyone: no scope is needed in ctx. The checks
// run in the seed's order: a token that is malformed, unknown or revoked is NotFound (one answer
// for all three); an expired share is ErrShareExpired (410); an account-only share needs a
// signed-in visitor (ErrShareNeedsLogin, 401) who is a member of the share's tenant, signed in to
// it (ErrShareOtherAccount, 403). Then, in one transaction in the share's tenant, the access is
// recorded (a view row whose viewer is the visitor only if a member of that tenant, else NULL)
// and counted (view_count + 1 in one UPDATE, so concurrent opens each count once), and the view
// is read from the session.
//
// The token is hashed and looked up with the registered cross-tenant query flows.share_by_token,
// which reads only the share's tenant and id; everything else runs under a scope of that tenant
// whose principal is the share (tenancy.PrincipalShare).
func (s *Service) OpenShare(ctx context.Context, token string, v Visitor) (SharedSession, error) {
	tenant, id, err := s.findShare(ctx, token)
	if err != nil {
		return SharedSession{}, err
	}
	principal := tenancy.Principal{Kind: tenancy.PrincipalShare, KeyID: id.String()}
	if !v.User.IsZero() && v.Tenant == tenant {
		principal.UserID = v.User
	}
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Principal: principal, Role: tenancy.RoleViewer})
	if err != nil {
		return SharedSession{}, fmt.Errorf("flows: open share: %w", err)
	}
	var out SharedSession
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		out, err = s.openShare(sctx, store.New(q), tenant.UUID(), id, v)
		return err
	})
	if err != nil {
		return SharedSession{}, fmt.Errorf("flows: open share: %w", err)
	}
	return out, nil
}

// findShare finds a share's tenant and id by its token, across tenants (shareByToken). A malformed
// token is NotFound without a lookup; so is an unknown one.
func (s *Service) findShare(ctx context.Context, token string) (tenancy.TenantID, uuid.UUID, error) {
	o, err := auth.ParseOpaque(auth.KindShare, token)
	if err != nil {
		return tenancy.TenantID{}, uuid.Nil, errs.ErrNotFound
	}
	hash := o.Hash()
	var tenant, id uuid.UUID
	err = s.db.CrossTenantRow(ctx, shareByToken, []any{hash[:]}, &tenant, &id)
	if errs.Is(err, errs.NotFound) {
		return tenancy.TenantID{}, uuid.Nil, errs.ErrNotFound
	} else if err != nil {
		return tenancy.TenantID{}, uuid.Nil, fmt.Errorf("flows: open share: %w", err)
	}
	return tenancy.TenantID(tenant), id, nil
}

// openShare runs OpenShare's checks and records in the share's tenant.
func (s *Service) openShare(ctx context.Context, st *store.Queries, tenant, id uuid.UUID, v Visitor) (SharedSession, error) {
	sh, err := st.ShareState(ctx, store.ShareStateParams{TenantID: tenant, ID: id})
	if postgres.IsNoRows(err) || err == nil && sh.RevokedAt != nil {
		return SharedSession{}, errs.ErrNotFound
	} else if err != nil {
		return SharedSession{}, err
	}
	now := s.now()
	if sh.ExpiresAt != nil && !now.Before(*sh.ExpiresAt) {
		return SharedSession{}, ErrShareExpired
	}
	member := false
	if !v.User.IsZero() && v.Tenant.UUID() == tenant {
		if member, err = st.IsMember(ctx, store.IsMemberParams{TenantID: tenant, UserID: v.User.UUID()}); err != nil {
			return SharedSession{}, err
		}
	}
	if sh.Visibility == ShareAccount && v.User.IsZero() {
		return SharedSession{}, ErrShareNeedsLogin
	}
	if sh.Visibility == ShareAccount && !member {
		return SharedSession{}, ErrShareOtherAccount
	}
	if err := recordView(ctx, st, tenant, id, sh.SessionID, member, v, now); err != nil {
		return SharedSession{}, err
	}
	r, err := st.SharedSession(ctx, store.SharedSessionParams{TenantID: tenant, ID: sh.SessionID})
	if err != nil {
		return SharedSession{}, err
	}
	return sharedSession(r, sh)
}

// recordView counts one access to an open share and writes its view row. The count is one
// conditional UPDATE: a share revoked or expired since it was read counts nothing and is NotFound.
func recordView(ctx context.Context, st *store.Queries, tenant, id, session uuid.UUID, member bool, v Visitor, now time.Time) error {
	_, err := st.CountShareView(ctx, store.CountShareViewParams{At: now, TenantID: tenant, ID: id})
	if postgres.IsNoRows(err) {
		return errs.ErrNotFound
	} else if err != nil {
		return err
	}
	p := store.InsertShareViewParams{TenantID: tenant, ID: tenancy.NewID(), ShareID: id, SessionID: session, ViewedAt: now}
	if member {
		p.ViewerID = uuid.NullUUID{UUID: v.User.UUID(), Valid: true}
	}
	if v.IP.IsValid() {
		ip := v.IP.Unmap()
		p.ViewerIp = &ip
	}
	if ua := cleanUserAgent(v.UserAgent); ua != "" {
		p.UserAgent = &ua
	}
	return st.InsertShareView(ctx, p)
}

// cleanUserAgent makes a user agent header storable: valid UTF-8 without NUL or other control
// characters (PostgreSQL text refuses NUL and invalid UTF-8), at most maxUserAgentLen characters.
func cleanUserAgent(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxUserAgentLen {
		s = string([]rune(s)[:maxUserAgentLen])
	}
	return s
}

// sharedSession builds the view from the session's row. The graph and the run's parts are decoded
// into the graph package's types, so only their known fields pass; the path gets the snapshot's
// node titles (graph.NewRecord, given no variables).
func sharedSession(r store.SharedSessionRow, sh store.ShareStateRow) (SharedSession, error) {
	var g graph.Graph
	var run graph.Run
	custom := []graph.CustomStep{}
	for _, part := range []struct {
		raw  []byte
		into any
	}{{r.Graph, &g}, {r.Path, &run.Path}, {r.Decisions, &run.Decisions}, {r.CustomSteps, &custom}} {
		if err := json.Unmarshal(part.raw, part.into); err != nil {
			return SharedSession{}, fmt.Errorf("decode shared session: %w", err)
		}
	}
	if g.Nodes == nil {
		g.Nodes = []graph.Node{}
	}
	if custom == nil {
		custom = []graph.CustomStep{}
	}
	rec := graph.NewRecord(g, run)
	out := SharedSession{Title: r.Title, Description: r.Description, Graph: g, Path: rec.Path, Decisions: rec.Decisions,
		CustomSteps: custom, Status: r.Status, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt,
		TicketNumber: r.TicketNumber, ClientName: r.ClientName, ShareName: sh.Name, Visibility: sh.Visibility}
	if out.Title == "" {
		out.Title = untitled
	}
	if r.Outcome != nil {
		out.Outcome = *r.Outcome
	}
	return out, nil
}
