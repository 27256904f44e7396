package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/idempotency/store"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Store keeps the responses of creates (httpapi.Idempotency).
type Store struct {
	db  *postgres.DB
	box *secretbox.Box
	log *slog.Logger
}

// New returns the store on db; secretKey (secretbox.KeySize bytes) seals the stored bodies.
func New(db *postgres.DB, log *slog.Logger, secretKey []byte) (*Store, error) {
	box, err := secretbox.New(secretKey)
	if err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	return &Store{db: db, box: box, log: log}, nil
}

// errBusy says another request holds the key's lock; errNotStored rolls back a create whose
// response is not a success (nothing of it commits, and the key stays free).
var (
	errBusy      = errors.New("idempotency: the key is in use")
	errNotStored = errors.New("idempotency: not a success")
)

// The waits of a request whose key is locked by another: from the first to the longest.
const (
	firstWait = 5 * time.Millisecond
	maxWait   = 100 * time.Millisecond
)

// Once implements httpapi.Idempotency.
func (s *Store) Once(ctx context.Context, operation, key string, fingerprint [32]byte,
	create func(context.Context) (httpapi.Recorded, error),
) (httpapi.Recorded, bool, error) {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return httpapi.Recorded{}, false, err
	}
	k := keyOf(sc, key)
	wait := firstWait
	for {
		rec, replayed, err := s.attempt(ctx, k, operation, fingerprint, create)
		if !errors.Is(err, errBusy) {
			return rec, replayed, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return httpapi.Recorded{}, false, fmt.Errorf("idempotency: waiting for the key: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxWait)
	}
}

// storedKey is a key as it is stored and locked: the tenant's, the principal's, the client's.
type storedKey struct {
	tenant    tenancy.TenantID
	principal string
	key       string
}

func keyOf(sc tenancy.Scope, key string) storedKey {
	p := sc.Principal
	principal := string(p.Kind) + ":" + p.UserID.String()
	if p.KeyID != "" {
		principal += ":" + p.KeyID
	}
	return storedKey{tenant: sc.Tenant, principal: principal, key: key}
}

// lock is the advisory lock id of k: 64 bits of a hash of the whole key (a collision of two keys
// only makes one wait for the other).
func (k storedKey) lock() int64 {
	h := sha256.Sum256([]byte(k.tenant.String() + "\x00" + k.principal + "\x00" + k.key))
	return int64(binary.BigEndian.Uint64(h[:8])) //nolint:gosec // a hash's bits, not a quantity
}

// aad binds a sealed body to its key: a body moved to another row does not open.
func (k storedKey) aad() []byte {
	return []byte(k.tenant.String() + "\x00" + k.principal + "\x00" + k.key)
}

// attempt is one try: take the key's lock (else errBusy), replay a stored response, or run the
// create and store its response in the same transaction.
func (s *Store) attempt(ctx context.Context, k storedKey, operation string, fingerprint [32]byte,
	create func(context.Context) (httpapi.Recorded, error),
) (rec httpapi.Recorded, replayed bool, err error) {
	err = s.db.Hold(ctx, func(hctx context.Context, q postgres.Querier) error {
		st := store.New(q)
		locked, err := st.TryLock(hctx, k.lock())
		if err != nil {
			return err
		}
		if !locked {
			return errBusy
		}
		if err := st.DeleteExpired(hctx, k.tenant.UUID()); err != nil {
			return err
		}
		row, err := st.GetKey(hctx, store.GetKeyParams{TenantID: k.tenant.UUID(), Principal: k.principal, Key: k.key})
		switch {
		case err == nil:
			if row.Operation != operation || !bytes.Equal(row.Fingerprint, fingerprint[:]) {
				return errs.Invalidf("header."+httpapi.IdempotencyKeyHeader, "this key was used with another request")
			}
			body, err := s.box.Open(row.Body, k.aad())
			if err != nil {
				return fmt.Errorf("idempotency: open the stored response: %w", err)
			}
			rec = httpapi.Recorded{Status: int(row.Status), Location: row.Location, ContentType: row.ContentType, Body: body}
			replayed = true
			return nil
		case !postgres.IsNoRows(err):
			return err
		}
		if rec, err = create(hctx); err != nil {
			return err
		}
		if rec.Status < 200 || rec.Status > 299 {
			return errNotStored
		}
		sealed, err := s.box.Seal(rec.Body, k.aad())
		if err != nil {
			return fmt.Errorf("idempotency: seal the response: %w", err)
		}
		return st.PutKey(hctx, store.PutKeyParams{TenantID: k.tenant.UUID(), Principal: k.principal, Key: k.key,
			Operation: operation, Fingerprint: fingerprint[:], Status: int16(rec.Status), //nolint:gosec // 200..299
			Location: rec.Location, ContentType: rec.ContentType, Body: sealed})
	})
	if errors.Is(err, errNotStored) {
		return rec, false, nil
	}
	return rec, replayed, err
}

// Exclusive implements httpapi.Preconditions: fn runs in one transaction of the tenant in ctx
// that holds a transaction-scoped advisory lock on the tenant's object (as a key's requests do:
// a request that finds the lock taken waits outside any transaction and tries again).
func (s *Store) Exclusive(ctx context.Context, object string, fn func(context.Context) error) error {
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return err
	}
	h := sha256.Sum256([]byte(sc.Tenant.String() + "\x00object\x00" + object))
	lock := int64(binary.BigEndian.Uint64(h[:8])) //nolint:gosec // a hash's bits, not a quantity
	wait := firstWait
	for {
		err := s.db.Hold(ctx, func(hctx context.Context, q postgres.Querier) error {
			locked, err := store.New(q).TryLock(hctx, lock)
			if err != nil {
				return err
			}
			if !locked {
				return errBusy
			}
			return fn(hctx)
		})
		if !errors.Is(err, errBusy) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("idempotency: waiting for the object: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxWait)
	}
}
