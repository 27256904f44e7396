package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/bits"
	"strings"

	"github.com/google/uuid"
)

// Opaque token kinds. A kind is 1 to 8 lowercase ASCII letters.
const (
	KindRefresh    = "rt"  // refresh token
	KindAPIKey     = "key" // API key
	KindInvitation = "inv" // tenant invitation
	KindShare      = "shr" // share link
)

// Opaque token layout: "tnr_" kind "_" body crc, where body is the 64-byte payload
// (Public ‖ Secret) as a fixed-width 86-digit base62 number and crc is the CRC-32 (IEEE) of
// everything before it as a fixed-width 6-digit base62 number. A refresh token is 99 characters.
const (
	opaquePrefix  = "tnr_"
	opaqueBodyLen = 86 // ceil(512 / log2(62))
	opaqueCRCLen  = 6  // ceil(32 / log2(62))
	maxKindLength = 8
	base62        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// base62Digit maps a byte to its base62 value, or -1.
var base62Digit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(base62) {
		t[base62[i]] = int8(i)
	}
	return t
}()

// Opaque is a bearer token that carries a non-secret Public part (typically ids used to find the
// stored record, see PackUUIDs) and a random Secret. Only Hash is ever stored.
//
// Opaque never prints its secret: String, Redacted, every fmt verb (including %#v), slog and
// MarshalText give a redacted form. Token returns the full text, to hand to the client once.
// (fmt cannot call methods on unexported struct fields, so do not embed an Opaque in an
// unexported field of a value that may be printed.) Compare tokens with EqualHash over their
// hashes, not with ==.
type Opaque struct {
	Kind   string   // one of the Kind constants
	Public [32]byte // non-secret payload
	Secret [32]byte // random; never logged or stored
}

// NewOpaque returns a token of kind with the given public payload and a fresh random secret.
func NewOpaque(kind string, public [32]byte) (Opaque, error) {
	if !validKind(kind) {
		return Opaque{}, fmt.Errorf("auth: new opaque token: invalid kind %q", kind)
	}
	o := Opaque{Kind: kind, Public: public}
	_, _ = rand.Read(o.Secret[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return o, nil
}

// ParseOpaque parses s as a token of kind. Prefix, kind, length, character set and checksum are
// checked before the payload is decoded, so garbage costs no lookup. Every failure is an error
// wrapping ErrMalformed.
func ParseOpaque(kind, s string) (Opaque, error) {
	o, err := parseOpaque(kind, s)
	if err != nil {
		return Opaque{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return o, nil
}

func parseOpaque(kind, s string) (Opaque, error) {
	if !validKind(kind) {
		return Opaque{}, errors.New("invalid expected kind")
	}
	if !strings.HasPrefix(s, opaquePrefix) {
		return Opaque{}, errors.New("wrong prefix")
	}
	head := len(opaquePrefix) + len(kind) + 1
	if len(s) < head || s[len(opaquePrefix):head-1] != kind || s[head-1] != '_' {
		return Opaque{}, errors.New("wrong kind")
	}
	if len(s) != head+opaqueBodyLen+opaqueCRCLen {
		return Opaque{}, errors.New("wrong length")
	}
	for i := head; i < len(s); i++ {
		if base62Digit[s[i]] < 0 {
			return Opaque{}, errors.New("invalid character")
		}
	}
	crcAt := len(s) - opaqueCRCLen
	if crc := checksum(s[:crcAt]); string(crc[:]) != s[crcAt:] {
		return Opaque{}, errors.New("checksum mismatch")
	}
	var payload [64]byte
	if !decodeBase62(payload[:], s[head:crcAt]) {
		return Opaque{}, errors.New("payload out of range")
	}
	o := Opaque{Kind: kind}
	copy(o.Public[:], payload[:32])
	copy(o.Secret[:], payload[32:])
	return o, nil
}

// OpaqueKind returns the kind of a string shaped like an opaque token ("tnr_<kind>_…"), so a
// caller accepting several kinds can pick one before calling ParseOpaque. It checks nothing else.
func OpaqueKind(s string) (kind string, ok bool) {
	rest, ok := strings.CutPrefix(s, opaquePrefix)
	if !ok {
		return "", false
	}
	kind, _, ok = strings.Cut(rest, "_")
	if !ok || !validKind(kind) {
		return "", false
	}
	return kind, true
}

// Token returns the full token text, secret included. Give it to the client once; never log or
// store it.
func (o Opaque) Token() string {
	var payload [64]byte
	copy(payload[:32], o.Public[:])
	copy(payload[32:], o.Secret[:])
	head := len(opaquePrefix) + len(o.Kind) + 1
	b := make([]byte, head+opaqueBodyLen, head+opaqueBodyLen+opaqueCRCLen)
	copy(b, opaquePrefix)
	copy(b[len(opaquePrefix):], o.Kind)
	b[head-1] = '_'
	encodeBase62(b[head:], payload[:])
	crc := checksum(string(b))
	return string(append(b, crc[:]...))
}

// Redacted returns a form safe to log: the kind and the first 8 hex digits of Hash, which
// identify the stored record without revealing the secret, e.g. "tnr_rt_[REDACTED 1a2b3c4d]".
func (o Opaque) Redacted() string {
	h := o.Hash()
	return opaquePrefix + o.Kind + "_[REDACTED " + hex.EncodeToString(h[:4]) + "]"
}

// String returns Redacted; use Token for the full text.
func (o Opaque) String() string { return o.Redacted() }

// Format implements fmt.Formatter so that every verb, including %#v and %x, prints Redacted.
func (o Opaque) Format(f fmt.State, verb rune) { formatRedacted(f, verb, o.Redacted()) }

// LogValue implements slog.LogValuer: the token logs as Redacted.
func (o Opaque) LogValue() slog.Value { return slog.StringValue(o.Redacted()) }

// MarshalText implements encoding.TextMarshaler with Redacted, so that encoding an Opaque by
// mistake (JSON, logs) never leaks it. Put Token, a string, in responses.
func (o Opaque) MarshalText() ([]byte, error) { return []byte(o.Redacted()), nil }

// Hash returns SHA-256("tnr_" ‖ Kind ‖ "_" ‖ Public ‖ Secret), the only form of a token that is
// stored. Secrets have 256 bits of entropy, so a fast hash suffices.
func (o Opaque) Hash() [32]byte {
	h := sha256.New()
	h.Write([]byte(opaquePrefix + o.Kind + "_"))
	h.Write(o.Public[:])
	h.Write(o.Secret[:])
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// EqualHash reports whether a and b are equal, in constant time.
func EqualHash(a, b [32]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// PackUUIDs returns a Public payload holding a in bytes 0–15 and b in bytes 16–31.
func PackUUIDs(a, b uuid.UUID) [32]byte {
	var p [32]byte
	copy(p[:16], a[:])
	copy(p[16:], b[:])
	return p
}

// UnpackUUIDs returns the two UUIDs stored by PackUUIDs.
func UnpackUUIDs(p [32]byte) (a, b uuid.UUID) {
	copy(a[:], p[:16])
	copy(b[:], p[16:])
	return a, b
}

func validKind(kind string) bool {
	if kind == "" || len(kind) > maxKindLength {
		return false
	}
	for _, c := range []byte(kind) {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// checksum returns the CRC-32 (IEEE) of s as 6 base62 digits.
func checksum(s string) [opaqueCRCLen]byte {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE([]byte(s)))
	var out [opaqueCRCLen]byte
	encodeBase62(out[:], sum[:])
	return out
}

// Base62 arithmetic works on 64-bit limbs, ten digits at a time (62^10 < 2^64).
const (
	chunkDigits = 10
	chunkBase   = 839299365868340224 // 62^10
)

// encodeBase62 writes the big-endian number src (at most 64 bytes) into dst as len(dst) base62
// digits, most significant first, dropping any higher digits. dst must be wide enough for the
// number: 86 digits for 64 bytes, 6 for 4.
func encodeBase62(dst []byte, src []byte) {
	var buf [64]byte
	var limbs [8]uint64
	n := (len(src) + 7) / 8
	copy(buf[n*8-len(src):], src)
	for i := range n {
		limbs[i] = binary.BigEndian.Uint64(buf[i*8:])
	}
	num := limbs[:n]
	for i := len(dst); i > 0; i -= chunkDigits {
		var rem uint64
		for j := range num {
			num[j], rem = bits.Div64(rem, num[j], chunkBase)
		}
		for k := i - 1; k >= 0 && k >= i-chunkDigits; k-- {
			dst[k] = base62[rem%62]
			rem /= 62
		}
	}
}

// decodeBase62 parses the base62 digits src into the big-endian number dst (a multiple of 8
// bytes, at most 64). It reports false if a digit is invalid or the number does not fit in dst.
func decodeBase62(dst []byte, src string) bool {
	var limbs [8]uint64
	num := limbs[:len(dst)/8]
	for i := 0; i < len(src); {
		// The first group takes the odd digits so that the others are full chunks.
		g := (len(src)-i-1)%chunkDigits + 1
		var v, mul uint64 = 0, 1
		for _, c := range []byte(src[i : i+g]) {
			d := base62Digit[c]
			if d < 0 {
				return false
			}
			v, mul = v*62+uint64(d), mul*62
		}
		i += g
		// num = num*mul + v; the carry stays below mul.
		carry := v
		for j := len(num) - 1; j >= 0; j-- {
			hi, lo := bits.Mul64(num[j], mul)
			var c uint64
			num[j], c = bits.Add64(lo, carry, 0)
			carry = hi + c
		}
		if carry != 0 {
			return false
		}
	}
	for i, l := range num {
		binary.BigEndian.PutUint64(dst[i*8:], l)
	}
	return true
}
