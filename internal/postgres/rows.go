package postgres

import (
	"github.com/jackc/pgx/v5"
)

// batchRows are the rows of a statement sent in a batch. When the rows end (Next returns false or
// Close is called) the batch is closed too, so the connection is ready for the next statement.
type batchRows struct {
	pgx.Rows
	done   func() error
	closed bool
	err    error
}

func (r *batchRows) finish() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	if err := r.done(); err != nil && r.Rows.Err() == nil {
		r.err = err
	}
}

// Next advances to the next row and closes the batch after the last one.
func (r *batchRows) Next() bool {
	if r.closed {
		return false
	}
	if r.Rows.Next() {
		return true
	}
	r.finish()
	return false
}

// Close closes the rows and the batch.
func (r *batchRows) Close() { r.finish() }

// Err returns the statement's error, or the batch's.
func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// row is QueryRow's result: the first row of a query, or pgx.ErrNoRows.
type row struct {
	rows pgx.Rows
	err  error
}

// Scan scans the first row into dest and closes the rows.
func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
