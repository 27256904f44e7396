package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// PSAConfig tunes PSA push; zero values take the defaults.
type PSAConfig struct {
	// AllowPrivate admits PSA sites on loopback, private and reserved addresses, and http:// to a
	// loopback host (development and tests); the binary sets it from TENANTRY_WEBHOOK_ALLOW_PRIVATE.
	AllowPrivate bool
	Timeout      time.Duration // one call to a PSA, connection to answer; default 15 s
	MaxAttempts  int           // attempts before a push is dead; default 8
	Backoff      time.Duration // wait after the first failed attempt, doubled after each, at most 6 h; default 1 minute
	RetryEvery   time.Duration // how often the retry sweep (psa.retry) runs; default 1 minute
	// Lease is how long an attempt may be in flight before the sweep makes it again (its worker
	// died); default Timeout + 1 minute.
	Lease time.Duration
}

// The defaults of PSAConfig.
const (
	DefaultPSATimeout     = 15 * time.Second
	DefaultPSAMaxAttempts = 8
	DefaultPSABackoff     = time.Minute
	DefaultPSARetryEvery  = time.Minute
)

func (c PSAConfig) withDefaults() PSAConfig {
	if c.Timeout <= 0 {
		c.Timeout = DefaultPSATimeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultPSAMaxAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultPSABackoff
	}
	if c.RetryEvery <= 0 {
		c.RetryEvery = DefaultPSARetryEvery
	}
	if c.Lease <= 0 {
		c.Lease = c.Timeout + time.Minute
	}
	return c
}

// psaDeps is what PSA push needs beyond the database: the box that seals credentials, the
// configuration and the HTTP client of PSA calls.
type psaDeps struct {
	box    *secretbox.Box
	cfg    PSAConfig
	client *http.Client
}

// UsePSA enables PSA push: secretKey (secretbox.KeySize bytes, TENANTRY_SECRET_KEY) seals the
// connections' credentials.
func (s *Service) UsePSA(secretKey []byte, cfg PSAConfig) error {
	box, err := secretbox.New(secretKey)
	if err != nil {
		return fmt.Errorf("flows: psa: %w", err)
	}
	cfg = cfg.withDefaults()
	s.psa = psaDeps{box: box, cfg: cfg, client: newPSAClient(cfg)}
	return nil
}

// psaSealContext binds sealed credentials to their tenant and connection: a sealed value copied
// to another row, or another tenant's, does not open.
func psaSealContext(tenant, connection uuid.UUID) []byte {
	return []byte("psa-connection/" + tenant.String() + "/" + connection.String())
}

// PSAConnection is a connection to a tenant's PSA; it never carries the credentials.
type PSAConnection struct {
	ID             uuid.UUID `json:"id"`
	Provider       string    `json:"provider" enum:"connectwise,autotask,halopsa"`
	DisplayName    string    `json:"display_name"`
	SiteURL        string    `json:"site_url" example:"https://api-na.myconnectwise.net"`
	CompanyID      string    `json:"company_id"`
	CredentialsSet bool      `json:"credentials_set" doc:"Always true: credentials are required and never shown"`
	CredentialHint string    `json:"credentials_hint" doc:"The last four characters of the public part (ConnectWise public key, Autotask user name, HaloPSA client id)"`
	Active         bool      `json:"active" doc:"Inactive connections take no new pushes; queued ones wait"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func connectionOf(r store.GetPSAConnectionRow) PSAConnection {
	return PSAConnection{ID: r.ID, Provider: r.Provider, DisplayName: r.DisplayName, SiteURL: r.SiteUrl, CompanyID: r.CompanyID,
		CredentialsSet: true, CredentialHint: r.CredentialsHint, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// PSAConnectionInput is a new connection, or what an update changes (nil: unchanged; the provider
// cannot change, new credentials replace the old ones whole).
type PSAConnectionInput struct {
	Provider    string
	DisplayName *string
	SiteURL     *string
	CompanyID   *string
	Credentials *PSACredentials
	Active      *bool
}

// sealCredentials checks and seals credentials for a connection and returns them with their hint.
func (s *Service) sealCredentials(tenant, id uuid.UUID, provider string, c PSACredentials) ([]byte, string, error) {
	hint, err := c.check(provider)
	if err != nil {
		return nil, "", err
	}
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, "", err
	}
	sealed, err := s.psa.box.Seal(plain, psaSealContext(tenant, id))
	return sealed, hint, err
}

// openCredentials opens a connection's sealed credentials.
func (s *Service) openCredentials(tenant, id uuid.UUID, sealed []byte) (PSACredentials, error) {
	var c PSACredentials
	plain, err := s.psa.box.Open(sealed, psaSealContext(tenant, id))
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(plain, &c)
	return c, err
}

// CreatePSAConnection adds a connection to the tenant's PSA.
func (s *Service) CreatePSAConnection(ctx context.Context, in PSAConnectionInput) (PSAConnection, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return PSAConnection{}, err
	}
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return PSAConnection{}, errs.Invalidf("body.display_name", "required")
	}
	if in.SiteURL == nil {
		return PSAConnection{}, errs.Invalidf("body.site_url", "required")
	}
	if in.Credentials == nil {
		return PSAConnection{}, errs.Invalidf("body.credentials", "required")
	}
	site, err := s.psa.cfg.checkSiteURL(*in.SiteURL)
	if err != nil {
		return PSAConnection{}, err
	}
	id, tenant := tenancy.NewID(), sc.Tenant.UUID()
	sealed, hint, err := s.sealCredentials(tenant, id, in.Provider, *in.Credentials)
	if err != nil {
		return PSAConnection{}, err
	}
	p := store.InsertPSAConnectionParams{TenantID: tenant, ID: id, Provider: in.Provider, DisplayName: strings.TrimSpace(*in.DisplayName),
		SiteUrl: site, CompanyID: trimmed(in.CompanyID), CredentialsEnc: sealed, CredentialsHint: hint, Active: in.Active == nil || *in.Active}
	if !sc.Principal.UserID.IsZero() {
		p.CreatedBy = uuid.NullUUID{UUID: sc.Principal.UserID.UUID(), Valid: true}
	}
	var out PSAConnection
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		r, err := store.New(q).InsertPSAConnection(ctx, p)
		if err != nil {
			return err
		}
		out = connectionOf(store.GetPSAConnectionRow(r))
		return auditPSA(ctx, q, "psa_connection.create", id, out)
	})
	if err != nil {
		return PSAConnection{}, fmt.Errorf("flows: create psa connection: %w", err)
	}
	return out, nil
}

// auditPSA records a change of a connection, with what it shows (never the credentials).
func auditPSA(ctx context.Context, q postgres.Querier, action string, id uuid.UUID, c PSAConnection) error {
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: "psa_connection", TargetID: id.String(),
		Details: map[string]any{"provider": c.Provider, "site_url": c.SiteURL, "active": c.Active}})
}

func trimmed(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// PSAConnectionKey is the sort key of the connection list (newest first).
type PSAConnectionKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// ListPSAConnections returns up to size connections of the tenant after the key after.
func (s *Service) ListPSAConnections(ctx context.Context, size int, after *PSAConnectionKey) ([]PSAConnection, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListPSAConnectionsParams{TenantID: sc.Tenant.UUID(), Lim: int32(size)}
	if after != nil {
		p.AfterAt, p.AfterID = &after.At, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []PSAConnection
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListPSAConnections(ctx, p)
		for _, r := range rows {
			out = append(out, connectionOf(store.GetPSAConnectionRow(r)))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list psa connections: %w", err)
	}
	return out, nil
}

// GetPSAConnection returns one connection of the tenant, or NotFound.
func (s *Service) GetPSAConnection(ctx context.Context, id uuid.UUID) (PSAConnection, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (PSAConnection, error) {
		r, err := store.New(q).GetPSAConnection(ctx, store.GetPSAConnectionParams{TenantID: tenant, ID: id})
		return connectionOf(r), err
	})
	if err != nil {
		return PSAConnection{}, fmt.Errorf("flows: get psa connection: %w", notFound(err))
	}
	return out, nil
}

// UpdatePSAConnection changes a connection; new credentials are checked against its provider.
func (s *Service) UpdatePSAConnection(ctx context.Context, id uuid.UUID, in PSAConnectionInput) (PSAConnection, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return PSAConnection{}, err
	}
	tenant := sc.Tenant.UUID()
	p := store.UpdatePSAConnectionParams{TenantID: tenant, ID: id, CompanyID: in.CompanyID, Active: in.Active}
	if in.DisplayName != nil {
		if strings.TrimSpace(*in.DisplayName) == "" {
			return PSAConnection{}, errs.Invalidf("body.display_name", "must not be empty")
		}
		name := strings.TrimSpace(*in.DisplayName)
		p.DisplayName = &name
	}
	if in.SiteURL != nil {
		site, err := s.psa.cfg.checkSiteURL(*in.SiteURL)
		if err != nil {
			return PSAConnection{}, err
		}
		p.SiteUrl = &site
	}
	var out PSAConnection
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		cur, err := st.GetPSAConnection(ctx, store.GetPSAConnectionParams{TenantID: tenant, ID: id})
		if err != nil {
			return notFound(err)
		}
		if in.Credentials != nil {
			sealed, hint, err := s.sealCredentials(tenant, id, cur.Provider, *in.Credentials)
			if err != nil {
				return err
			}
			p.CredentialsEnc, p.CredentialsHint = sealed, &hint
		}
		r, err := st.UpdatePSAConnection(ctx, p)
		if err != nil {
			return notFound(err)
		}
		out = connectionOf(store.GetPSAConnectionRow(r))
		return auditPSA(ctx, q, "psa_connection.update", id, out)
	})
	if err != nil {
		return PSAConnection{}, fmt.Errorf("flows: update psa connection: %w", err)
	}
	return out, nil
}

// DeletePSAConnection deletes a connection with its member mappings and its pushes.
func (s *Service) DeletePSAConnection(ctx context.Context, id uuid.UUID) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		n, err := store.New(q).DeletePSAConnection(ctx, store.DeletePSAConnectionParams{TenantID: sc.Tenant.UUID(), ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		return audit.Record(ctx, q, audit.Event{Action: "psa_connection.delete", TargetType: "psa_connection", TargetID: id.String()})
	})
	if err != nil {
		return fmt.Errorf("flows: delete psa connection: %w", err)
	}
	return nil
}

// PSATestResult is the outcome of a connection test.
type PSATestResult struct {
	OK     bool   `json:"ok"`
	Status int    `json:"status,omitempty" doc:"The PSA's HTTP status, when it answered"`
	Error  string `json:"error,omitempty" doc:"Why the test failed; never a credential"`
}

// TestPSAConnection makes one authenticated call to the connection's PSA and records the outcome
// in the audit log.
func (s *Service) TestPSAConnection(ctx context.Context, id uuid.UUID) (PSATestResult, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return PSATestResult{}, err
	}
	tenant := sc.Tenant.UUID()
	var row store.PSAConnectionSecretRow
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		row, err = store.New(q).PSAConnectionSecret(ctx, store.PSAConnectionSecretParams{TenantID: tenant, ID: id})
		return err
	})
	if err != nil {
		return PSATestResult{}, fmt.Errorf("flows: test psa connection: %w", notFound(err))
	}
	res := PSATestResult{OK: true}
	creds, err := s.openCredentials(tenant, id, row.CredentialsEnc)
	if err != nil {
		s.log.ErrorContext(ctx, "flows: psa credentials do not open", "connection", id, "err", err)
		res = PSATestResult{Error: "the stored credentials cannot be read; set them again"}
	} else if err := s.testConnection(ctx, psaTarget{provider: row.Provider, site: row.SiteUrl, creds: creds}); err != nil {
		res = PSATestResult{Error: err.Error()}
		var e *errPSA
		if errors.As(err, &e) {
			res.Status = e.status
		}
	}
	outcome := audit.Success
	if !res.OK {
		outcome = audit.Failure
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		return audit.Record(ctx, q, audit.Event{Action: "psa_connection.test", TargetType: "psa_connection", TargetID: id.String(),
			Outcome: outcome, Details: map[string]any{"status": res.Status}})
	})
	if err != nil {
		return PSATestResult{}, fmt.Errorf("flows: test psa connection: %w", err)
	}
	return res, nil
}

// PSAMemberMapping is a member's id in a connection's PSA.
type PSAMemberMapping struct {
	ConnectionID     uuid.UUID `json:"connection_id"`
	UserID           uuid.UUID `json:"user_id"`
	Email            string    `json:"email,omitempty" doc:"The member's e-mail address (read-only)"`
	ExternalMemberID string    `json:"external_member_id" minLength:"1" maxLength:"200" doc:"The member's id in the PSA"`
	ExternalName     string    `json:"external_name,omitempty" maxLength:"200" doc:"The member's name in the PSA"`
	UpdatedAt        time.Time `json:"updated_at,omitempty" doc:"Read-only"`
}

// ListPSAMemberMappings returns the tenant's mappings, of one connection when connection is set.
func (s *Service) ListPSAMemberMappings(ctx context.Context, connection *uuid.UUID) ([]PSAMemberMapping, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListPSAMemberMappingsParams{TenantID: sc.Tenant.UUID()}
	if connection != nil {
		p.ConnectionID = uuid.NullUUID{UUID: *connection, Valid: true}
	}
	out := []PSAMemberMapping{}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListPSAMemberMappings(ctx, p)
		for _, r := range rows {
			out = append(out, PSAMemberMapping{ConnectionID: r.ConnectionID, UserID: r.UserID, Email: r.Email,
				ExternalMemberID: r.ExternalMemberID, ExternalName: r.ExternalName, UpdatedAt: r.UpdatedAt})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list psa member mappings: %w", err)
	}
	return out, nil
}

// PutPSAMemberMappings replaces the mappings of one connection; every user must be a member of
// the tenant, each at most once.
func (s *Service) PutPSAMemberMappings(ctx context.Context, connection uuid.UUID, in []PSAMemberMapping) ([]PSAMemberMapping, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	tenant := sc.Tenant.UUID()
	seen := map[uuid.UUID]bool{}
	users := make([]uuid.UUID, 0, len(in))
	for i, m := range in {
		if seen[m.UserID] {
			return nil, errs.Invalidf(fmt.Sprintf("body.mappings[%d].user_id", i), "appears twice")
		}
		seen[m.UserID] = true
		users = append(users, m.UserID)
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := st.GetPSAConnection(ctx, store.GetPSAConnectionParams{TenantID: tenant, ID: connection}); err != nil {
			if postgres.IsNoRows(err) {
				return errs.Invalidf("body.connection_id", "no such connection")
			}
			return err
		}
		n, err := st.CountMembers(ctx, store.CountMembersParams{TenantID: tenant, UserIds: users})
		if err != nil {
			return err
		}
		if int(n) != len(users) {
			return errs.Invalidf("body.mappings", "every user must be a member of the tenant")
		}
		if err := st.DeletePSAMemberMappings(ctx, store.DeletePSAMemberMappingsParams{TenantID: tenant, ConnectionID: connection}); err != nil {
			return err
		}
		for _, m := range in {
			if err := st.PutPSAMemberMapping(ctx, store.PutPSAMemberMappingParams{TenantID: tenant, ConnectionID: connection, UserID: m.UserID,
				ExternalMemberID: strings.TrimSpace(m.ExternalMemberID), ExternalName: strings.TrimSpace(m.ExternalName)}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, q, audit.Event{Action: "psa_member_mappings.put", TargetType: "psa_connection", TargetID: connection.String(),
			Details: map[string]any{"mappings": len(in)}})
	})
	if err != nil {
		return nil, fmt.Errorf("flows: put psa member mappings: %w", err)
	}
	return s.ListPSAMemberMappings(ctx, &connection)
}
