package postgres

import (
	"context"
	"fmt"
)

// held is a transaction that Hold keeps open for the calls made under its context.
type held struct {
	db   *DB
	q    *lazyTx
	bind binding
}

type heldKey struct{}

// Hold runs fn in a read-write transaction bound to the scope in ctx, like Tx, and hands fn a
// context under which this DB's Tx and Read calls bound to the same scope join that transaction
// instead of opening their own: everything fn does through them commits once, when fn returns
// nil, or not at all. A joined Tx runs in a savepoint, so an error it returns undoes its own
// statements only, as a Tx of its own would. Calls bound to another scope (another tenant) keep
// their own transactions. The idempotency keys use it: the response is stored in the
// transaction that made the effect.
func (db *DB) Hold(ctx context.Context, fn func(ctx context.Context, q Querier) error) error {
	b, err := scopeBinding(ctx, false)
	if err != nil {
		return err
	}
	conn, err := db.app.Acquire(ctx)
	if err != nil {
		return translate(fmt.Errorf("postgres: hold: acquire: %w", err))
	}
	defer conn.Release()
	q := &lazyTx{conn: conn, bind: b}
	hctx := context.WithValue(ctx, heldKey{}, &held{db: db, q: q, bind: b})
	defer func() {
		if p := recover(); p != nil {
			q.rollback(ctx)
			panic(p)
		}
	}()
	if err = fn(hctx, q); err != nil {
		q.rollback(ctx)
		return translate(err)
	}
	if q.tx == nil {
		return nil
	}
	if err = q.finishBatch(); err != nil {
		q.rollback(ctx)
		return translate(fmt.Errorf("postgres: hold: %w", err))
	}
	if err = q.tx.Commit(ctx); err != nil {
		return translate(fmt.Errorf("postgres: commit: %w", err))
	}
	return nil
}

// joined returns the transaction held for ctx that a call on db bound by b may join.
func (db *DB) joined(ctx context.Context, b binding) *held {
	h, _ := ctx.Value(heldKey{}).(*held)
	if h == nil || h.db != db || h.bind.tenant != b.tenant || h.bind.user != b.user {
		return nil
	}
	return h
}

// nested runs fn on the held transaction inside a savepoint.
func (h *held) nested(ctx context.Context, fn func(Querier) error) (err error) {
	if _, err := h.q.Exec(ctx, "SAVEPOINT tenantry_joined"); err != nil {
		return translate(fmt.Errorf("postgres: savepoint: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			_, _ = h.q.Exec(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT tenantry_joined")
			panic(p)
		}
	}()
	if err = fn(h.q); err != nil {
		_ = h.q.finishBatch()
		if _, rerr := h.q.Exec(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT tenantry_joined"); rerr != nil {
			return translate(fmt.Errorf("%w (and rolling back to the savepoint: %w)", err, rerr))
		}
		return translate(err)
	}
	if err := h.q.finishBatch(); err != nil {
		return translate(fmt.Errorf("postgres: joined: %w", err))
	}
	if _, err := h.q.Exec(ctx, "RELEASE SAVEPOINT tenantry_joined"); err != nil {
		return translate(fmt.Errorf("postgres: release savepoint: %w", err))
	}
	return nil
}
