package postgres_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// TestUUIDRoundTrip checks the pools' binary codec for google/uuid types against the server:
// parameters of every form arrive as the right uuid (or NULL), and scans keep the sql.Scanner
// semantics (NULL leaves a uuid.UUID as it was and makes a NullUUID invalid).
func TestUUIDRoundTrip(t *testing.T) {
	t.Parallel()
	db := testenv.NewDB(t).Open(t, 1)
	ctx := t.Context()
	a, b := uuid.New(), uuid.New()
	err := db.Global(ctx, func(q postgres.Querier) error {
		var (
			gotA, untouched    uuid.UUID
			gotB, gotNull      uuid.NullUUID
			gotArr             []uuid.UUID
			asText             string
			viaPgtype          pgtype.UUID
			nullIsNull, arrLen bool
		)
		untouched = b
		err := q.QueryRow(ctx, `SELECT $1::uuid, $2::uuid, $3::uuid IS NULL, NULL::uuid, NULL::uuid, $4::uuid[],
       $1::uuid::text, $5::uuid, cardinality($4::uuid[]) = 2`,
			a, uuid.NullUUID{UUID: b, Valid: true}, uuid.NullUUID{}, []uuid.UUID{a, b}, pgtype.UUID{Bytes: b, Valid: true},
		).Scan(&gotA, &gotB, &nullIsNull, &gotNull, &untouched, &gotArr, &asText, &viaPgtype, &arrLen)
		if err != nil {
			return err
		}
		switch {
		case gotA != a || gotB != (uuid.NullUUID{UUID: b, Valid: true}) || !nullIsNull:
			t.Errorf("parameters: got %v, %v, NULL=%v", gotA, gotB, nullIsNull)
		case gotNull.Valid || untouched != b:
			t.Errorf("NULL scans: NullUUID %v, UUID %v (want invalid, unchanged %v)", gotNull, untouched, b)
		case len(gotArr) != 2 || gotArr[0] != a || gotArr[1] != b || !arrLen:
			t.Errorf("array: got %v", gotArr)
		case asText != a.String() || viaPgtype.Bytes != b || !viaPgtype.Valid:
			t.Errorf("text %q, pgtype %v", asText, viaPgtype)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
