package flows

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Share visibilities: who may open a share link besides its holder's knowledge of the token.
const (
	SharePublic  = "public"  // anyone holding the link (the tenant must allow it: FlowsSettings.AllowPublicShares)
	ShareAccount = "account" // members of the share's tenant, signed in
)

// MaxShareNameLen is the longest share name, in characters.
const MaxShareNameLen = 200

// shareTokenAttempts is how often CreateShare draws a new token when the last one's hash is taken.
const shareTokenAttempts = 3

// ErrPublicSharesOff is the 403 of a public share in a tenant that does not allow them.
var ErrPublicSharesOff = errs.E(errs.Forbidden, "Your organization does not allow public session sharing. Use account-only visibility.")

// errShareRole is the 403 of a caller whose role may not create share links.
var errShareRole = errs.E(errs.Forbidden, "your role does not allow sharing sessions")

// Share is a share link as its creator sees it. It never carries the token, which only its
// creation returns (NewShare).
type Share struct {
	ID           uuid.UUID  `json:"id"`
	SessionID    uuid.UUID  `json:"session_id"`
	Name         string     `json:"name"`
	Visibility   string     `json:"visibility" enum:"public,account"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	ViewCount    int64      `json:"view_count"`
	LastViewedAt *time.Time `json:"last_viewed_at,omitempty"`
}

// NewShare is a share link just created, with its token. The token is shown only this once: the
// service keeps its SHA-256 hash only.
type NewShare struct {
	Share
	Token string `json:"token" doc:"The share link's token, shown only now; open it with GET /api/v1/share/{token}"`
	URL   string `json:"url" format:"uri" doc:"The link to hand to a person: the console's page for the token, <public URL>/s/{token}; shown only now"`
}

// ShareInput is what a share link is created with.
type ShareInput struct {
	Name       string     // optional, at most MaxShareNameLen characters
	Visibility string     // SharePublic or ShareAccount
	ExpiresAt  *time.Time // optional; must be in the future
}

// ShareKey is the sort key of the "my shares" list (newest first), carried in its cursor.
type ShareKey struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"i"`
}

// CreateShare creates a share link of one of the caller's sessions and returns it with its token.
// The checks run in this order: the caller's role (operator or above, else Forbidden: it does not
// depend on the session, so a viewer learns nothing about which sessions exist); the input
// (Invalid); the session, which must be the caller's own (another user's session, in this tenant
// or another, is NotFound exactly like a random id); a public share needs the tenant's
// allow_public_shares (ErrPublicSharesOff). The share and its audit record (share.create) are
// written in one transaction.
func (s *Service) CreateShare(ctx context.Context, sessionID uuid.UUID, in ShareInput) (NewShare, error) {
	return s.createShare(ctx, sessionID, in, newShareToken)
}

// createShare is CreateShare with the token source given, so that a test can make tokens collide.
// A token whose hash is already stored (flow_session_shares_token_key) is replaced by a new one,
// shareTokenAttempts times in all.
func (s *Service) createShare(ctx context.Context, sessionID uuid.UUID, in ShareInput, token func() (auth.Opaque, error)) (NewShare, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return NewShare{}, err
	}
	if !sc.Role.AtLeast(tenancy.RoleOperator) {
		return NewShare{}, errShareRole
	}
	if err := in.validate(s.now()); err != nil {
		return NewShare{}, err
	}
	for attempt := 1; ; attempt++ {
		tok, err := token()
		if err != nil {
			return NewShare{}, fmt.Errorf("flows: create share: %w", err)
		}
		out, err := s.insertShare(ctx, sc, sessionID, in, tok)
		if err == nil || !tokenTaken(err) || attempt == shareTokenAttempts {
			return out, err
		}
	}
}

// insertShare runs one attempt of CreateShare in its own transaction.
func (s *Service) insertShare(ctx context.Context, sc tenancy.Scope, sessionID uuid.UUID, in ShareInput, tok auth.Opaque) (NewShare, error) {
	var out NewShare
	err := s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		tenant, user := sc.Tenant.UUID(), sc.Principal.UserID.UUID()
		_, err := st.OwnSession(ctx, store.OwnSessionParams{TenantID: tenant, ID: sessionID, UserID: user})
		if postgres.IsNoRows(err) {
			return errs.ErrNotFound
		} else if err != nil {
			return err
		}
		if in.Visibility == SharePublic {
			if err := publicSharesAllowed(ctx, st, tenant); err != nil {
				return err
			}
		}
		hash := tok.Hash()
		r, err := st.InsertShare(ctx, store.InsertShareParams{TenantID: tenant, ID: tenancy.NewID(), SessionID: sessionID,
			TokenHash: hash[:], Name: in.Name, Visibility: in.Visibility, CreatedBy: user, ExpiresAt: in.ExpiresAt})
		if err != nil {
			return err
		}
		out = NewShare{Share: Share(r), Token: tok.Token(), URL: s.shareURL(tok.Token())}
		return audit.Record(ctx, q, audit.Event{Action: "share.create", TargetType: "session_share", TargetID: r.ID.String(),
			Details: map[string]any{"session_id": sessionID.String(), "visibility": in.Visibility}})
	})
	if err != nil {
		return NewShare{}, fmt.Errorf("flows: create share: %w", err)
	}
	return out, nil
}

// publicSharesAllowed returns ErrPublicSharesOff unless the tenant allows public share links.
func publicSharesAllowed(ctx context.Context, st *store.Queries, tenant uuid.UUID) error {
	set, err := st.GetSettings(ctx, tenant)
	if err != nil && !postgres.IsNoRows(err) {
		return err
	}
	if !set.AllowPublicShares { // no settings row: the default, which is false
		return ErrPublicSharesOff
	}
	return nil
}

// tokenTaken reports whether err is the unique violation of a share token's hash.
func tokenTaken(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "flow_session_shares_token_key"
}

// newShareToken returns a new share-link token in the house opaque format (auth.Opaque, kind
// "shr": "tnr_shr_" + 92 base62 characters, URL-safe), with both halves of its payload random:
// 512 random bits, beyond the 384 the seed's tokens have. Its hash is what is stored and looked up.
func newShareToken() (auth.Opaque, error) {
	var public [32]byte
	_, _ = rand.Read(public[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return auth.NewOpaque(auth.KindShare, public)
}

// validate normalizes and checks the input against now.
func (in *ShareInput) validate(now time.Time) error {
	in.Name = strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(in.Name) > MaxShareNameLen {
		return errs.Invalidf("body.name", "at most %d characters", MaxShareNameLen)
	}
	if in.Visibility != SharePublic && in.Visibility != ShareAccount {
		return errs.Invalidf("body.visibility", "must be public or account")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return errs.Invalidf("body.expires_at", "must be in the future")
	}
	return nil
}

// ListMyShares returns up to size+1 of the caller's share links that are not revoked, newest
// first, after the key of the previous page (nil for the first); see httpapi.List. Only shares the
// caller created are listed, whoever owns their sessions now; tokens are never listed.
func (s *Service) ListMyShares(ctx context.Context, size int, after *ShareKey) ([]Share, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListMySharesParams{TenantID: sc.Tenant.UUID(), UserID: sc.Principal.UserID.UUID(), Lim: int32(size + 1)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var rows []store.ListMySharesRow
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err = store.New(q).ListMyShares(ctx, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list my shares: %w", err)
	}
	out := make([]Share, len(rows))
	for i, r := range rows {
		out[i] = Share(r)
	}
	return out, nil
}

// RevokeShare revokes a share link the caller created (soft: revoked_at), audited as share.revoke.
// A share created by anyone else, in this tenant or another, is NotFound exactly like a random id.
// Revoking a revoked share succeeds again and keeps the first revocation time.
func (s *Service) RevokeShare(ctx context.Context, id uuid.UUID) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		session, err := store.New(q).RevokeShare(ctx, store.RevokeShareParams{TenantID: sc.Tenant.UUID(), ID: id, UserID: sc.Principal.UserID.UUID()})
		if postgres.IsNoRows(err) {
			return errs.ErrNotFound
		} else if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "share.revoke", TargetType: "session_share", TargetID: id.String(),
			Details: map[string]any{"session_id": session.String()}})
	})
	if err != nil {
		return fmt.Errorf("flows: revoke share: %w", err)
	}
	return nil
}
