package postgres

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// Every id Tenantry passes to and reads from PostgreSQL is a github.com/google/uuid UUID or
// NullUUID (sqlc generates them). pgx knows those types only as driver.Valuer and sql.Scanner: it
// formats each parameter as text, fails to encode the text in binary, parses it back and encodes
// again (about 1.5 µs and 19 allocations per parameter), and scans through the text form. The
// codec below gives both types pgx's binary uuid path (measured in docs/performance.md). Text
// format, and every other Go type, goes to pgx's own UUID codec unchanged.

// registerUUID replaces the uuid and uuid[] types of a connection's type map with ones that
// encode and scan uuid.UUID and uuid.NullUUID directly. The pools call it for every new connection.
func registerUUID(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: googleUUIDCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

// googleUUIDCodec is pgx's UUIDCodec with binary plans for uuid.UUID and uuid.NullUUID.
type googleUUIDCodec struct{ pgtype.UUIDCodec }

// PlanEncode encodes uuid.UUID and uuid.NullUUID (NULL when not Valid) as binary uuids.
func (c googleUUIDCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if format == pgtype.BinaryFormatCode {
		switch value.(type) {
		case uuid.UUID, uuid.NullUUID:
			return encodeGoogleUUID{}
		}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

// PlanScan scans binary uuids into *uuid.UUID and *uuid.NullUUID with the semantics of their
// sql.Scanner methods: NULL leaves a *uuid.UUID unchanged and makes a NullUUID invalid.
func (c googleUUIDCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if format == pgtype.BinaryFormatCode {
		switch target.(type) {
		case *uuid.UUID, *uuid.NullUUID:
			return scanGoogleUUID{}
		}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type encodeGoogleUUID struct{}

func (encodeGoogleUUID) Encode(value any, buf []byte) ([]byte, error) {
	switch v := value.(type) {
	case uuid.UUID:
		return append(buf, v[:]...), nil
	case uuid.NullUUID:
		if !v.Valid {
			return nil, nil
		}
		return append(buf, v.UUID[:]...), nil
	}
	return nil, fmt.Errorf("postgres: cannot encode %T as a uuid", value)
}

type scanGoogleUUID struct{}

func (scanGoogleUUID) Scan(src []byte, dst any) error {
	if src != nil && len(src) != len(uuid.UUID{}) {
		return errBadUUID
	}
	switch d := dst.(type) {
	case *uuid.UUID:
		if src != nil {
			*d = uuid.UUID(src)
		}
	case *uuid.NullUUID:
		*d = uuid.NullUUID{}
		if src != nil {
			d.UUID, d.Valid = uuid.UUID(src), true
		}
	default:
		return pgtype.ErrScanTargetTypeChanged
	}
	return nil
}

// errBadUUID is a binary uuid of the wrong length, which a PostgreSQL server never sends.
var errBadUUID = errors.New("postgres: a binary uuid must be 16 bytes")
