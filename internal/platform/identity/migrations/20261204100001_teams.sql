-- Teams: named groups of a tenant's members. Products use them for visibility (a flow or library
-- step visible to one team) and for gating (a maintenance schedule whose flow is outside the
-- caller's team answers 404). Plain tenant tables under shared/spec/isolation.md, as in the core
-- migration: tenant_id NOT NULL, RLS enabled and forced with the one fail-closed policy in the
-- InitPlan form (docs/isolation.md), PRIMARY KEY (tenant_id, ...), composite foreign keys, unique
-- constraints that include tenant_id, ids made by the application, minimal grants, never TRUNCATE.

-- +goose Up
CREATE TABLE teams (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
-- One name per tenant, case-insensitive; two tenants may use the same name.
CREATE UNIQUE INDEX teams_name_key ON teams (tenant_id, lower(name));
CREATE INDEX teams_order_idx ON teams (tenant_id, name, id);

-- A member belongs to a team. The reference is the membership (tenant_id, user_id), not the global
-- user: only a member of this tenant can be added, and removing someone from the tenant removes
-- them from its teams.
CREATE TABLE team_members (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    team_id   uuid NOT NULL,
    user_id   uuid NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
-- "My teams", and the cascade when a membership is deleted.
CREATE INDEX team_members_user_idx ON team_members (tenant_id, user_id);

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE team_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_members
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

GRANT SELECT, INSERT, DELETE ON teams TO tenantry_app;
GRANT UPDATE (name, updated_at) ON teams TO tenantry_app;
GRANT SELECT, INSERT, DELETE ON team_members TO tenantry_app;

-- +goose Down
DROP TABLE team_members;
DROP TABLE teams;
