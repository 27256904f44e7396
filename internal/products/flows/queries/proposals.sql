-- The knowledge flywheel: analyses of resolved AI sessions and the flow proposals made from them.

-- name: InsertSessionAnalysis :exec
-- Queues the analysis of a resolved session, once per session.
INSERT INTO session_analyses (tenant_id, id, ai_session_id) VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(ai_session_id))
ON CONFLICT (tenant_id, ai_session_id) DO NOTHING;

-- name: LockPendingAnalysis :one
-- A pending analysis of the tenant, locked for the transaction; no row once it is done (or while
-- another worker holds it).
SELECT a.id, a.ai_session_id FROM session_analyses a
WHERE a.tenant_id = sqlc.arg(tenant_id) AND a.id = sqlc.arg(id) AND a.status = 'pending'
FOR UPDATE SKIP LOCKED;

-- name: FinishAnalysis :exec
UPDATE session_analyses a SET status = 'done', attempts = a.attempts + 1, processed_at = sqlc.arg(now)::timestamptz
WHERE a.tenant_id = sqlc.arg(tenant_id) AND a.id = sqlc.arg(id);

-- name: AnalysisSession :one
-- The resolved session an analysis is about, whoever owns it.
SELECT s.id, s.problem_summary, s.resolution_note, s.message_count, s.user_id
FROM ai_sessions s  -- tenantlint:all-owners the flywheel job reads every owner's resolved sessions of the tenant
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(id);

-- name: AnalysisMessages :many
-- The technician's messages of a session, oldest first.
SELECT m.content FROM ai_messages m
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.session_id = sqlc.arg(session_id) AND m.role = 'user'
ORDER BY m.created_at, m.id
LIMIT 50;

-- name: FlywheelMatchingFlow :one
-- The tenant's published live flow that best matches the words of a resolved problem.
SELECT f.id, f.title, v.graph FROM flows f
JOIN flow_versions v ON v.tenant_id = f.tenant_id AND v.flow_id = f.id AND v.version = f.current_version
WHERE f.tenant_id = sqlc.arg(tenant_id) AND f.deleted_at IS NULL
  AND to_tsvector('simple', f.title || ' ' || f.description) @@ to_tsquery('simple', sqlc.arg(words)::text)
ORDER BY ts_rank(to_tsvector('simple', f.title || ' ' || f.description), to_tsquery('simple', sqlc.arg(words)::text)) DESC,
         f.usage_count DESC, f.id
LIMIT 1;

-- name: InsertProposal :execrows
-- A proposal; for the flywheel's, nothing when the analysis already has one.
INSERT INTO flow_proposals (tenant_id, id, analysis_id, source_ai_session_id, kind, target_flow_id, title, proposed_graph,
                            rationale, evidence, created_by)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.narg(analysis_id), sqlc.narg(source_ai_session_id), sqlc.arg(kind),
        sqlc.narg(target_flow_id), sqlc.arg(title), sqlc.arg(proposed_graph), sqlc.arg(rationale), sqlc.arg(evidence),
        sqlc.narg(created_by))
ON CONFLICT (tenant_id, analysis_id) DO NOTHING;

-- name: GetProposal :one
SELECT * FROM flow_proposals p WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id);

-- name: LockProposal :one
SELECT * FROM flow_proposals p WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id) FOR UPDATE;

-- name: ListProposals :many
SELECT * FROM flow_proposals p
WHERE p.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(status)::text IS NULL OR p.status = sqlc.narg(status)::text)
  AND (sqlc.narg(after_created)::timestamptz IS NULL
       OR (p.created_at, p.id) < (sqlc.narg(after_created)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY p.created_at DESC, p.id DESC
LIMIT sqlc.arg(lim);

-- name: ReviewProposal :exec
UPDATE flow_proposals p
SET status = sqlc.arg(status), result_flow_id = sqlc.narg(result_flow_id), reviewed_by = sqlc.arg(reviewed_by),
    reviewed_at = sqlc.arg(now)::timestamptz, updated_at = sqlc.arg(now)::timestamptz
WHERE p.tenant_id = sqlc.arg(tenant_id) AND p.id = sqlc.arg(id);
