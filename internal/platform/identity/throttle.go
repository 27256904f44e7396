package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// Sign-in throttling (docs/access.md, "Sign-in throttling"). Every attempt is counted before the
// password is checked, per account and source and per account (ratelimit.Service.SignIn). A device
// that signed in to an account before presents the device token it got then; it is counted per
// account and device instead of per address, and the per-account budget, which strangers elsewhere
// can spend, never refuses it.

// devicePrefix starts every device token: tnr_dev_<key id>.<base64url: account hash, device id, MAC>.
const devicePrefix = "tnr_dev_"

// deviceMACPurpose separates device-token MACs from any other use of the signing keys.
const deviceMACPurpose = "tenantry device token v1"

// accountHash names an account (the e-mail, trimmed and lower-cased) in a device token.
func accountHash(email string) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return sum[:16]
}

// deviceToken returns a new device token for the account email: a random device id and the
// account's hash, signed with the current signing key. It holds no secret of the account; the
// service keeps nothing of it.
func (s *Service) deviceToken(email string) string {
	device := tenancy.NewID()
	msg := append(accountHash(email), device[:]...)
	kid, mac := s.tokens.Keys.MAC(deviceMACPurpose, msg)
	return devicePrefix + kid + "." + base64.RawURLEncoding.EncodeToString(append(msg, mac...))
}

// knownDevice returns the device id of token when it is a device token this service signed for the
// account email, else "". Anything else (empty, malformed, another account's, a removed key) is no
// device: the attempt is throttled by its address.
func (s *Service) knownDevice(email, token string) string {
	kid, body, ok := strings.Cut(strings.TrimPrefix(token, devicePrefix), ".")
	if !ok || !strings.HasPrefix(token, devicePrefix) || len(body) > 128 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) != 16+16+32 {
		return ""
	}
	msg, mac := raw[:32], raw[32:]
	if !s.tokens.Keys.CheckMAC(kid, deviceMACPurpose, msg, mac) || string(msg[:16]) != string(accountHash(email)) {
		return ""
	}
	return uuid.UUID(msg[16:32]).String()
}

// throttleSignIn counts one sign-in attempt for email from the request's address or, with a valid
// device token, from that device; a RateLimited error refuses it before any password work.
func (s *Service) throttleSignIn(ctx context.Context, email, device string) error {
	if s.throttle == nil {
		return nil
	}
	return s.throttle(ctx, email, s.knownDevice(email, device))
}
