// Package blob stores the files products attach to tenant data (session uploads) behind a small
// interface, so another backend (an S3-compatible store) can be added without touching a product.
//
// Keys are slash-separated and always start with the tenant: Key(tenant, "uploads", id) gives
// "tenants/<tenant>/uploads/<id>". A tenant's files are therefore one prefix, which is how tenant
// export walks them and how verifiable deletion removes them and proves none are left.
package blob

import (
	"context"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// ErrNotFound answers Open and Stat for a key that holds no object.
var ErrNotFound = errors.New("blob: not found")

// Store is where objects live. Put is atomic: a reader that fails or a context cancelled midway
// leaves nothing at the key (and no partial file behind).
type Store interface {
	// Put writes r to key, replacing any object there, and returns the bytes written.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads the object at key; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object at key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Walk calls fn for every object under prefix (a key prefix ending in "/"), in key order.
	Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error
	// DeletePrefix removes every object under prefix.
	DeletePrefix(ctx context.Context, prefix string) error
}

// TenantPrefix is the prefix of every key of tenant: "tenants/<tenant>/".
func TenantPrefix(tenant uuid.UUID) string { return "tenants/" + tenant.String() + "/" }

// Key joins a tenant's key from parts ("uploads", id); parts may not be empty, ".", ".." or hold a
// slash, so a key never escapes its tenant's prefix.
func Key(tenant uuid.UUID, parts ...string) (string, error) {
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "/\\\x00") {
			return "", errors.New("blob: invalid key part " + strconv.Quote(p))
		}
	}
	return TenantPrefix(tenant) + path.Join(parts...), nil
}
