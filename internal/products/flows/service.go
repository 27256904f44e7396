package flows

import (
	"log/slog"
	"time"

	"github.com/tenantry/tenantry/internal/blob"
	"github.com/tenantry/tenantry/internal/postgres"
)

// Service is the flows product. Its exported methods each run in one transaction bound to the
// scope in the context (postgres.DB.Tx / Read); owner-only resources (sessions, share links) carry
// the calling user in the query itself, never fetched then compared.
type Service struct {
	db  *postgres.DB
	log *slog.Logger
	now func() time.Time

	files     blob.Store // session uploads (UseUploads); nil: none configured
	uploadMax int64      // the largest upload in bytes
	urlKey    []byte     // signs download URLs, derived from the secret key
	psa       psaDeps    // PSA push (UsePSA); zero until then
	ai        aiParts    // AI sessions: the provider, the jobs' test hook (ai_service.go)
	publicURL string     // the base of share links' url (WithPublicURL)
}

// New returns the flows service.
func New(db *postgres.DB, log *slog.Logger) *Service {
	return &Service{db: db, log: log, now: time.Now, ai: aiParts{provider: NewLocalProvider()}}
}
