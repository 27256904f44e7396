// Package parking is the parking operations product: sites, spaces (bays), devices (sensors,
// displays, gateways), the ChirpStack ingest webhook with its orphan inbox, the derived space state
// and its history, reservations, and telemetry.
//
// Every table is tenant data under shared/spec/isolation.md. Exported service methods open one
// scoped transaction with postgres.DB.Tx or Read; helpers take the transaction's Querier. Every
// change writes its audit row in the same transaction.
//
// Space state: the sensor's occupancy, the reservations and the administrative overrides are
// stored as separate facts; the availability state is derived from them with the priority
// override > occupied > reserved > free (the v_spaces view), so a sensor can never clear a
// maintenance override.
package parking
