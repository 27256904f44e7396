-- Teams' fixed queries (teams.go). Like queries.sql, each runs on a postgres.Querier bound to a scope
-- and every statement on a tenant table carries its tenant_id predicate.

-- name: InsertTeam :exec
INSERT INTO teams (tenant_id, id, name) VALUES ($1, $2, $3);

-- name: GetTeam :one
SELECT t.id, t.name, t.created_at, t.updated_at,
       (SELECT count(*) FROM team_members tm WHERE tm.tenant_id = t.tenant_id AND tm.team_id = t.id) AS member_count
FROM teams t WHERE t.tenant_id = $1 AND t.id = $2;

-- name: ListTeams :many
SELECT t.id, t.name, t.created_at, t.updated_at,
       (SELECT count(*) FROM team_members tm WHERE tm.tenant_id = t.tenant_id AND tm.team_id = t.id) AS member_count
FROM teams t
WHERE t.tenant_id = sqlc.arg(tenant_id)
  AND (sqlc.narg(after_name)::text IS NULL OR (t.name, t.id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id)::uuid))
ORDER BY t.name, t.id
LIMIT sqlc.arg(lim);

-- name: LockTeam :one
-- Taken by every change of a team or its members, so concurrent changes of one team serialize.
SELECT id FROM teams WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: RenameTeam :exec
UPDATE teams SET name = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2;

-- name: DeleteTeam :exec
-- Refused by the foreign keys of flows and library steps while any of them names the team (23503);
-- the team's members go with it (ON DELETE CASCADE).
DELETE FROM teams WHERE tenant_id = $1 AND id = $2;

-- name: AddTeamMember :execrows
-- The foreign key to memberships admits only members of this tenant; adding a member twice is a no-op.
INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: RemoveTeamMember :execrows
DELETE FROM team_members WHERE tenant_id = $1 AND team_id = $2 AND user_id = $3;

-- name: GetTeamMember :one
SELECT tm.user_id, u.name, tm.added_at
FROM team_members tm JOIN users u ON u.id = tm.user_id
WHERE tm.tenant_id = $1 AND tm.team_id = $2 AND tm.user_id = $3;

-- name: ListTeamMembers :many
SELECT tm.user_id, u.name, tm.added_at
FROM team_members tm JOIN users u ON u.id = tm.user_id
WHERE tm.tenant_id = sqlc.arg(tenant_id) AND tm.team_id = sqlc.arg(team_id)
  AND (sqlc.narg(after_name)::text IS NULL OR (u.name, tm.user_id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id)::uuid))
ORDER BY u.name, tm.user_id
LIMIT sqlc.arg(lim);
