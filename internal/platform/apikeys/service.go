package apikeys

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/apikeys/store"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// kind is the opaque-token kind of API keys: tnr_key_...
const kind = auth.KindAPIKey

// Service manages API keys.
type Service struct {
	db     *postgres.DB
	log    *slog.Logger
	scopes tenancy.ScopeCatalogue
	cache  *keyCache // the keys requests presented (keycache.go)
	uses   keyUses   // their last uses, not written yet (keyuse.go)
	await  func(context.Context)
}

// New returns the service. A key can be given the scopes of the catalogue only; without a scope
// list it gets the catalogue's default (read) scopes.
func New(db *postgres.DB, log *slog.Logger, scopes tenancy.ScopeCatalogue) *Service {
	return &Service{db: db, log: log, scopes: scopes, cache: newKeyCache()}
}

// Key is an API key as its tenant sees it; the secret is never part of it.
type Key struct {
	ID         uuid.UUID
	Name       string
	Scopes     []string
	Role       tenancy.Role // the ceiling
	CreatedBy  uuid.UUID
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// fromRow converts a stored key (GetKeyRow has the same fields and converts to ListKeysRow).
func fromRow(r store.ListKeysRow) Key {
	return Key{ID: r.ID, Name: r.Name, Scopes: r.Scopes, Role: tenancy.Role(r.RoleCeiling), CreatedBy: r.CreatedBy,
		ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, LastUsedAt: r.LastUsedAt, CreatedAt: r.CreatedAt}
}

// CreateRequest asks for a new key.
type CreateRequest struct {
	Name      string
	Scopes    []string     // empty: the default read scopes
	Role      tenancy.Role // optional ceiling below the creator's role
	ExpiresAt *time.Time
}

// Create makes a key for the tenant in ctx and returns it with its secret, shown this once. Only a
// member may create keys (the operation admits no API key), and never above their own role.
func (s *Service) Create(ctx context.Context, r CreateRequest) (Key, string, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return Key{}, "", err
	}
	if sc.Principal.Kind != tenancy.PrincipalUser {
		return Key{}, "", errs.E(errs.Forbidden, "only a member can create API keys")
	}
	ceiling, scopes, err := s.checkGrant(sc.Role, r)
	if err != nil {
		return Key{}, "", err
	}
	if r.ExpiresAt != nil && !r.ExpiresAt.After(time.Now()) {
		return Key{}, "", errs.Invalidf("body.expires_at", "must be in the future")
	}
	k := Key{ID: tenancy.NewID(), Name: r.Name, Scopes: scopes, Role: ceiling, CreatedBy: sc.Principal.UserID.UUID(), ExpiresAt: r.ExpiresAt}
	token, err := auth.NewOpaque(kind, auth.PackUUIDs(sc.Tenant.UUID(), k.ID))
	if err != nil {
		return Key{}, "", fmt.Errorf("apikeys: create: %w", err)
	}
	hash := token.Hash()
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		err := store.New(q).InsertKey(ctx, store.InsertKeyParams{TenantID: sc.Tenant.UUID(), ID: k.ID, Name: k.Name, Scopes: k.Scopes,
			RoleCeiling: string(k.Role), CreatedBy: k.CreatedBy, SecretHash: hash[:], ExpiresAt: k.ExpiresAt})
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "api_key.create", TargetType: "api_key", TargetID: k.ID.String(),
			Details: map[string]any{"name": k.Name, "scopes": k.Scopes, "role": k.Role}})
	})
	if errs.Is(err, errs.Conflict) {
		err = errs.Wrap(errs.Conflict, "a live API key with this name exists", err)
	}
	if err != nil {
		return Key{}, "", fmt.Errorf("apikeys: create: %w", err)
	}
	k.CreatedAt = time.Now()
	return k, token.Token(), nil
}

// checkGrant validates the scopes and ceiling of a new key against the creator's role.
func (s *Service) checkGrant(creator tenancy.Role, r CreateRequest) (tenancy.Role, []string, error) {
	ceiling := creator
	if r.Role != "" {
		if !r.Role.Valid() {
			return "", nil, errs.Invalidf("body.role", "unknown role %q", r.Role)
		}
		if !creator.AtLeast(r.Role) {
			return "", nil, errs.E(errs.Forbidden, "a key cannot have a higher role than its creator")
		}
		ceiling = r.Role
	}
	scopes := r.Scopes
	if len(scopes) == 0 {
		scopes = s.scopes.Defaults()
	}
	scopes = slices.Compact(slices.Sorted(slices.Values(scopes)))
	for _, name := range scopes {
		info, ok := s.scopes.Lookup(name)
		if !ok {
			return "", nil, errs.Invalidf("body.scopes", "unknown scope %q", name)
		}
		if !ceiling.AtLeast(info.MinRole) {
			return "", nil, errs.E(errs.Forbidden, fmt.Sprintf("scope %s needs the %s role", name, info.MinRole))
		}
	}
	return ceiling, scopes, nil
}

// errBadKey is the one answer to every API key that is not accepted.
var errBadKey = errs.E(errs.Unauthorized, "invalid API key")

// Authenticate verifies an X-API-Key (httpapi.Authenticator). A malformed key is refused before any
// database query; a well-formed one is read from this instance's cache (keycache.go), else with
// one tenant-scoped read, and its use is noted for RecordUses to write.
func (s *Service) Authenticate(ctx context.Context, c httpapi.Credentials) (httpapi.Caller, error) {
	token, err := auth.ParseOpaque(kind, c.APIKey)
	if err != nil {
		s.log.InfoContext(ctx, "security: malformed API key")
		return httpapi.Caller{}, errBadKey
	}
	tid, id := auth.UnpackUUIDs(token.Public)
	tenant := tenancy.TenantID(tid)
	p := tenancy.Principal{Kind: tenancy.PrincipalAPIKey, KeyID: id.String()}
	st, err := s.key(ctx, tenant, p, id)
	switch {
	case err == errBadKey: //nolint:errorlint // key returns it unwrapped
		return httpapi.Caller{}, errBadKey
	case errs.Is(err, errs.NotFound):
		return s.reject(ctx, "unknown")
	case err != nil:
		return httpapi.Caller{}, fmt.Errorf("apikeys: authenticate: %w", err)
	case !auth.EqualHash(token.Hash(), st.hash):
		return s.reject(ctx, "wrong_secret")
	case st.revoked:
		return s.reject(ctx, "revoked")
	case st.expiresAt != nil && !st.expiresAt.After(time.Now()):
		return s.reject(ctx, "expired")
	}
	s.uses.record(tenant, id, time.Now())
	p.UserID = tenancy.UserID(st.creator)
	return httpapi.Caller{Principal: p, Tenant: tenant, Role: tenancy.MinRole(st.ceiling, st.member), Scopes: st.scopes}, nil
}

// key returns what is known of a key: from the cache, else read from the database (NotFound: no
// such key in an active tenant) and cached.
func (s *Service) key(ctx context.Context, tenant tenancy.TenantID, p tenancy.Principal, id uuid.UUID) (keyState, error) {
	if st, ok := s.cache.get(tenant, id); ok {
		return st, nil
	}
	gen := s.cache.generation()
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenant, Principal: p, Role: tenancy.RoleViewer})
	if err != nil {
		return keyState{}, errBadKey // no tenant: refused as the original read refused it, unrecorded
	}
	var row store.KeyForAuthRow
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		row, err = store.New(q).KeyForAuth(sctx, store.KeyForAuthParams{TenantID: tenant.UUID(), ID: id})
		return err
	})
	if err != nil {
		return keyState{}, err
	}
	st := keyState{hash: [32]byte(row.SecretHash), scopes: row.Scopes, ceiling: tenancy.Role(row.RoleCeiling), creator: row.CreatedBy,
		member: tenancy.Role(row.MemberRole), expiresAt: row.ExpiresAt, revoked: row.RevokedAt != nil, read: time.Now()}
	s.cache.put(tenant, id, st, gen)
	return st, nil
}

// reject records a refused, well-formed key as a security event and answers 401.
func (s *Service) reject(ctx context.Context, reason string) (httpapi.Caller, error) {
	err := audit.RecordSecurity(ctx, s.db, tenancy.UserID{}, audit.Event{Action: "auth.invalid_api_key", Outcome: audit.Denied,
		Details: map[string]any{"reason": reason}})
	if err != nil {
		s.log.ErrorContext(ctx, "security event not recorded", "err", err)
	}
	return httpapi.Caller{}, errBadKey
}

// pageKey is the sort key of the key list.
type pageKey struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"i"`
}

// List returns up to size+1 of the tenant's keys, newest first, after the key after (nil: from
// the newest); see httpapi.List.
func (s *Service) List(ctx context.Context, size int, after *pageKey) ([]Key, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	params := store.ListKeysParams{TenantID: sc.Tenant.UUID(), Lim: int32(size + 1)}
	if after != nil {
		params.AfterCreated, params.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var keys []Key
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListKeys(ctx, params)
		for _, r := range rows {
			keys = append(keys, fromRow(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apikeys: list: %w", err)
	}
	return keys, nil
}

// Get returns one key of the tenant, or NotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Key, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Key, error) {
		r, err := store.New(q).GetKey(ctx, store.GetKeyParams{TenantID: tenant, ID: id})
		return fromRow(store.ListKeysRow(r)), err
	})
	if err != nil {
		return Key{}, fmt.Errorf("apikeys: get: %w", err)
	}
	return out, nil
}

// Revoke revokes a key; it stops working on the next request. Revoking twice is not an error.
func (s *Service) Revoke(ctx context.Context, id uuid.UUID) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	var k store.GetKeyRow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if k, err = st.GetKey(ctx, store.GetKeyParams{TenantID: sc.Tenant.UUID(), ID: id}); err != nil {
			return err
		}
		if _, err := st.RevokeKey(ctx, store.RevokeKeyParams{TenantID: sc.Tenant.UUID(), ID: id}); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Action: "api_key.revoke", TargetType: "api_key", TargetID: id.String()})
	})
	if err != nil {
		return fmt.Errorf("apikeys: revoke: %w", err)
	}
	// This instance forgets the key right after commit; the others when the trigger's
	// notification arrives (keycache.go).
	s.cache.forgetCreator(sc.Tenant, k.CreatedBy)
	if s.await != nil {
		s.await(ctx)
	}
	return nil
}
