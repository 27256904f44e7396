package flows

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// csatTokenKind is the opaque-token kind of a satisfaction survey ("tnr_csat_…").
const csatTokenKind = "csat"

// MaxCSATCommentLen is the longest comment of a survey answer, in characters.
const MaxCSATCommentLen = 2000

// ErrCSATAnswered is the answer to a survey that has already been answered: one answer per token.
var ErrCSATAnswered = errs.E(errs.Conflict, "This survey has already been answered")

// CSATAnswer is the end user's answer to a session's satisfaction survey.
type CSATAnswer struct {
	Score   int    // 1 (very unhappy) to 5 (very happy)
	Comment string // optional, at most MaxCSATCommentLen characters
}

// validate normalizes and checks the answer.
func (a *CSATAnswer) validate() error {
	a.Comment = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(a.Comment, "\x00", ""), ""))
	if a.Score < 1 || a.Score > 5 {
		return errs.Invalidf("body.score", "must be 1 to 5")
	}
	if utf8.RuneCountInString(a.Comment) > MaxCSATCommentLen {
		return errs.Invalidf("body.comment", "at most %d characters", MaxCSATCommentLen)
	}
	return nil
}

// csatByToken finds a survey by the SHA-256 hash of its token, across tenants, while the survey's
// tenant is active. It reads only the survey's tenant and id; AnswerCSAT then writes the answer
// inside that tenant's scope. The migration grants the system role exactly these columns, and the
// token hash is unique across tenants (flow_csat_surveys_token_key, declared in
// cmd/tenantry/verify.go).
var csatByToken = postgres.Register(postgres.CrossTenant{
	Name: "flows.csat_by_token",
	Why:  "a satisfaction survey is answered without an account: the token hash names the survey's tenant, which then scopes the write",
	SQL: `SELECT c.tenant_id, c.id FROM flow_csat_surveys c JOIN tenants t ON t.id = c.tenant_id
WHERE c.token_hash = $1 AND t.status = 'active'`,
	Reads: map[string][]string{"flow_csat_surveys": {"tenant_id", "id", "token_hash"}, "tenants": {"id", "status"}},
})

// issueSurvey issues the satisfaction survey of a session that has just completed, in the
// completion's transaction: a token of 512 random bits (a random public part and a random secret),
// of which only the SHA-256 is stored. It returns the token, for the completion's answer only.
func issueSurvey(ctx context.Context, qs *store.Queries, tenant, session uuid.UUID, now time.Time) (string, error) {
	var public [32]byte
	_, _ = rand.Read(public[:]) // crypto/rand.Read never fails (it crashes the program instead)
	o, err := auth.NewOpaque(csatTokenKind, public)
	if err != nil {
		return "", err
	}
	hash := o.Hash()
	err = qs.InsertCSATSurvey(ctx, store.InsertCSATSurveyParams{TenantID: tenant, ID: tenancy.NewID(), SessionID: session,
		TokenHash: hash[:], IssuedAt: now})
	if err != nil {
		return "", fmt.Errorf("issue survey: %w", err)
	}
	return o.Token(), nil
}

// AnswerCSAT records the answer to a satisfaction survey, for anyone holding its token: no scope
// is needed in ctx. A malformed or unknown token (or one of a tenant that is not active) is
// NotFound; an answer out of range is Invalid, checked before the token is looked up; a survey
// that has been answered already is ErrCSATAnswered (409), whatever the new answer. The answer is
// written into the survey's row in the session's tenant, under a scope of that tenant whose
// principal is the survey (tenancy.PrincipalShare, the token holder), and audited there.
func (s *Service) AnswerCSAT(ctx context.Context, token string, a CSATAnswer) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("flows: answer survey: %w", err)
	}
	o, err := auth.ParseOpaque(csatTokenKind, token)
	if err != nil {
		return errs.ErrNotFound
	}
	hash := o.Hash()
	var tenant, id uuid.UUID
	err = s.db.CrossTenantRow(ctx, csatByToken, []any{hash[:]}, &tenant, &id)
	if errs.Is(err, errs.NotFound) {
		return errs.ErrNotFound
	} else if err != nil {
		return fmt.Errorf("flows: answer survey: %w", err)
	}
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(tenant),
		Principal: tenancy.Principal{Kind: tenancy.PrincipalShare, KeyID: id.String()}, Role: tenancy.RoleViewer})
	if err != nil {
		return fmt.Errorf("flows: answer survey: %w", err)
	}
	err = s.db.Tx(sctx, func(q postgres.Querier) error {
		p := store.AnswerCSATSurveyParams{Score: int16(a.Score), At: s.now().UTC(), TenantID: tenant, ID: id}
		if a.Comment != "" {
			p.Comment = &a.Comment
		}
		session, err := store.New(q).AnswerCSATSurvey(sctx, p)
		if postgres.IsNoRows(err) {
			return ErrCSATAnswered
		} else if err != nil {
			return err
		}
		return auditSession(sctx, q, "session.csat", session, map[string]any{"score": a.Score})
	})
	if err != nil {
		return fmt.Errorf("flows: answer survey: %w", err)
	}
	return nil
}
