-- The live occupancy stream (docs/parking.md, "Live stream"): every recorded state change is
-- announced on the channel parking_state_changes, at commit, to every instance's one listener
-- (internal/products/parking/stream.go). The payload is "<tenant id> <change id>" and carries no
-- data: the instance reads the change under the tenant scope of its own subscribers, so a payload
-- that names another tenant's change reads nothing. The function touches no table and runs as the
-- caller (no SECURITY DEFINER).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION notify_space_state_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('parking_state_changes', NEW.tenant_id::text || ' ' || NEW.id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER space_state_changes_notify AFTER INSERT ON space_state_changes
    FOR EACH ROW EXECUTE FUNCTION notify_space_state_change();

-- +goose Down
DROP TRIGGER space_state_changes_notify ON space_state_changes;
DROP FUNCTION notify_space_state_change();
