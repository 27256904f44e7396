package tenantdata

import "strings"

// Secret reports whether a column holds a secret or the hash of one, which the export leaves out:
// a name that is password or secret, or ends in _hash (token_hash, password_hash, code_hash,
// secret_hash, state_hash, request_hash), _enc or _sealed (secrets sealed at rest), _secret
// (client_secret, ingest_secret) or _token (chirpstack_token), or starts with password.
// Sealed lists the sealed columns whose name the rule does not catch.
func Secret(column string) bool {
	c := strings.ToLower(column)
	if c == "password" || c == "secret" || strings.HasPrefix(c, "password") {
		return true
	}
	for _, suffix := range []string{"_hash", "_enc", "_sealed", "_secret", "_token"} {
		if strings.HasSuffix(c, suffix) {
			return true
		}
	}
	return false
}

// Sealed are, per table, the columns sealed with TENANTRY_SECRET_KEY whose name says nothing of it:
// an idempotency key's stored answer (it may hold a secret shown once, such as a new API key).
var Sealed = map[string][]string{"idempotency_keys": {"body"}}
