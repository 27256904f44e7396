-- The held reservations of a space, for the v_spaces lateral ("the reservation covering now") and
-- the overlap check of a new reservation (BusyWindows). Without it the planner picks the exclusion
-- constraint's GiST index (reservations_no_overlap) for these lookups, at the same estimated cost
-- as reservations_space_idx; but btree_gist keys of random uuids do not cluster, so a lookup
-- visits a large part of the GiST index (27 pages at 8,000 reservations, growing with the table)
-- where a btree reads 2. The covering columns make this an index-only scan, which the planner
-- prefers (docs/performance.md).

-- +goose Up
CREATE INDEX reservations_held_idx ON reservations (tenant_id, space_id, starts_at) INCLUDE (ends_at, id, status)
    WHERE status IN ('pending', 'confirmed');

-- +goose Down
DROP INDEX reservations_held_idx;
