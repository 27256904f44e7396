package postgres

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// BenchmarkUUIDParam encodes and scans one google/uuid value the way pgx does for a query
// parameter and a result column, with pgx's default type map and with the pools' (registerUUID).
func BenchmarkUUIDParam(b *testing.B) {
	id := uuid.New()
	for _, tc := range []struct {
		name string
		m    *pgtype.Map
	}{{"default", pgtype.NewMap()}, {"registered", registered()}} {
		b.Run(tc.name+"/encode", func(b *testing.B) {
			plan := tc.m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id)
			buf := make([]byte, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := plan.Encode(id, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/scan", func(b *testing.B) {
			var dst uuid.UUID
			plan := tc.m.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &dst)
			b.ReportAllocs()
			for b.Loop() {
				if err := plan.Scan(id[:], &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func registered() *pgtype.Map {
	m := pgtype.NewMap()
	registerUUID(m)
	return m
}
