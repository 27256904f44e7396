-- Changes of an API key that matter to authentication (revocation, and any change of what the key
-- grants or whose it is) are announced on tenantry_sessions with the payload
-- "<tenant id> <creator's user id>", the payload of a change of that member's sessions
-- (identity's migrations/20261205300001_session_notify.sql), so that every instance drops what it
-- cached about the creator's keys (internal/platform/apikeys/keycache.go) on the listener
-- connection it already has. The creator's cached sessions are dropped too and read again: a
-- revocation is rare. Writing last_used_at announces nothing. The function touches no table and
-- runs as the caller (no SECURITY DEFINER).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantry_sessions', OLD.tenant_id::text || ' ' || OLD.created_by::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER api_keys_change AFTER UPDATE OF revoked_at, scopes, role_ceiling, expires_at, secret_hash, created_by OR DELETE
    ON api_keys FOR EACH ROW EXECUTE FUNCTION notify_api_key_change();

-- +goose Down
DROP TRIGGER api_keys_change ON api_keys;
DROP FUNCTION notify_api_key_change();
