package secretbox_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/tenantry/tenantry/internal/platform/secretbox"
)

func newBox(t *testing.T) *secretbox.Box {
	t.Helper()
	key := make([]byte, secretbox.KeySize)
	_, _ = rand.Read(key)
	b, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	secret, ctx := []byte("client secret"), []byte("tenant-a")
	sealed, err := b.Seal(secret, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed value carries the plaintext")
	}
	again, _ := b.Seal(secret, ctx)
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	got, err := b.Open(sealed, ctx)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %q, %v", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	sealed, err := b.Seal([]byte("client secret"), []byte("tenant-a"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	badVersion := bytes.Clone(sealed)
	badVersion[0] = 2
	cases := []struct {
		name    string
		box     *secretbox.Box
		sealed  []byte
		context string
	}{
		{"another context", b, sealed, "tenant-b"},
		{"another key", newBox(t), sealed, "tenant-a"},
		{"tampered", b, tampered, "tenant-a"},
		{"unknown version", b, badVersion, "tenant-a"},
		{"truncated", b, sealed[:10], "tenant-a"},
		{"empty", b, nil, "tenant-a"},
	}
	for _, c := range cases {
		if _, err := c.box.Open(c.sealed, []byte(c.context)); !errors.Is(err, secretbox.ErrOpen) {
			t.Errorf("%s: err = %v, want ErrOpen", c.name, err)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	if _, err := secretbox.New(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
	good := base64.StdEncoding.EncodeToString(make([]byte, 32))
	if k, err := secretbox.ParseKey(good); err != nil || len(k) != 32 {
		t.Errorf("ParseKey(32 bytes) = %d bytes, %v", len(k), err)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString(make([]byte, 31)), ""} {
		if _, err := secretbox.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}
