package parking

import (
	"testing"

	"github.com/google/uuid"
)

// TestAppendUUID: the page's ids are written as uuid.UUID.String writes them.
func TestAppendUUID(t *testing.T) {
	t.Parallel()
	for _, u := range []uuid.UUID{uuid.Nil, uuid.Max, uuid.New(), uuid.Must(uuid.NewV7())} {
		if got := string(appendUUID([]byte("x"), u)); got != "x"+u.String() {
			t.Errorf("appendUUID(%s) = %s", u, got)
		}
	}
}
