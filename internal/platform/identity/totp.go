package identity

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // RFC 6238's default HMAC, which every authenticator app computes
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"time"
)

// TOTP parameters (RFC 6238): HMAC-SHA-1, six digits, 30-second steps, and one step of clock skew
// either way. These are what authenticator apps assume when an otpauth:// URI names no others.
const (
	totpDigits = 6
	totpPeriod = 30 // seconds
	totpSkew   = 1  // steps accepted before and after the current one
	totpIssuer = "Tenantry"
)

// totpSecretLen is the length of a new secret: 160 bits, the HMAC-SHA-1 output size RFC 4226
// recommends.
const totpSecretLen = 20

var totpBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226's HOTP value of counter under secret, with digits decimal digits.
func hotp(secret []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f // dynamic truncation
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpStep is the time step t falls in.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// totpMatch returns the step, within the skew around now and after last (the last step whose code
// was accepted), whose code is code; ok is false when there is none. Comparisons are constant-time.
func totpMatch(secret []byte, code string, now time.Time, last int64) (step int64, ok bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	cur := totpStep(now)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		if s <= last || s < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(s), totpDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// otpauthURI is the key URI authenticator apps read (often from a QR code): the Google
// Authenticator "Key Uri Format", with the default algorithm, digits and period spelled out.
func otpauthURI(secret []byte, account string) string {
	v := url.Values{}
	v.Set("secret", totpBase32.EncodeToString(secret))
	v.Set("issuer", totpIssuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(totpDigits))
	v.Set("period", fmt.Sprint(totpPeriod))
	label := url.PathEscape(totpIssuer + ":" + account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}
