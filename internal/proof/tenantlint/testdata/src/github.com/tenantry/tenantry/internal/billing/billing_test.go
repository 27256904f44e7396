package billing

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Tests may open pools and use context.Background.
func TestOpen(t *testing.T) {
	pool, _ := pgxpool.New(context.Background(), "")
	_ = pool
}
