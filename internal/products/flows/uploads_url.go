package flows

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// UploadURLTTL is how long a signed download URL stays valid.
const UploadURLTTL = 5 * time.Minute

// DownloadPath is the public operation a signed download URL points to; its token query
// parameter carries the signature.
const DownloadPath = "/api/v1/files"

// uploadURLInfo labels the key derived from TENANTRY_SECRET_KEY for download URLs, so that no
// other use of the secret key can produce or check one.
const uploadURLInfo = "tenantry flows upload download url v1"

// tokenLen is the length of a decoded token: tenant, upload (16 bytes each), expiry (8, Unix
// seconds, big-endian) and the HMAC-SHA256 of those 40 bytes (32).
const tokenLen = 16 + 16 + 8 + sha256.Size

// uploadURLKey derives the signing key of download URLs from the secret key.
func uploadURLKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(uploadURLInfo))
	return m.Sum(nil)
}

// SignedUploadPath returns the path and query of a download URL of upload in tenant that is
// valid until expires, signed with the key derived from secret (TENANTRY_SECRET_KEY).
func SignedUploadPath(secret []byte, tenant, upload uuid.UUID, expires time.Time) string {
	return signedPath(uploadURLKey(secret), tenant, upload, expires)
}

func signedPath(key []byte, tenant, upload uuid.UUID, expires time.Time) string {
	b := make([]byte, 0, tokenLen)
	b = append(b, tenant[:]...)
	b = append(b, upload[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(expires.Unix()))
	m := hmac.New(sha256.New, key)
	m.Write(b)
	b = m.Sum(b)
	return DownloadPath + "?token=" + url.QueryEscape(base64.RawURLEncoding.EncodeToString(b))
}

// verifyToken returns the tenant and upload a token names if its signature holds and it has not
// expired at now; else NotFound, whatever the reason.
func verifyToken(key []byte, token string, now time.Time) (uuid.UUID, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenLen {
		return uuid.Nil, uuid.Nil, errs.ErrNotFound
	}
	m := hmac.New(sha256.New, key)
	m.Write(b[:40])
	if !hmac.Equal(m.Sum(nil), b[40:]) {
		return uuid.Nil, uuid.Nil, errs.ErrNotFound
	}
	exp := int64(binary.BigEndian.Uint64(b[32:40]))
	if !now.Before(time.Unix(exp, 0)) {
		return uuid.Nil, uuid.Nil, errs.ErrNotFound
	}
	tenant, _ := uuid.FromBytes(b[:16])
	upload, _ := uuid.FromBytes(b[16:32])
	return tenant, upload, nil
}

// UploadURL is a short-lived download URL of an upload.
type UploadURL struct {
	URL       string    `json:"url" doc:"The download's path and query, on this API's host; no credentials needed until it expires" example:"/api/v1/files?token=AZOv..."`
	ExpiresAt time.Time `json:"expires_at"`
}

// UploadURL signs a download URL of an upload of one of the caller's sessions, valid for
// UploadURLTTL.
func (s *Service) UploadURL(ctx context.Context, session, id uuid.UUID) (UploadURL, error) {
	u, err := s.GetUpload(ctx, session, id)
	if err != nil {
		return UploadURL{}, err
	}
	if s.urlKey == nil {
		return UploadURL{}, errors.New("flows: upload url: no signing key configured")
	}
	sc, err := tenancy.FromContext(ctx)
	if err != nil {
		return UploadURL{}, fmt.Errorf("flows: upload url: %w", err)
	}
	exp := s.now().Add(UploadURLTTL).Truncate(time.Second)
	return UploadURL{URL: signedPath(s.urlKey, sc.Tenant.UUID(), u.ID, exp), ExpiresAt: exp.UTC()}, nil
}

// UploadFile is an upload opened for download.
type UploadFile struct {
	Filename    string
	ContentType string
	Size        int64
	Body        io.ReadCloser
}

// OpenUpload opens the file a signed download token names, for anyone holding it: no scope is
// needed in ctx. A token that is malformed, altered or expired, and one whose upload was deleted
// (or whose file is gone), all answer the same NotFound. The row is read in the token's tenant,
// under an anonymous principal.
func (s *Service) OpenUpload(ctx context.Context, token string) (UploadFile, error) {
	if s.urlKey == nil || s.files == nil {
		return UploadFile{}, errors.New("flows: open upload: no file store configured")
	}
	tenant, id, err := verifyToken(s.urlKey, token, s.now())
	if err != nil {
		return UploadFile{}, err
	}
	sctx, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(tenant),
		Principal: tenancy.Principal{Kind: tenancy.PrincipalAnon, KeyID: id.String()}, Role: tenancy.RoleViewer})
	if err != nil {
		return UploadFile{}, fmt.Errorf("flows: open upload: %w", err)
	}
	var row store.GetUploadFileRow
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetUploadFile(sctx, store.GetUploadFileParams{TenantID: tenant, ID: id})
		return err
	})
	if err != nil {
		return UploadFile{}, fmt.Errorf("flows: open upload: %w", notFound(err))
	}
	f, err := s.files.Open(ctx, row.StorageKey)
	if errors.Is(err, blob.ErrNotFound) {
		return UploadFile{}, errs.ErrNotFound
	} else if err != nil {
		return UploadFile{}, fmt.Errorf("flows: open upload: %w", err)
	}
	return UploadFile{Filename: row.Filename, ContentType: row.ContentType, Size: row.SizeBytes, Body: f}, nil
}
