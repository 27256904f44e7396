-- The verifiable deletion of a tenant (issue 12, item 9) purges the tenant's own audit log with the
-- rest of its rows. The audit log stays append-only for everyone else: an UPDATE is always refused,
-- and a DELETE only of the rows of a tenant whose status is deleted (which no request can reach any
-- more, docs/access.md "Deleting a tenant"). The application role has no DELETE on audit_events at
-- all; the purge runs as the owner role (tenantry staff purge-tenant).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION audit_events_purge_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = OLD.tenant_id AND t.status = 'deleted') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
DROP TRIGGER audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_purge_only();

-- +goose Down
DROP TRIGGER audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP FUNCTION audit_events_purge_only();
