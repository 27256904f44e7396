// Package secretbox seals small secrets for storage (a tenant's OIDC client secret) with AES-256-GCM
// under the server's secret key (TENANTRY_SECRET_KEY). A sealed value is bound to its context (the
// additional data, such as the owning tenant's id): opened with another context, it fails, so a
// sealed value copied into another tenant's row is useless there.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// version is the first byte of every sealed value, so the format can change without guessing.
const version byte = 1

// ErrOpen is the one error for a sealed value that does not open: wrong key, wrong context,
// tampered or truncated.
var ErrOpen = errors.New("secretbox: cannot open sealed value")

// Box seals and opens values under one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a box for a KeySize-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: the key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// ParseKey decodes a base64 (standard encoding) key of KeySize bytes.
func ParseKey(enc string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return nil, errors.New("secretbox: the key is not valid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: the key must be %d bytes, got %d", KeySize, len(key))
	}
	return key, nil
}

// Seal encrypts plaintext bound to context: version ‖ random nonce ‖ ciphertext and tag.
func (b *Box) Seal(plaintext, context []byte) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secretbox: nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:], plaintext, aad(context)), nil
}

// Open decrypts a value Seal made with the same key and context; anything else is ErrOpen.
func (b *Box) Open(sealed, context []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	out, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad(context))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// aad is the additional data: the format version, then the caller's context.
func aad(context []byte) []byte { return append([]byte{version}, context...) }
