-- Marks the owner-only tables for the static check (internal/proof/tenantlint): every query of
-- them names the user whose rows it wants in the query itself (issue 11, item 9). The comment is
-- also what `\d+` shows an operator.

-- +goose Up
COMMENT ON TABLE flow_sessions IS 'owner-only (user_id, assigned_to): a technician''s session is seen by its owner and its assignee; anyone else gets the 404 of a random id';
COMMENT ON TABLE flow_session_shares IS 'owner-only (created_by): share links are listed and revoked by their creator only; opening one goes through the registered token lookup';

-- +goose Down
COMMENT ON TABLE flow_sessions IS NULL;
COMMENT ON TABLE flow_session_shares IS NULL;
