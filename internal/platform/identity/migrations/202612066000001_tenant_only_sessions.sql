-- +goose Up
-- A session opened by a tenant's single sign-on reaches only that tenant: the provider vouches for
-- the address in that tenant, not for the account's other tenants (identity/reach.go). The mark is
-- kept on every refresh token of the family, so rotation keeps it.
ALTER TABLE refresh_tokens ADD COLUMN tenant_only boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE refresh_tokens DROP COLUMN tenant_only;
