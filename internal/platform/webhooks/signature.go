package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	SignatureHeader  = "Tenantry-Signature"
	EventIDHeader    = "Tenantry-Event-Id"
	EventTypeHeader  = "Tenantry-Event-Type"
	DeliveryIDHeader = "Tenantry-Delivery-Id"
)

// DefaultTolerance is how old a signature's timestamp may be before Verify refuses it (replays).
const DefaultTolerance = 5 * time.Minute

// Sign returns the Tenantry-Signature header of body sent at t under secret: "t=<unix>,v1=<hex>",
// where the v1 value is the HMAC-SHA256 of "<unix>.<body>" keyed with the secret as given (the
// whole "whsec_…" string).
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verification errors.
var (
	ErrNoSignature = errors.New("webhooks: no valid signature")
	ErrTooOld      = errors.New("webhooks: signature timestamp outside the tolerance")
)

// Verify checks a Tenantry-Signature header against body and secret, as a receiver does: one of
// its v1 values must be the HMAC of "<t>.<body>" (compared in constant time) and t must lie within
// tolerance of now. Several v1 values may appear; any one matching is enough.
func Verify(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return ErrNoSignature
	}
	if age := now.Sub(time.Unix(unix, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w (%s)", ErrTooOld, age.Round(time.Second))
	}
	return nil
}
