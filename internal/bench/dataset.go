package bench

import (
	"crypto/md5"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// fewBase numbers the tenants of the small side of the scaling pair: fewBase+1, fewBase+2, ...;
// the main data set's tenants are 1..Tenants.
const fewBase = 1_000_000

// The ids of the loaded data derive from the tenant's number n (and the object's index i), so the
// loader computes them in SQL, the load generator in Go and pgbench in its script, all alike:
// md5 of a short text, read as a uuid (PostgreSQL's md5(...)::uuid gives the same 16 bytes).

// tenantID is the id of tenant n: md5(n::text)::uuid, what pgbench's md5(:t) selects.
func tenantID(n int) uuid.UUID { return md5UUID(strconv.Itoa(n)) }

// siteID is the id of tenant n's one site.
func siteID(n int) uuid.UUID { return md5UUID("site:" + strconv.Itoa(n)) }

// spaceID is the id of tenant n's space i (code S-i, zero-padded).
func spaceID(n, i int) uuid.UUID { return md5UUID(fmt.Sprintf("s:%d:%d", n, i)) }

// deviceID is the id of tenant n's sensor i, which sits on space i.
func deviceID(n, i int) uuid.UUID { return md5UUID(fmt.Sprintf("d:%d:%d", n, i)) }

// devEUI is the DevEUI of tenant n's sensor i: unique across tenants, so a reading landing in
// the wrong tenant could not even find its device there.
func devEUI(n, i int) string { return fmt.Sprintf("%08X%08X", n, i) }

// gatewayEUI is the EUI of tenant n's gateway.
func gatewayEUI(n int) string { return fmt.Sprintf("%08XFFFFFFFF", n) }

// tenantName is tenant n's name, which every space carries as tenant_name.
func tenantName(n int) string { return fmt.Sprintf("Bench tenant %d", n) }

func md5UUID(s string) uuid.UUID { return uuid.UUID(md5.Sum([]byte(s))) }

// tenant is what the load generator knows of one loaded tenant.
type tenant struct {
	n       int
	id      uuid.UUID
	name    string
	site    uuid.UUID
	key     string // the API key (spaces:read, reservations:write, webhook:ingest; operator ceiling)
	actor   string // what created_by says for the key: "api_key:<id>"
	spaces  int
	sensors int
}
