package parking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
)

// Signed ingest requests: a tenant with an ingest secret requires every ingest request to carry
// TimestampHeader (Unix seconds) and SignatureHeader = "sha256=" + hex(HMAC-SHA256(secret,
// timestamp + "." + body)). ChirpStack cannot sign; it authenticates with the API key header alone,
// for tenants without a secret.
const (
	TimestampHeader = "X-Tenantry-Timestamp"
	SignatureHeader = "X-Tenantry-Signature"
	// SignatureSkew is how far a signature's timestamp may be from the server's clock.
	SignatureSkew = 300 * time.Second
)

var errBadSignature = errs.E(errs.Unauthorized, "invalid or missing request signature")

// Sign returns the SignatureHeader value for body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Signature is what a request presented.
type Signature struct {
	Timestamp, Value string
}

// verify checks a signature in constant time, and its timestamp against now ± SignatureSkew.
func (sig Signature) verify(secret string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(sig.Timestamp, 10, 64)
	if err != nil {
		return errBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureSkew || d < -SignatureSkew {
		return errBadSignature
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig.Value)) {
		return errBadSignature
	}
	return nil
}
