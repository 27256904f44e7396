-- name: InsertCSATSurvey :exec
-- Issues a session's survey in the completion's transaction; a session completes once, so it has
-- at most one survey (flow_csat_surveys_session_key).
INSERT INTO flow_csat_surveys (tenant_id, id, session_id, token_hash, issued_at)
VALUES ($1, $2, $3, $4, $5);

-- name: AnswerCSATSurvey :one
-- Records the one answer of a survey, in the survey's tenant (found by its token hash across
-- tenants): a survey already answered is no row, so two concurrent answers store one.
UPDATE flow_csat_surveys c SET score = sqlc.arg(score)::smallint, comment = sqlc.narg(comment), responded_at = sqlc.arg(at)::timestamptz
WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.id = sqlc.arg(id) AND c.responded_at IS NULL
RETURNING c.session_id;

-- name: FlowCSAT :one
-- The answered surveys of the flow's sessions that started in [since, until): their count and
-- average score (0 when none, count says so).
SELECT count(c.score) AS responses, coalesce(avg(c.score), 0)::float8 AS average
FROM flow_sessions s  -- tenantlint:all-owners per-flow analytics count every member's sessions of the tenant (no content)
JOIN flow_csat_surveys c ON c.tenant_id = s.tenant_id AND c.session_id = s.id
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.flow_id = sqlc.arg(flow_id)::uuid AND c.responded_at IS NOT NULL
  AND s.started_at >= sqlc.arg(since)::timestamptz AND s.started_at < sqlc.arg(until)::timestamptz;
