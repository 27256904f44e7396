-- Owners delete their tenant (DELETE /api/v1/tenant): the row stays, with status 'deleted' and the
-- time, until the verifiable deletion (issue "flows part 2") purges the tenant's rows; until then
-- nothing of it is reachable, because every entry point that resolves a tenant from a credential
-- or a public token requires status 'active' (docs/access.md, "Deleting a tenant"). The slug stays
-- taken. A deleted tenant is never undeleted by the application: deleted_at is set once, with the
-- status, and the CHECK ties the two together.
--
-- A change of a tenant's status is announced on tenantry_sessions with the payload "<tenant id>",
-- so that every instance drops what it cached about the sessions of all the tenant's members
-- (internal/platform/identity/sessions.go).

-- +goose Up
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD COLUMN deleted_at timestamptz;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check
    CHECK (status IN ('active', 'suspended', 'deleted') AND (status = 'deleted') = (deleted_at IS NOT NULL));
GRANT UPDATE (deleted_at) ON tenants TO tenantry_app;

-- +goose StatementBegin
CREATE FUNCTION notify_tenant_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantry_sessions', NEW.id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER tenants_status_change AFTER UPDATE OF status ON tenants
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notify_tenant_status_change();

-- +goose Down
DROP TRIGGER tenants_status_change ON tenants;
DROP FUNCTION notify_tenant_status_change();
REVOKE UPDATE (deleted_at) ON tenants FROM tenantry_app;
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants DROP COLUMN deleted_at;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended'));
