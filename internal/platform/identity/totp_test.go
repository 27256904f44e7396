package identity

import (
	"strings"
	"testing"
	"time"
)

// TestHOTPVectors checks RFC 4226 Appendix D: the secret "12345678901234567890", counters 0 to 9.
func TestHOTPVectors(t *testing.T) {
	t.Parallel()
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp([]byte("12345678901234567890"), uint64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
}

// TestTOTPVectors checks RFC 6238 Appendix B (SHA-1 rows; eight digits as in the RFC, and the
// last six of them, which is what a six-digit code is).
func TestTOTPVectors(t *testing.T) {
	t.Parallel()
	secret := []byte("12345678901234567890")
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		step := uint64(totpStep(time.Unix(c.unix, 0)))
		if got := hotp(secret, step, 8); got != c.want {
			t.Errorf("TOTP(%d) = %s, want %s", c.unix, got, c.want)
		}
		if got := hotp(secret, step, 6); got != c.want[2:] {
			t.Errorf("TOTP6(%d) = %s, want %s", c.unix, got, c.want[2:])
		}
	}
}

func TestTOTPMatch(t *testing.T) {
	t.Parallel()
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	cur := totpStep(now)
	code := func(s int64) string { return hotp(secret, uint64(s), 6) }
	for _, c := range []struct {
		name string
		code string
		last int64
		want int64
		ok   bool
	}{
		{"current step", code(cur), 0, cur, true},
		{"one step behind", code(cur - 1), 0, cur - 1, true},
		{"one step ahead", code(cur + 1), 0, cur + 1, true},
		{"two steps behind", code(cur - 2), 0, 0, false},
		{"two steps ahead", code(cur + 2), 0, 0, false},
		{"replayed: its step was used", code(cur), cur, 0, false},
		{"an earlier step after a later one was used", code(cur - 1), cur, 0, false},
		{"wrong code", "000000", 0, 0, code(cur) == "000000"},
		{"too short", code(cur)[:5], 0, 0, false},
	} {
		step, ok := totpMatch(secret, c.code, now, c.last)
		if ok != c.ok || step != c.want {
			t.Errorf("%s: totpMatch = %d, %v; want %d, %v", c.name, step, ok, c.want, c.ok)
		}
	}
}

func TestOTPAuthURI(t *testing.T) {
	t.Parallel()
	u := otpauthURI([]byte("12345678901234567890"), "ana@example.com")
	for _, want := range []string{"otpauth://totp/Tenantry:ana@example.com?", "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer=Tenantry", "digits=6", "period=30", "algorithm=SHA1"} {
		if !strings.Contains(u, want) {
			t.Errorf("URI %s lacks %s", u, want)
		}
	}
}
