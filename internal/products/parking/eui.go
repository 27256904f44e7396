package parking

import (
	"strings"

	"github.com/tenantry/tenantry/internal/errs"
)

// ParseEUI returns the canonical form of a 64-bit EUI (a LoRaWAN DevEUI or gateway id): 16
// upper-case hexadecimal digits. Lower-case digits are accepted (ChirpStack sends them); any other
// length or character is refused.
func ParseEUI(s string) (string, bool) {
	if len(s) != 16 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	return strings.ToUpper(s), true
}

// euiField parses an EUI from an input field, or fails with a 422 naming the field.
func euiField(location, s string) (string, error) {
	eui, ok := ParseEUI(s)
	if !ok {
		return "", errs.Invalidf(location, "must be 16 hexadecimal digits (a 64-bit EUI)")
	}
	return eui, nil
}
