package flows

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/audit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// DefaultUploadMaxBytes is the largest upload unless configured (TENANTRY_UPLOAD_MAX_BYTES): 10 MiB.
const DefaultUploadMaxBytes = 10 << 20

// maxFilenameLen is the longest filename kept (flow_session_uploads.filename), in characters.
const maxFilenameLen = 255

// uploadTypes are the content types an upload may have, as http.DetectContentType names them
// from the file's first bytes. The type the client declares is not consulted.
var uploadTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain; charset=utf-8": true,
}

// The answers of CreateUpload besides NotFound and Invalid.
var (
	// ErrUploadTooLarge is the answer to a file over the limit (413); nothing is stored.
	ErrUploadTooLarge = errs.E(errs.Invalid, "the file is larger than the upload limit")
	// ErrUploadType is the answer to a file whose bytes are none of the allowed types (415).
	ErrUploadType = errs.E(errs.Invalid, "the file is not a PNG, JPEG, GIF or WebP image, a PDF or UTF-8 text")
)

// Upload is a file attached to a session.
type Upload struct {
	ID          uuid.UUID `json:"id" format:"uuid"`
	SessionID   uuid.UUID `json:"session_id" format:"uuid"`
	UploadedBy  uuid.UUID `json:"uploaded_by" format:"uuid" doc:"The member who uploaded it"`
	Filename    string    `json:"filename" example:"event-log.png"`
	ContentType string    `json:"content_type" doc:"Detected from the file's bytes" example:"image/png"`
	SizeBytes   int64     `json:"size_bytes" example:"48213"`
	SHA256      string    `json:"sha256" doc:"Hex SHA-256 of the file" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
	CreatedAt   time.Time `json:"created_at"`
}

// UploadKey is the position of an upload in a list, newest first.
type UploadKey struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// UseUploads gives the service its file store, the largest upload in bytes (0: the default) and
// the key that signs download URLs (derived from secret, TENANTRY_SECRET_KEY). Without it every
// upload operation answers an internal error.
func (s *Service) UseUploads(files blob.Store, maxBytes int64, secret []byte) error {
	if files == nil || len(secret) < 32 {
		return errors.New("flows: uploads need a store and a 32-byte secret key")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultUploadMaxBytes
	}
	s.files, s.uploadMax, s.urlKey = files, maxBytes, uploadURLKey(secret)
	return nil
}

// UploadMaxBytes is the largest upload the service takes.
func (s *Service) UploadMaxBytes() int64 {
	if s.uploadMax <= 0 {
		return DefaultUploadMaxBytes
	}
	return s.uploadMax
}

// CreateUpload stores body as a file of one of the caller's sessions. The session is checked
// first (another member's or tenant's is NotFound, and nothing is read). The content type is
// detected from the first bytes (ErrUploadType unless allowed); the file is streamed to the store
// with its size bounded (ErrUploadTooLarge) and hashed on the way; then the row and its audit
// event are written in one transaction. A body that ends early (the client went away) fails the
// store's atomic write, leaving no file and no row; a row that cannot be written removes the file.
func (s *Service) CreateUpload(ctx context.Context, session uuid.UUID, filename string, body io.Reader) (Upload, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return Upload{}, fmt.Errorf("flows: create upload: %w", err)
	}
	if s.files == nil {
		return Upload{}, errors.New("flows: create upload: no file store configured")
	}
	name, err := cleanFilename(filename)
	if err != nil {
		return Upload{}, err
	}
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		_, err := store.New(q).SessionVisible(ctx, store.SessionVisibleParams{TenantID: m.tenant, ID: session, Me: m.user})
		return err
	})
	if err != nil {
		return Upload{}, fmt.Errorf("flows: create upload: %w", notFound(err))
	}
	// Detect the type from the first 512 bytes (all http.DetectContentType reads).
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Upload{}, uploadReadError("flows: create upload", err)
	}
	head = head[:n]
	if n == 0 {
		return Upload{}, errs.Invalidf("body", "the file is empty")
	}
	ctype := http.DetectContentType(head)
	if !uploadTypes[ctype] || ctype == "text/plain; charset=utf-8" && looksLikeMarkup(head) {
		return Upload{}, ErrUploadType
	}
	// Stream to the store: its Put is atomic, so a failed read leaves nothing behind.
	id := tenancy.NewID()
	key, err := blob.Key(m.tenant, "uploads", id.String())
	if err != nil {
		return Upload{}, fmt.Errorf("flows: create upload: %w", err)
	}
	hash := sha256.New()
	limited := &capped{r: io.MultiReader(bytes.NewReader(head), body), left: s.UploadMaxBytes()}
	size, err := s.files.Put(ctx, key, io.TeeReader(limited, hash))
	if err != nil {
		return Upload{}, uploadReadError("flows: create upload", err)
	}
	// Then the row, on the session still being the caller's; no row, no file.
	now := s.now().UTC().Truncate(time.Microsecond)
	sum := hash.Sum(nil)
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).InsertUpload(ctx, store.InsertUploadParams{ID: id, Me: m.user, Filename: name, ContentType: ctype,
			SizeBytes: size, Sha256: sum, StorageKey: key, Now: now, TenantID: m.tenant, SessionID: session})
		if err != nil {
			return err
		}
		if rows == 0 {
			return errs.ErrNotFound
		}
		return auditUpload(ctx, q, "upload.create", id, map[string]any{"session_id": session.String(), "filename": name,
			"content_type": ctype, "size_bytes": size})
	})
	if err != nil {
		if derr := s.files.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.log.ErrorContext(ctx, "flows: create upload: file left without a row", "key", key, "err", derr)
		}
		return Upload{}, fmt.Errorf("flows: create upload: %w", err)
	}
	return Upload{ID: id, SessionID: session, UploadedBy: m.user, Filename: name, ContentType: ctype, SizeBytes: size,
		SHA256: fmt.Sprintf("%x", sum), CreatedAt: now}, nil
}

// GetUpload returns an upload of one of the caller's sessions.
func (s *Service) GetUpload(ctx context.Context, session, id uuid.UUID) (Upload, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return Upload{}, fmt.Errorf("flows: get upload: %w", err)
	}
	var row store.GetUploadRow
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		row, err = store.New(q).GetUpload(ctx, store.GetUploadParams{TenantID: m.tenant, SessionID: session, ID: id, Me: m.user})
		return err
	})
	if err != nil {
		return Upload{}, fmt.Errorf("flows: get upload: %w", notFound(err))
	}
	return uploadView(store.ListUploadsRow(row)), nil
}

// ListUploads returns a page of the uploads of one of the caller's sessions, newest first; for
// anyone else's session (or none) NotFound.
func (s *Service) ListUploads(ctx context.Context, session uuid.UUID, size int, after *UploadKey) ([]Upload, error) {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return nil, fmt.Errorf("flows: list uploads: %w", err)
	}
	p := store.ListUploadsParams{TenantID: m.tenant, SessionID: session, Me: m.user, Lim: int32(size + 1)}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.CreatedAt, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Upload
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := st.SessionVisible(ctx, store.SessionVisibleParams{TenantID: m.tenant, ID: session, Me: m.user}); err != nil {
			return err
		}
		rows, err := st.ListUploads(ctx, p)
		for _, r := range rows {
			out = append(out, uploadView(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flows: list uploads: %w", notFound(err))
	}
	return out, nil
}

// DeleteUpload removes an upload of one of the caller's sessions: the row and its audit event in
// one transaction, then the file. A file that cannot be removed is logged; it is under the
// tenant's prefix, which tenant deletion removes whole.
func (s *Service) DeleteUpload(ctx context.Context, session, id uuid.UUID) error {
	m, err := memberOf(ctx, tenancy.RoleOperator)
	if err != nil {
		return fmt.Errorf("flows: delete upload: %w", err)
	}
	if s.files == nil {
		return errors.New("flows: delete upload: no file store configured")
	}
	var row store.DeleteUploadRow
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		row, err = store.New(q).DeleteUpload(ctx, store.DeleteUploadParams{TenantID: m.tenant, SessionID: session, ID: id, Me: m.user})
		if err != nil {
			return err
		}
		return auditUpload(ctx, q, "upload.delete", id, map[string]any{"session_id": session.String(), "filename": row.Filename,
			"size_bytes": row.SizeBytes})
	})
	if err != nil {
		return fmt.Errorf("flows: delete upload: %w", notFound(err))
	}
	if err := s.files.Delete(context.WithoutCancel(ctx), row.StorageKey); err != nil {
		s.log.ErrorContext(ctx, "flows: delete upload: file left behind", "key", row.StorageKey, "err", err)
	}
	return nil
}

func auditUpload(ctx context.Context, q postgres.Querier, action string, id uuid.UUID, details map[string]any) error {
	return audit.Record(ctx, q, audit.Event{Action: action, TargetType: "session_upload", TargetID: id.String(), Details: details})
}

func uploadView(r store.ListUploadsRow) Upload {
	return Upload{ID: r.ID, SessionID: r.SessionID, UploadedBy: r.UserID, Filename: r.Filename, ContentType: r.ContentType,
		SizeBytes: r.SizeBytes, SHA256: fmt.Sprintf("%x", r.Sha256), CreatedAt: r.CreatedAt}
}

// cleanFilename keeps the last path element of a client's filename, without control characters,
// and refuses one that is empty or too long.
func cleanFilename(name string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	switch {
	case name == "" || name == "." || name == "..":
		return "", errs.Invalidf("query.filename", "give the file's name")
	case utf8.RuneCountInString(name) > maxFilenameLen:
		return "", errs.Invalidf("query.filename", "at most %d characters", maxFilenameLen)
	}
	return name, nil
}

// markup are the starts of documents a browser would render (HTML, SVG, XML) that
// http.DetectContentType calls text when they open with an element it does not know.
var markup = []string{"<script", "<html", "<svg", "<iframe", "<!doctype", "<?xml", "<body", "<object", "<embed"}

// looksLikeMarkup reports text whose first bytes hold the start of a rendered document: such a
// file is refused rather than kept as text/plain.
func looksLikeMarkup(head []byte) bool {
	lower := bytes.ToLower(head)
	for _, m := range markup {
		if bytes.Contains(lower, []byte(m)) {
			return true
		}
	}
	return false
}

// errTooLarge is what capped reads past its limit.
var errTooLarge = errors.New("flows: upload over the limit")

// capped reads r and fails once more than left bytes come.
type capped struct {
	r    io.Reader
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return 0, errTooLarge
	}
	return n, err
}

// uploadReadError turns a failed read of an upload into its answer: over the limit (ours or the
// server's body limit) ErrUploadTooLarge; a body that ended early (the client went away) Invalid,
// which the client rarely sees; anything else (the store failing) an internal error.
func uploadReadError(op string, err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, errTooLarge) || errors.As(err, &tooLarge):
		return ErrUploadTooLarge
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled):
		return errs.Invalidf("body", "the upload was cut short")
	}
	return fmt.Errorf("%s: %w", op, err)
}
