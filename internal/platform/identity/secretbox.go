package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// SecretKeyLen is the length of the key that seals secrets at rest (AES-256).
const SecretKeyLen = 32

// secretBox seals small secrets (TOTP secrets) for storage with AES-256-GCM: a random 96-bit nonce
// in front of the ciphertext, and additional data binding the sealed value to its row (the user
// id), so a sealed secret copied onto another row does not open.
type secretBox struct{ aead cipher.AEAD }

func newSecretBox(key []byte) (*secretBox, error) {
	if len(key) != SecretKeyLen {
		return nil, fmt.Errorf("identity: the secret key must have %d bytes", SecretKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("identity: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("identity: secret key: %w", err)
	}
	return &secretBox{aead: aead}, nil
}

func (b *secretBox) seal(plain, ad []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("identity: seal: %w", err)
	}
	return b.aead.Seal(nonce, nonce, plain, ad), nil
}

func (b *secretBox) open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, errors.New("identity: open: sealed value too short")
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, fmt.Errorf("identity: open: %w", err)
	}
	return plain, nil
}
