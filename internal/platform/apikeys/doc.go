// Package apikeys owns tenant API keys: creation by an owner, listing and revocation, and the
// authentication of the X-API-Key header.
//
// A key reads tnr_key_<base62 of tenant id, key id and a 256-bit secret><CRC-32>. The checksum
// rejects a mistyped or forged key before any database query; the tenant and key ids are not
// secret and let the key be found with a tenant-scoped read (no cross-tenant lookup); only a
// SHA-256 hash of the secret is stored. A key's effective role is the lower of its ceiling and
// its creator's current role, and it can use only its scopes. No scope lets a key create keys.
package apikeys
