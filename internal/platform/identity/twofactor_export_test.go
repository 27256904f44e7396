package identity

import "time"

// TOTPCode is the code of a base32 secret for the time step at, plus offset steps, as an
// authenticator app would show it.
func TOTPCode(secret string, at time.Time, offset int64) string {
	key, err := totpBase32.DecodeString(secret)
	if err != nil {
		panic(err)
	}
	return hotp(key, uint64(totpStep(at)+offset), totpDigits)
}
