package flows

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// CreateShareInput creates a share link of one of the caller's sessions.
type CreateShareInput struct {
	SessionID string `path:"id" format:"uuid" doc:"The session's id; another user's session answers 404 like a random id"`
	Body      struct {
		Name       string     `json:"name,omitempty" maxLength:"200" doc:"A name to recognise the link by"`
		Visibility string     `json:"visibility" enum:"public,account" doc:"public: anyone with the link (if the tenant allows it); account: signed-in members of this tenant"`
		ExpiresAt  *time.Time `json:"expires_at,omitempty" doc:"When the link stops working (410); must be in the future"`
	}
}

// NewShareOutput is a new share link with its token, shown only in this response.
type NewShareOutput struct {
	Body NewShare
}

func (s *Service) handleCreateShare(ctx context.Context, in *CreateShareInput) (*NewShareOutput, error) {
	id, err := uuid.Parse(in.SessionID)
	if err != nil {
		return nil, errs.ErrNotFound
	}
	b := in.Body
	sh, err := s.CreateShare(ctx, id, ShareInput{Name: b.Name, Visibility: b.Visibility, ExpiresAt: b.ExpiresAt})
	if err != nil {
		return nil, err
	}
	return &NewShareOutput{Body: sh}, nil
}

// ListMySharesInput pages the caller's share links.
type ListMySharesInput struct {
	httpapi.PageInput
}

// SharePage is a page of the caller's share links, newest first.
type SharePage struct {
	Body httpapi.Page[Share]
}

func (s *Service) handleListMyShares(ctx context.Context, in *ListMySharesInput) (*SharePage, error) {
	key := func(sh Share) ShareKey { return ShareKey{CreatedAt: sh.CreatedAt, ID: sh.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *ShareKey) ([]Share, error) {
		return s.ListMyShares(ctx, size, after)
	})
	return &SharePage{Body: page}, err
}

func (s *Service) handleRevokeShare(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.RevokeShare(ctx, in.ID)
}

// OpenShareInput opens a share link. An access token (Authorization: Bearer) is optional: it
// identifies a signed-in viewer, needed for account-only links; an invalid one is ignored.
type OpenShareInput struct {
	Token     string `path:"token" doc:"The share link's token"`
	UserAgent string `header:"User-Agent" doc:"Recorded with the view"`
}

// SharedSessionOutput is the read-only view of a shared session.
type SharedSessionOutput struct {
	Body SharedSession
}

func (s *Service) handleOpenShare(ctx context.Context, in *OpenShareInput) (*SharedSessionOutput, error) {
	v := Visitor{IP: tenancy.RequestFrom(ctx).IP, UserAgent: in.UserAgent}
	if c, ok := httpapi.ViewerFrom(ctx); ok {
		v.User, v.Tenant = c.Principal.UserID, c.Tenant
	}
	view, err := s.OpenShare(ctx, in.Token, v)
	if err != nil {
		return nil, err
	}
	return &SharedSessionOutput{Body: view}, nil
}
