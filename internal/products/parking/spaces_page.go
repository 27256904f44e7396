package parking

import (
	"encoding/hex"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// spacesOf converts a page of rows as spaceOf does, with the page's ids formatted into one string
// that each space's id fields are cut from: one allocation for all of them instead of one per id,
// which made up two of a listed space's fourteen allocations (docs/performance.md, "Allocation
// budget of a list request"). row views an element of rows as the row of one space.
func spacesOf[R any](rows []R, row func(*R) *store.GetSpaceRow) []Space {
	const n = 36 // len(uuid.UUID.String())
	size := 0
	for i := range rows {
		r := row(&rows[i])
		size += 2 * n
		if r.OverrideID.Valid {
			size += n
		}
		if r.ReservationID.Valid {
			size += n
		}
	}
	buf := make([]byte, 0, size)
	for i := range rows {
		r := row(&rows[i])
		buf = appendUUID(appendUUID(buf, r.ID), r.SiteID)
		if r.OverrideID.Valid {
			buf = appendUUID(buf, r.OverrideID.UUID)
		}
		if r.ReservationID.Valid {
			buf = appendUUID(buf, r.ReservationID.UUID)
		}
	}
	text := string(buf)
	next := func() string {
		s := text[:n]
		text = text[n:]
		return s
	}
	out := make([]Space, len(rows))
	for i := range rows {
		r := row(&rows[i])
		sp := spaceFields(r)
		sp.ID, sp.SiteID = next(), next()
		if r.OverrideID.Valid {
			sp.Override = &ActiveOverride{ID: next(), Kind: deref(r.OverrideKind), Reason: deref(r.OverrideReason), Until: r.OverrideUntil}
		}
		if r.ReservationID.Valid {
			sp.Reservation = &ActiveReservationSummary{ID: next(), Until: r.ReservedUntil}
		}
		out[i] = sp
	}
	return out
}

// appendUUID appends u in its canonical form (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), as
// uuid.UUID.String writes it.
func appendUUID(dst []byte, u uuid.UUID) []byte {
	dst = hex.AppendEncode(dst, u[0:4])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, u[4:6])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, u[6:8])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, u[8:10])
	dst = append(dst, '-')
	return hex.AppendEncode(dst, u[10:16])
}
