-- name: InsertLibraryStep :exec
INSERT INTO library_steps (tenant_id, id, owner_id, team_id, title, step_type, content, visibility, saved_from_id,
                           created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(owner_id), sqlc.narg(team_id), sqlc.arg(title),
        sqlc.arg(step_type), sqlc.arg(content), sqlc.arg(visibility), sqlc.narg(saved_from_id), sqlc.arg(now),
        sqlc.arg(now));

-- name: GetVisibleLibraryStep :one
-- A step the caller can see (owner, account visibility, or a member of its team), with the caller's
-- own rating (0: none).
SELECT l.id, l.owner_id, l.team_id, l.title, l.step_type, l.content, l.visibility, l.usage_count, l.rating_sum,
       l.rating_count, l.saved_from_id, l.created_at, l.updated_at,
       coalesce((SELECT r.rating FROM library_step_ratings r
                 WHERE r.tenant_id = l.tenant_id AND r.step_id = l.id AND r.user_id = sqlc.arg(me)::uuid), 0)::smallint AS my_rating
FROM library_steps l
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id) AND l.deleted_at IS NULL
  AND (l.owner_id = sqlc.arg(me)::uuid
       OR l.visibility = 'account'
       OR (l.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = l.tenant_id AND tm.team_id = l.team_id AND tm.user_id = sqlc.arg(me)::uuid)));

-- name: LockVisibleLibraryStep :one
-- A visible step, locked for the transaction (ratings of one step are applied one after the other).
SELECT l.id FROM library_steps l
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id) AND l.deleted_at IS NULL
  AND (l.owner_id = sqlc.arg(me)::uuid
       OR l.visibility = 'account'
       OR (l.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = l.tenant_id AND tm.team_id = l.team_id AND tm.user_id = sqlc.arg(me)::uuid)))
FOR UPDATE OF l;

-- name: LockEditableLibraryStep :one
-- A step the caller may both see and edit, locked; its current visibility and team.
SELECT l.visibility, l.team_id FROM library_steps l
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id) AND l.deleted_at IS NULL
  AND (l.owner_id = sqlc.arg(me)::uuid OR sqlc.arg(can_edit_all)::bool)
  AND (l.owner_id = sqlc.arg(me)::uuid
       OR l.visibility = 'account'
       OR (l.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = l.tenant_id AND tm.team_id = l.team_id AND tm.user_id = sqlc.arg(me)::uuid)))
FOR UPDATE OF l;

-- name: UpdateLibraryStep :exec
UPDATE library_steps l SET
    title = coalesce(sqlc.narg(title), l.title),
    step_type = coalesce(sqlc.narg(step_type), l.step_type),
    content = coalesce(sqlc.narg(content), l.content),
    visibility = sqlc.arg(visibility),
    team_id = sqlc.narg(team_id),
    updated_at = sqlc.arg(now)
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id);

-- name: DeleteLibraryStep :exec
UPDATE library_steps l SET deleted_at = sqlc.arg(now), updated_at = sqlc.arg(now)
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id);

-- name: UseLibraryStep :one
-- Counts one use of a visible step (a custom step taken from it, a copy saved from it), atomically,
-- and returns what the use copies.
UPDATE library_steps l SET usage_count = l.usage_count + 1
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id) AND l.deleted_at IS NULL
  AND (l.owner_id = sqlc.arg(me)::uuid
       OR l.visibility = 'account'
       OR (l.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = l.tenant_id AND tm.team_id = l.team_id AND tm.user_id = sqlc.arg(me)::uuid)))
RETURNING l.title, l.step_type, l.content;

-- name: ListLibrarySteps :many
-- The steps the caller can see, most recently changed first, optionally matching q in the title or
-- the content (any case).
SELECT l.id, l.owner_id, l.team_id, l.title, l.step_type, l.content, l.visibility, l.usage_count, l.rating_sum,
       l.rating_count, l.saved_from_id, l.created_at, l.updated_at
FROM library_steps l
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.deleted_at IS NULL
  AND (l.owner_id = sqlc.arg(me)::uuid
       OR l.visibility = 'account'
       OR (l.visibility = 'team' AND EXISTS (
           SELECT 1 FROM team_members tm
           WHERE tm.tenant_id = l.tenant_id AND tm.team_id = l.team_id AND tm.user_id = sqlc.arg(me)::uuid)))
  AND (sqlc.narg(q)::text IS NULL
       OR strpos(lower(l.title), lower(sqlc.narg(q)::text)) > 0
       OR strpos(lower(l.content), lower(sqlc.narg(q)::text)) > 0)
  AND (sqlc.narg(after_updated)::timestamptz IS NULL
       OR (l.updated_at, l.id) < (sqlc.narg(after_updated)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY l.updated_at DESC, l.id DESC
LIMIT sqlc.arg(lim);

-- name: TeamMembership :one
-- Whether a team exists in the tenant, and whether the user is one of its members.
SELECT EXISTS (SELECT 1 FROM teams t WHERE t.tenant_id = sqlc.arg(tenant_id) AND t.id = sqlc.arg(team_id)) AS team_exists,
       EXISTS (SELECT 1 FROM team_members tm
               WHERE tm.tenant_id = sqlc.arg(tenant_id) AND tm.team_id = sqlc.arg(team_id) AND tm.user_id = sqlc.arg(me)::uuid) AS is_member;

-- name: GetMyLibraryRating :one
SELECT r.rating FROM library_step_ratings r
WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.step_id = sqlc.arg(step_id) AND r.user_id = sqlc.arg(me)::uuid;

-- name: InsertLibraryRating :exec
INSERT INTO library_step_ratings (tenant_id, step_id, user_id, rating, created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(step_id), sqlc.arg(me)::uuid, sqlc.arg(rating), sqlc.arg(now), sqlc.arg(now));

-- name: UpdateLibraryRating :exec
UPDATE library_step_ratings r SET rating = sqlc.arg(rating), updated_at = sqlc.arg(now)
WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.step_id = sqlc.arg(step_id) AND r.user_id = sqlc.arg(me)::uuid;

-- name: AddLibraryRating :exec
-- Adjusts a step's running rating totals by one rating's change (in the rating's transaction).
UPDATE library_steps l SET rating_sum = l.rating_sum + sqlc.arg(sum_delta)::bigint,
                           rating_count = l.rating_count + sqlc.arg(count_delta)::bigint
WHERE l.tenant_id = sqlc.arg(tenant_id) AND l.id = sqlc.arg(id);
