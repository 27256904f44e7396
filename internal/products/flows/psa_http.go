package flows

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// psaRoutes registers PSA push: connections, member mappings and the outbox are for admins and
// up (no API keys: the scope catalogue has no flows scopes); pushes are owner-only like sessions
// (operators and up; another member's session or push answers 404, retry included).
func (s *Service) psaRoutes(api huma.API, log *slog.Logger) {
	rt := httpapi.NewRoutes(api, log)
	psa, pushes := rt.Tag("PSA"), rt.Tag("Sessions")
	admin := httpapi.Admin("")
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleOperator}
	const nf, cf = http.StatusNotFound, http.StatusConflict
	const cid = "/api/v1/psa/connections/{id}"

	httpapi.Post(psa.Location(cid), "/api/v1/psa/connections", "create-psa-connection", admin,
		s.handleCreatePSAConnection, "Connect the tenant's PSA (credentials are sealed and never shown)", 201)
	httpapi.Get(psa, "/api/v1/psa/connections", "list-psa-connections", admin,
		s.handleListPSAConnections, "List PSA connections, newest first")
	httpapi.Get(psa, cid, "get-psa-connection", admin,
		s.handleGetPSAConnection, "Get a PSA connection", nf)
	httpapi.Patch(psa, cid, "update-psa-connection", admin,
		s.handleUpdatePSAConnection, "Change a PSA connection; new credentials replace the old ones", nf)
	httpapi.Delete(psa, cid, "delete-psa-connection", admin,
		s.handleDeletePSAConnection, "Delete a PSA connection with its member mappings and pushes", 204, nf)
	httpapi.Post(psa, cid+"/test", "test-psa-connection", admin,
		s.handleTestPSAConnection, "Call the PSA with the connection's credentials and report the outcome", 200, nf)
	httpapi.Get(psa, "/api/v1/psa/member-mappings", "list-psa-member-mappings", admin,
		s.handleListPSAMappings, "Members' ids in the tenant's PSAs")
	httpapi.Put(psa, "/api/v1/psa/member-mappings", "put-psa-member-mappings", admin,
		s.handlePutPSAMappings, "Replace the member mappings of one connection")
	httpapi.Get(psa, "/api/v1/psa/outbox", "list-psa-outbox", admin,
		s.handlePSAOutbox, "The tenant's PSA pushes, newest first, for operations")

	const push = "/api/v1/psa-pushes/{id}"
	httpapi.Post(pushes.Location(push), "/api/v1/sessions/{id}/psa-pushes", "push-session-to-psa", own,
		s.handlePushSession, "Queue a session's documentation as a note on a PSA ticket", 201, nf)
	httpapi.Get(pushes, "/api/v1/sessions/{id}/psa-pushes", "list-session-psa-pushes", own,
		s.handleListSessionPushes, "Your pushes of a session to a PSA, newest first, with their state", nf)
	httpapi.Get(pushes, push, "get-psa-push", own,
		s.handleGetPush, "Get one of your PSA pushes", nf)
	httpapi.Post(pushes, push+"/retry", "retry-psa-push", own,
		s.handleRetryPush, "Queue one of your failed or dead PSA pushes again", 202, nf, cf)
}

// PSAConnectionBody is a new connection.
type PSAConnectionBody struct {
	Provider    string         `json:"provider" enum:"connectwise,autotask,halopsa"`
	DisplayName string         `json:"display_name" minLength:"1" maxLength:"200" example:"ConnectWise (production)"`
	SiteURL     string         `json:"site_url" format:"uri" minLength:"1" maxLength:"2048" example:"https://api-na.myconnectwise.net" doc:"https; http only to a loopback host where the server allows private addresses"`
	CompanyID   string         `json:"company_id,omitempty" maxLength:"200"`
	Credentials PSACredentials `json:"credentials" doc:"The provider's credentials (see each field); sealed, never returned"`
	Active      *bool          `json:"active,omitempty" doc:"Default true"`
}

// CreatePSAConnectionInput creates a connection.
type CreatePSAConnectionInput struct {
	Body PSAConnectionBody
}

// PSAConnectionOutput is one connection.
type PSAConnectionOutput struct {
	Body PSAConnection
}

func (s *Service) handleCreatePSAConnection(ctx context.Context, in *CreatePSAConnectionInput) (*PSAConnectionOutput, error) {
	b := in.Body
	c, err := s.CreatePSAConnection(ctx, PSAConnectionInput{Provider: b.Provider, DisplayName: &b.DisplayName, SiteURL: &b.SiteURL,
		CompanyID: &b.CompanyID, Credentials: &b.Credentials, Active: b.Active})
	return &PSAConnectionOutput{Body: c}, err
}

// ListPSAConnectionsInput pages the connections.
type ListPSAConnectionsInput struct {
	httpapi.PageInput
}

// PSAConnectionPage is a page of connections.
type PSAConnectionPage struct {
	Body httpapi.Page[PSAConnection]
}

func (s *Service) handleListPSAConnections(ctx context.Context, in *ListPSAConnectionsInput) (*PSAConnectionPage, error) {
	key := func(c PSAConnection) PSAConnectionKey { return PSAConnectionKey{c.CreatedAt, c.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *PSAConnectionKey) ([]PSAConnection, error) {
		return s.ListPSAConnections(ctx, size+1, after)
	})
	return &PSAConnectionPage{Body: page}, err
}

func (s *Service) handleGetPSAConnection(ctx context.Context, in *httpapi.IDInput) (*PSAConnectionOutput, error) {
	c, err := s.GetPSAConnection(ctx, in.ID)
	return &PSAConnectionOutput{Body: c}, err
}

// UpdatePSAConnectionInput changes a connection; members left out are unchanged.
type UpdatePSAConnectionInput struct {
	httpapi.IDInput
	Body struct {
		DisplayName *string         `json:"display_name,omitempty" minLength:"1" maxLength:"200"`
		SiteURL     *string         `json:"site_url,omitempty" format:"uri" minLength:"1" maxLength:"2048"`
		CompanyID   *string         `json:"company_id,omitempty" maxLength:"200"`
		Credentials *PSACredentials `json:"credentials,omitempty" doc:"New credentials, whole; checked against the connection's provider"`
		Active      *bool           `json:"active,omitempty"`
	}
}

func (s *Service) handleUpdatePSAConnection(ctx context.Context, in *UpdatePSAConnectionInput) (*PSAConnectionOutput, error) {
	b := in.Body
	c, err := s.UpdatePSAConnection(ctx, in.ID, PSAConnectionInput{DisplayName: b.DisplayName, SiteURL: b.SiteURL, CompanyID: b.CompanyID,
		Credentials: b.Credentials, Active: b.Active})
	return &PSAConnectionOutput{Body: c}, err
}

func (s *Service) handleDeletePSAConnection(ctx context.Context, in *httpapi.IDInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.DeletePSAConnection(ctx, in.ID)
}

// PSATestOutput is a connection test's outcome.
type PSATestOutput struct {
	Body PSATestResult
}

func (s *Service) handleTestPSAConnection(ctx context.Context, in *httpapi.IDInput) (*PSATestOutput, error) {
	r, err := s.TestPSAConnection(ctx, in.ID)
	return &PSATestOutput{Body: r}, err
}

// ListPSAMappingsInput filters the member mappings.
type ListPSAMappingsInput struct {
	ConnectionID string `query:"connection_id" format:"uuid" doc:"Only this connection's mappings"`
}

// PSAMappingsOutput is a list of member mappings.
type PSAMappingsOutput struct {
	Body struct {
		Items []PSAMemberMapping `json:"items" nullable:"false"`
	}
}

func (s *Service) handleListPSAMappings(ctx context.Context, in *ListPSAMappingsInput) (*PSAMappingsOutput, error) {
	var conn *uuid.UUID
	if in.ConnectionID != "" {
		id, err := uuid.Parse(in.ConnectionID)
		if err != nil {
			return nil, errs.Invalidf("query.connection_id", "must be a UUID")
		}
		conn = &id
	}
	list, err := s.ListPSAMemberMappings(ctx, conn)
	out := &PSAMappingsOutput{}
	out.Body.Items = list
	return out, err
}

// PSAMappingInput is one member's id in the PSA.
type PSAMappingInput struct {
	UserID           uuid.UUID `json:"user_id" doc:"A member of the tenant"`
	ExternalMemberID string    `json:"external_member_id" minLength:"1" maxLength:"200" doc:"The member's id in the PSA"`
	ExternalName     string    `json:"external_name,omitempty" maxLength:"200"`
}

// PutPSAMappingsInput replaces one connection's mappings.
type PutPSAMappingsInput struct {
	Body struct {
		ConnectionID uuid.UUID         `json:"connection_id"`
		Mappings     []PSAMappingInput `json:"mappings" maxItems:"1000" nullable:"false"`
	}
}

func (s *Service) handlePutPSAMappings(ctx context.Context, in *PutPSAMappingsInput) (*PSAMappingsOutput, error) {
	ms := make([]PSAMemberMapping, 0, len(in.Body.Mappings))
	for _, m := range in.Body.Mappings {
		ms = append(ms, PSAMemberMapping{UserID: m.UserID, ExternalMemberID: m.ExternalMemberID, ExternalName: m.ExternalName})
	}
	list, err := s.PutPSAMemberMappings(ctx, in.Body.ConnectionID, ms)
	out := &PSAMappingsOutput{}
	out.Body.Items = list
	return out, err
}

// PSAOutboxInput filters and pages the outbox.
type PSAOutboxInput struct {
	httpapi.PageInput
	Status string `query:"status" enum:"pending,sent,failed,dead" doc:"Only pushes in this state"`
}

// PSAPushPage is a page of pushes.
type PSAPushPage struct {
	Body httpapi.Page[PSAPush]
}

func pushKey(p PSAPush) PushKey { return PushKey{p.CreatedAt, p.ID} }

func (s *Service) handlePSAOutbox(ctx context.Context, in *PSAOutboxInput) (*PSAPushPage, error) {
	page, err := httpapi.List(in.PageInput, pushKey, func(size int, after *PushKey) ([]PSAPush, error) {
		return s.PSAOutbox(ctx, in.Status, size+1, after)
	})
	return &PSAPushPage{Body: page}, err
}

// PushSessionInput queues a push of one of the caller's sessions.
type PushSessionInput struct {
	httpapi.IDInput
	Body struct {
		ConnectionID uuid.UUID `json:"connection_id" doc:"An active PSA connection of the tenant"`
		TicketID     string    `json:"ticket_id" minLength:"1" maxLength:"18" pattern:"^[0-9]+$" example:"48213" doc:"The ticket's number in the PSA"`
		Format       string    `json:"format,omitempty" enum:"md,txt" doc:"The documentation's format (default md)"`
	}
}

// PSAPushOutput is one push.
type PSAPushOutput struct {
	Body PSAPush
}

func (s *Service) handlePushSession(ctx context.Context, in *PushSessionInput) (*PSAPushOutput, error) {
	b := in.Body
	p, err := s.PushSession(ctx, in.ID, PushInput{ConnectionID: b.ConnectionID, TicketID: b.TicketID, Format: b.Format})
	return &PSAPushOutput{Body: p}, err
}

// ListSessionPushesInput pages a session's pushes.
type ListSessionPushesInput struct {
	httpapi.IDInput
	httpapi.PageInput
}

func (s *Service) handleListSessionPushes(ctx context.Context, in *ListSessionPushesInput) (*PSAPushPage, error) {
	page, err := httpapi.List(in.PageInput, pushKey, func(size int, after *PushKey) ([]PSAPush, error) {
		return s.ListSessionPushes(ctx, in.ID, size+1, after)
	})
	return &PSAPushPage{Body: page}, err
}

func (s *Service) handleGetPush(ctx context.Context, in *httpapi.IDInput) (*PSAPushOutput, error) {
	p, err := s.GetPush(ctx, in.ID)
	return &PSAPushOutput{Body: p}, err
}

func (s *Service) handleRetryPush(ctx context.Context, in *httpapi.IDInput) (*PSAPushOutput, error) {
	p, err := s.RetryPush(ctx, in.ID)
	return &PSAPushOutput{Body: p}, err
}
