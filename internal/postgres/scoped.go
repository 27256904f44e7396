package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// Querier runs statements bound to a scope. It satisfies sqlc's DBTX, so generated queries run on it.
// A Querier is valid only inside the function given to DB.Tx, DB.Read or DB.AsUser.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// bindSQL sets the transaction-local tenant, user and read-only settings. Values are always set
// with set_config(..., true): a session setting would survive on the pooled connection.
const bindSQL = `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true), set_config('transaction_read_only', $3, true)`

// The settings that CustomPlans and AsyncCommit add to the binding, transaction-locally too.
const (
	customPlansSQL = `, set_config('plan_cache_mode', 'force_custom_plan', true)`
	asyncCommitSQL = `, set_config('synchronous_commit', 'off', true)`
)

// bindVariants are the binding statements by txOptions; each is a statement of its own, so that
// the common one (index 0, bindSQL) carries nothing it does not need.
var bindVariants = [4]string{bindSQL, bindSQL + customPlansSQL, bindSQL + asyncCommitSQL, bindSQL + customPlansSQL + asyncCommitSQL}

// binding is what a scoped transaction sets before its first statement.
type binding struct {
	tenant, user string
	readOnly     bool
	opts         txOptions
}

// sql returns the binding's statement.
func (b binding) sql() string {
	i := 0
	if b.opts.customPlans {
		i |= 1
	}
	if b.opts.asyncCommit {
		i |= 2
	}
	return bindVariants[i]
}

func (b binding) args() []any {
	ro := "off"
	if b.readOnly {
		ro = "on"
	}
	return []any{b.tenant, b.user, ro}
}

// txOptions are the settings a context asks of its scoped transactions besides the scope.
type txOptions struct{ customPlans, asyncCommit bool }

type txOptionsKey struct{}

func optionsOf(ctx context.Context) txOptions {
	o, _ := ctx.Value(txOptionsKey{}).(txOptions)
	return o
}

// CustomPlans returns a copy of ctx whose scoped transactions (Tx, Read) plan each statement for
// its parameter values, every time (plan_cache_mode = force_custom_plan, transaction-local).
//
// pgx prepares and caches statements, and after five executions PostgreSQL may keep one generic
// plan, made without the values. For most statements that is the right trade. It is the wrong one
// for a statement with optional filters, `($n IS NULL OR col = $n)`: its generic plan is made for
// an average tenant and an unknown filter, and on a tenant with 50,000 rows it can sort them all
// to return 50 (docs/performance.md). Planning costs a fraction of a millisecond each time.
func CustomPlans(ctx context.Context) context.Context {
	o := optionsOf(ctx)
	o.customPlans = true
	return context.WithValue(ctx, txOptionsKey{}, o)
}

// AsyncCommit returns a copy of ctx whose scoped transactions commit without waiting for the WAL
// to reach the disk (synchronous_commit = off, transaction-local). A crash of the database server
// may then lose the last few hundred milliseconds of such commits, never half of one, and never
// anything of other transactions. Only for writes that may be lost that way, such as an API key's
// last-use time, which a request would otherwise wait a disk flush for.
func AsyncCommit(ctx context.Context) context.Context {
	o := optionsOf(ctx)
	o.asyncCommit = true
	return context.WithValue(ctx, txOptionsKey{}, o)
}

// Tx runs fn in a read-write transaction bound to the scope in ctx. BEGIN, the tenant setting and
// fn's first statement travel in one pipeline. The transaction commits when fn returns nil and
// rolls back when fn returns an error or panics.
func (db *DB) Tx(ctx context.Context, fn func(Querier) error) error {
	b, err := scopeBinding(ctx, false)
	if err != nil {
		return err
	}
	if h := db.joined(ctx, b); h != nil { // under Hold: join its transaction
		return h.nested(ctx, fn)
	}
	return db.runTx(ctx, b, fn)
}

// Read runs fn with read-only access bound to the scope in ctx. Each statement travels with the
// tenant setting in one pipeline and runs as its own implicit transaction: one round trip per
// statement, with the same visibility as a READ COMMITTED transaction. Use Tx when several reads
// must see one snapshot.
func (db *DB) Read(ctx context.Context, fn func(Querier) error) error {
	b, err := scopeBinding(ctx, true)
	if err != nil {
		return err
	}
	if h := db.joined(ctx, b); h != nil { // under Hold: read in its transaction, seeing its writes
		return h.nested(ctx, fn)
	}
	conn, err := db.app.Acquire(ctx)
	if err != nil {
		return translate(fmt.Errorf("postgres: read: acquire: %w", err))
	}
	defer conn.Release()
	p := &pipelined{conn: conn, bind: b}
	err = fn(p)
	if p.open != nil { // rows fn left open: finish the batch so the connection goes back clean
		_ = p.open.Close()
	}
	return translate(err)
}

// AsUser runs fn in a read-write transaction bound to one user and no tenant: it reaches the user's
// own global rows (the users table) and nothing of any tenant. Registration and sign-in use it
// before a tenant is chosen.
func (db *DB) AsUser(ctx context.Context, user tenancy.UserID, fn func(Querier) error) error {
	if user.IsZero() {
		return tenancy.ErrNoScope
	}
	return db.runTx(ctx, binding{user: user.String()}, fn)
}

// Global runs fn in a read-write transaction bound to no tenant and no user: it reaches only global
// tables the application role may write (the security log) and nothing of any tenant or user.
func (db *DB) Global(ctx context.Context, fn func(Querier) error) error {
	return db.runTx(ctx, binding{}, fn)
}

func scopeBinding(ctx context.Context, readOnly bool) (binding, error) {
	s, err := tenancy.FromContext(ctx)
	if err != nil {
		return binding{}, err
	}
	b := binding{tenant: s.Tenant.String(), readOnly: readOnly, opts: optionsOf(ctx)}
	if !s.Principal.UserID.IsZero() {
		b.user = s.Principal.UserID.String()
	}
	return b, nil
}

func (db *DB) runTx(ctx context.Context, b binding, fn func(Querier) error) (err error) {
	conn, err := db.app.Acquire(ctx)
	if err != nil {
		return translate(fmt.Errorf("postgres: tx: acquire: %w", err))
	}
	defer conn.Release()
	q := &lazyTx{conn: conn, bind: b}
	defer func() {
		if p := recover(); p != nil {
			q.rollback(ctx)
			panic(p)
		}
	}()
	if err = fn(q); err != nil {
		q.rollback(ctx)
		return translate(err)
	}
	if q.tx == nil { // fn ran no statement: there is nothing to commit
		return nil
	}
	if err = q.finishBatch(); err != nil { // rows of the first statement that fn left open
		q.rollback(ctx)
		return translate(fmt.Errorf("postgres: tx: %w", err))
	}
	if err = q.tx.Commit(ctx); err != nil {
		return translate(fmt.Errorf("postgres: commit: %w", err))
	}
	return nil
}

// lazyTx begins its transaction with the first statement: BEGIN, the binding and the statement go
// out as one batch, and the batch hands over a pgx.Tx for the statements after it.
type lazyTx struct {
	conn *pgxpool.Conn
	bind binding
	tx   pgx.Tx
	open pgx.BatchResults // the first batch while its rows are still being read
}

func (q *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if q.tx != nil {
		if q.open != nil {
			return pgconn.CommandTag{}, errors.New("postgres: a statement was sent before the previous rows were closed")
		}
		return q.tx.Exec(ctx, sql, args...)
	}
	br := q.begin(ctx, sql, args)
	_, err := br.Exec() // the binding
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	if cerr := q.finishBatch(); err == nil {
		err = cerr
	}
	return tag, err
}

func (q *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if q.tx != nil {
		if q.open != nil {
			return nil, errors.New("postgres: a statement was sent before the previous rows were closed")
		}
		return q.tx.Query(ctx, sql, args...)
	}
	br := q.begin(ctx, sql, args)
	if _, err := br.Exec(); err != nil {
		_ = q.finishBatch() // err says what went wrong; closing reports it again
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = q.finishBatch()
		return nil, err
	}
	return &batchRows{Rows: rows, done: q.finishBatch}, nil
}

func (q *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := q.Query(ctx, sql, args...)
	return &row{rows: rows, err: err}
}

// begin sends BEGIN, the binding and the first statement (none when sql is "") as one pipeline and
// returns the results positioned after BEGIN.
func (q *lazyTx) begin(ctx context.Context, sql string, args []any) pgx.BatchResults {
	var b pgx.Batch
	b.BeginTx(pgx.TxOptions{})
	b.Queue(q.bind.sql(), q.bind.args()...)
	if sql != "" {
		b.Queue(sql, args...)
	}
	br := q.conn.SendBatch(ctx, &b)
	q.tx, q.open = br.Tx(), br
	_, _ = br.Exec() // BEGIN's own result; an error here resurfaces on the next result
	return br
}

// pgxTx returns the transaction, begun (and bound) now if no statement has run yet.
func (q *lazyTx) pgxTx(ctx context.Context) (pgx.Tx, error) {
	if q.tx == nil {
		br := q.begin(ctx, "", nil)
		_, err := br.Exec() // the binding
		if cerr := q.finishBatch(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	if q.open != nil {
		return nil, errors.New("postgres: the transaction was handed over before the previous rows were closed")
	}
	return q.tx, nil
}

// finishBatch closes the first batch; the transaction is then usable for further statements.
func (q *lazyTx) finishBatch() error {
	if q.open == nil {
		return nil
	}
	err := q.open.Close()
	q.open = nil
	return err
}

func (q *lazyTx) rollback(ctx context.Context) {
	_ = q.finishBatch()
	if q.tx != nil {
		// A failed rollback leaves the connection mid-transaction; the pool destroys such
		// connections on release, so nothing of this transaction can leak to the next user.
		_ = q.tx.Rollback(context.WithoutCancel(ctx))
	}
}

// pipelined sends every statement as its own batch of [binding, statement]: one round trip, one
// implicit transaction, so the setting never outlives the statement.
type pipelined struct {
	conn *pgxpool.Conn
	bind binding
	open pgx.BatchResults
}

func (p *pipelined) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if p.open != nil {
		return nil, errors.New("postgres: a statement was sent before the previous rows were closed")
	}
	var b pgx.Batch
	b.Queue(p.bind.sql(), p.bind.args()...)
	b.Queue(sql, args...)
	br := p.conn.SendBatch(ctx, &b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (p *pipelined) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (p *pipelined) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	p.open = br
	return &batchRows{Rows: rows, done: func() error {
		err := p.open.Close()
		p.open = nil
		return err
	}}, nil
}

func (p *pipelined) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := p.Query(ctx, sql, args...)
	return &row{rows: rows, err: err}
}
