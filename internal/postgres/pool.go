package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// WithAppPool hands the application-role pool to the constructor of a library driver that runs
// its own SQL on tables holding no tenant data: the River job queue (internal/jobs) keeps its
// river_* tables through it. The caller never names the pool, so the rawdb analyzer still holds
// everywhere else; tenant data is reached only through DB.Tx and DB.Read, where a job
// re-establishes its tenant scope.
func WithAppPool[T any](db *DB, build func(*pgxpool.Pool) T) T {
	return build(db.app)
}
