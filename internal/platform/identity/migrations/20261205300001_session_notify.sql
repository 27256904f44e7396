-- Session changes are announced on the channel tenantry_sessions, so that every instance drops
-- what it cached about the sessions concerned (internal/platform/identity/sessions.go): a removed
-- member, a role change, a revoked refresh-token family (logout, reuse detected). The payload is
-- "<tenant id> <user id>"; NOTIFY is delivered at commit, once per distinct payload and
-- transaction, to listeners only (the application role's own listener). The function touches no
-- table and runs as the caller (no SECURITY DEFINER).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantry_sessions', OLD.tenant_id::text || ' ' || OLD.user_id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER memberships_session_change AFTER UPDATE OF role OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION notify_session_change();
CREATE TRIGGER refresh_tokens_session_change AFTER UPDATE OF revoked_at ON refresh_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION notify_session_change();

-- +goose Down
DROP TRIGGER refresh_tokens_session_change ON refresh_tokens;
DROP TRIGGER memberships_session_change ON memberships;
DROP FUNCTION notify_session_change();
