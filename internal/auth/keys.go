package auth

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Key ring limits.
const (
	// MinKeyBytes is the minimum length of an HS256 signing key: 256 bits, the size of the
	// SHA-256 output (RFC 7518 §3.2). Keys must come from a random source, never a password.
	MinKeyBytes = 32
	// maxKidLength bounds a key id.
	maxKidLength = 64
)

// Keys is a pinned ring of HS256 signing keys indexed by key id ("kid"). New tokens are signed
// with the current key; tokens signed with any key in the ring verify, so a key can be rotated by
// adding a new current key and removing the old one after the access-token TTL. A Keys is
// immutable and safe for concurrent use. Its String, fmt and slog forms list key ids only.
type Keys struct {
	current string
	keys    map[string][]byte
}

// NewKeys returns a key ring whose current signing key is keys[current]. Key ids must be 1 to 64
// characters from [A-Za-z0-9_-]; every key must be at least MinKeyBytes long. The keys are
// copied.
func NewKeys(current string, keys map[string][]byte) (*Keys, error) {
	ring := &Keys{current: current, keys: make(map[string][]byte, len(keys))}
	for kid, key := range keys {
		if !validKid(kid) {
			return nil, fmt.Errorf("auth: new keys: invalid key id %q", kid)
		}
		if len(key) < MinKeyBytes {
			return nil, fmt.Errorf("auth: new keys: key %q is %d bytes, want at least %d", kid, len(key), MinKeyBytes)
		}
		ring.keys[kid] = slices.Clone(key)
	}
	if _, ok := ring.keys[current]; !ok {
		return nil, fmt.Errorf("auth: new keys: current key id %q is not in the ring", current)
	}
	return ring, nil
}

func validKid(kid string) bool {
	if kid == "" || len(kid) > maxKidLength {
		return false
	}
	for _, c := range []byte(kid) {
		if !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// Current returns the id of the key that signs new tokens.
func (k Keys) Current() string { return k.current }

// IDs returns the ids of all keys in the ring, sorted.
func (k Keys) IDs() []string {
	ids := make([]string, 0, len(k.keys))
	for kid := range k.keys {
		ids = append(ids, kid)
	}
	slices.Sort(ids)
	return ids
}

// lookup returns the key for kid, which is untrusted input used only as a map key.
func (k Keys) lookup(kid string) ([]byte, bool) {
	key, ok := k.keys[kid]
	return key, ok
}

// String describes the ring without its key material.
func (k Keys) String() string {
	ids := k.IDs()
	for i, id := range ids {
		ids[i] = strconv.Quote(id)
	}
	return fmt.Sprintf("auth.Keys{current: %q, ids: [%s], keys: REDACTED}", k.current, strings.Join(ids, " "))
}

// Format implements fmt.Formatter so that every verb, including %#v and %x, prints String.
func (k Keys) Format(f fmt.State, verb rune) { formatRedacted(f, verb, k.String()) }

// LogValue implements slog.LogValuer: the ring logs as its String.
func (k Keys) LogValue() slog.Value { return slog.StringValue(k.String()) }

// formatRedacted writes s for any verb, quoted for %q.
func formatRedacted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = f.Write([]byte(s))
}
