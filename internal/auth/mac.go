package auth

import (
	"crypto/hmac"
	"crypto/sha256"
)

// MAC authenticates msg for one purpose with the ring's current key (HMAC-SHA256 of purpose, a zero
// byte and msg): it returns the key id to keep beside the MAC and the MAC. Different purposes never
// verify for each other.
func (k Keys) MAC(purpose string, msg []byte) (kid string, mac []byte) {
	return k.current, macWith(k.keys[k.current], purpose, msg)
}

// CheckMAC reports whether mac is MAC's output for purpose and msg under the key kid. An unknown
// kid (untrusted input, used only as a map key) is false.
func (k Keys) CheckMAC(kid, purpose string, msg, mac []byte) bool {
	key, ok := k.lookup(kid)
	return ok && hmac.Equal(mac, macWith(key, purpose, msg))
}

func macWith(key []byte, purpose string, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(msg)
	return h.Sum(nil)
}
