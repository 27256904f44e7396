package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/google/uuid"
)

var allKinds = []string{KindRefresh, KindAPIKey, KindInvitation, KindShare}

func newTestOpaque(t testing.TB, kind string) Opaque {
	t.Helper()
	o, err := NewOpaque(kind, PackUUIDs(testTenant, testSession))
	if err != nil {
		t.Fatalf("NewOpaque: %v", err)
	}
	return o
}

func TestOpaqueRoundTrip(t *testing.T) {
	t.Parallel()
	var ones [32]byte
	for i := range ones {
		ones[i] = 0xff
	}
	for _, kind := range allKinds {
		o := newTestOpaque(t, kind)
		s := o.Token()
		if want := len("tnr_") + len(kind) + 1 + 86 + 6; len(s) != want {
			t.Errorf("%s: len(Token) = %d, want %d", kind, len(s), want)
		}
		if !strings.HasPrefix(s, "tnr_"+kind+"_") {
			t.Errorf("%s: Token = %q, wrong prefix", kind, s)
		}
		got, err := ParseOpaque(kind, s)
		if err != nil || got != o {
			t.Fatalf("%s: ParseOpaque = %v, %v; want the token back", kind, got, err)
		}
		a, b := UnpackUUIDs(got.Public)
		if a != testTenant || b != testSession {
			t.Errorf("%s: UnpackUUIDs = %v, %v", kind, a, b)
		}
		if k, ok := OpaqueKind(s); !ok || k != kind {
			t.Errorf("%s: OpaqueKind = %q, %v", kind, k, ok)
		}
	}
	// Extreme payloads keep their fixed width.
	for _, o := range []Opaque{{Kind: KindShare}, {Kind: KindShare, Public: ones, Secret: ones}} {
		got, err := ParseOpaque(KindShare, o.Token())
		if err != nil || got != o {
			t.Errorf("extreme payload: ParseOpaque = %v, %v", got, err)
		}
	}
}

func TestOpaqueRefreshTokenLength(t *testing.T) {
	t.Parallel()
	if n := len(newTestOpaque(t, KindRefresh).Token()); n != 99 || n > 255 {
		t.Errorf("refresh token length = %d, want 99", n)
	}
}

func TestParseOpaqueMalformed(t *testing.T) {
	t.Parallel()
	s := newTestOpaque(t, KindRefresh).Token()
	body := s[len("tnr_rt_"):]
	// overflow has a correct checksum but a body above 2^512.
	overflowHead := "tnr_rt_" + strings.Repeat("z", 86)
	crc := checksum(overflowHead)
	overflow := overflowHead + string(crc[:])
	tests := []struct{ name, kind, s string }{
		{"empty", KindRefresh, ""},
		{"prefix only", KindRefresh, "tnr_"},
		{"head only", KindRefresh, "tnr_rt_"},
		{"wrong prefix", KindRefresh, "ghp_rt_" + body},
		{"upper-case prefix", KindRefresh, "TNR_rt_" + body},
		{"no prefix", KindRefresh, body},
		{"wrong kind", KindAPIKey, s},
		{"kind of the same length", "rx", s},
		{"kind as prefix", "r", s},
		{"missing separator", KindRefresh, "tnr_rt" + body},
		{"truncated by one", KindRefresh, s[:len(s)-1]},
		{"truncated checksum", KindRefresh, s[:len(s)-6]},
		{"truncated body", KindRefresh, s[:40]},
		{"extra char", KindRefresh, s + "a"},
		{"extra char inside", KindRefresh, s[:50] + "a" + s[50:]},
		{"leading space", KindRefresh, " " + s},
		{"trailing newline", KindRefresh, s + "\n"},
		{"non-base62 dash", KindRefresh, s[:50] + "-" + s[51:]},
		{"non-base62 underscore", KindRefresh, s[:50] + "_" + s[51:]},
		{"non-base62 plus", KindRefresh, s[:50] + "+" + s[51:]},
		{"non-base62 slash", KindRefresh, s[:50] + "/" + s[51:]},
		{"non-base62 equals", KindRefresh, s[:len(s)-1] + "="},
		{"non-base62 NUL", KindRefresh, s[:50] + "\x00" + s[51:]},
		{"non-ASCII", KindRefresh, s[:50] + "é" + s[52:]},
		{"checksum of other token", KindRefresh, s[:len(s)-6] + newTestOpaque(t, KindRefresh).Token()[len(s)-6:]},
		{"payload overflow", KindRefresh, overflow},
		{"invalid expected kind upper", "RT", s},
		{"invalid expected kind empty", "", s},
		{"invalid expected kind long", "refreshtoken", s},
		{"invalid expected kind underscore", "r_t", s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if o, err := ParseOpaque(tt.kind, tt.s); !errors.Is(err, ErrMalformed) || o != (Opaque{}) {
				t.Errorf("ParseOpaque = %v, %v; want ErrMalformed", o, err)
			}
		})
	}
}

// TestParseOpaqueEverySubstitution replaces each character of a token by every other base62
// character (and '_' in the head): CRC-32 detects every single-byte change, so all must fail.
func TestParseOpaqueEverySubstitution(t *testing.T) {
	t.Parallel()
	s := newTestOpaque(t, KindAPIKey).Token()
	b := []byte(s)
	for i := range b {
		orig := b[i]
		for _, c := range []byte(base62 + "_") {
			if c == orig {
				continue
			}
			b[i] = c
			if _, err := ParseOpaque(KindAPIKey, string(b)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("position %d %q→%q: ParseOpaque error = %v, want ErrMalformed", i, orig, c, err)
			}
		}
		b[i] = orig
	}
}

func TestOpaqueManyDistinct(t *testing.T) {
	t.Parallel()
	const n = 10_000
	tokens := make(map[string]bool, n)
	hashes := make(map[[32]byte]bool, n)
	public := PackUUIDs(testTenant, uuid.Nil)
	for range n {
		o, err := NewOpaque(KindAPIKey, public)
		if err != nil {
			t.Fatal(err)
		}
		s := o.Token()
		got, err := ParseOpaque(KindAPIKey, s)
		if err != nil || got != o {
			t.Fatalf("ParseOpaque(%q) = %v, %v", s, got, err)
		}
		tokens[s] = true
		hashes[o.Hash()] = true
	}
	if len(tokens) != n || len(hashes) != n {
		t.Errorf("distinct tokens = %d, hashes = %d; want %d", len(tokens), len(hashes), n)
	}
}

func TestOpaqueHash(t *testing.T) {
	t.Parallel()
	o := newTestOpaque(t, KindShare)
	same := o
	otherKind := o
	otherKind.Kind = KindInvitation
	otherSecret := o
	otherSecret.Secret[31] ^= 1
	otherPublic := o
	otherPublic.Public[0] ^= 1
	if !EqualHash(o.Hash(), same.Hash()) {
		t.Error("equal tokens hash differently")
	}
	for name, x := range map[string]Opaque{"kind": otherKind, "secret": otherSecret, "public": otherPublic} {
		if EqualHash(o.Hash(), x.Hash()) {
			t.Errorf("tokens differing in %s have equal hashes", name)
		}
	}
}

func TestNewOpaqueInvalidKind(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"", "RT", "r_t", "r1", "toolongkind", "ré"} {
		if _, err := NewOpaque(kind, [32]byte{}); err == nil {
			t.Errorf("NewOpaque(%q) succeeded", kind)
		}
	}
}

func TestOpaqueKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, kind string
		ok      bool
	}{
		{"tnr_rt_abc", "rt", true},
		{"tnr_key_", "key", true},
		{"tnr_rt", "", false},
		{"tnr__abc", "", false},
		{"tnr_RT_abc", "", false},
		{"ghp_abc", "", false},
		{"eyJhbGciOiJIUzI1NiJ9.e30.x", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if kind, ok := OpaqueKind(tt.s); kind != tt.kind || ok != tt.ok {
			t.Errorf("OpaqueKind(%q) = %q, %v; want %q, %v", tt.s, kind, ok, tt.kind, tt.ok)
		}
	}
}

func TestOpaqueRedacted(t *testing.T) {
	t.Parallel()
	o := newTestOpaque(t, KindRefresh)
	full := o.Token()
	secretText := full[len("tnr_rt_"):] // body and checksum
	if r := o.Redacted(); !strings.HasPrefix(r, "tnr_rt_[REDACTED ") || r != o.String() {
		t.Errorf("Redacted = %q, String = %q", r, o.String())
	}
	type holder struct {
		Token Opaque
		Ptr   *Opaque
	}
	values := map[string]any{"Opaque": o, "*Opaque": &o, "struct": holder{o, &o}, "slice": []Opaque{o}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for name, v := range values {
			outs = append(outs, name+" "+verb+": "+fmt.Sprintf(verb, v))
		}
	}
	js, err := json.Marshal(holder{o, &o})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, "json: "+string(js))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "token", o, "ptr", &o, "h", holder{o, &o})
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "token", o, "ptr", &o, "h", holder{o, &o})
	outs = append(outs, "slog: "+logs.String())
	for _, out := range outs {
		if strings.Contains(out, secretText) || strings.Contains(out, full) {
			t.Errorf("leaks the token: %s", out)
		}
		assertNoSecret(t, "output", out, o.Secret[:])
	}
}

func FuzzParseOpaque(f *testing.F) {
	var ones [32]byte
	for i := range ones {
		ones[i] = 0xff
	}
	for _, kind := range allKinds {
		f.Add(kind, Opaque{Kind: kind, Public: PackUUIDs(testTenant, testSession), Secret: ones}.Token())
	}
	s := Opaque{Kind: KindRefresh, Public: ones}.Token()
	f.Add(KindRefresh, s[:len(s)-1])
	f.Add(KindRefresh, s+"0")
	f.Add(KindAPIKey, s)
	f.Add(KindRefresh, "tnr_rt_"+strings.Repeat("z", 92))
	f.Add(KindRefresh, "tnr_rt_")
	f.Add(KindRefresh, "")
	f.Add("RT", "tnr_RT_"+strings.Repeat("0", 92))
	f.Fuzz(func(t *testing.T, kind, s string) {
		_, _ = OpaqueKind(s)
		o, err := ParseOpaque(kind, s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || o != (Opaque{}) {
				t.Fatalf("ParseOpaque = %v, %v; want zero and ErrMalformed", o, err)
			}
			return
		}
		if o.Kind != kind || o.Token() != s {
			t.Fatalf("ParseOpaque(%q, %q) accepted a non-canonical token (re-encodes as %q)", kind, s, o.Token())
		}
		if k, ok := OpaqueKind(s); !ok || k != kind {
			t.Fatalf("OpaqueKind(%q) = %q, %v", s, k, ok)
		}
	})
}

func BenchmarkParseOpaque(b *testing.B) {
	s := newTestOpaque(b, KindAPIKey).Token()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOpaque(KindAPIKey, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewOpaqueToken(b *testing.B) {
	public := PackUUIDs(testTenant, testSession)
	b.ReportAllocs()
	for b.Loop() {
		o, err := NewOpaque(KindRefresh, public)
		if err != nil {
			b.Fatal(err)
		}
		_ = o.Token()
	}
}

// TestBase62AgainstBig checks the limb arithmetic against math/big on edge and random payloads.
func TestBase62AgainstBig(t *testing.T) {
	t.Parallel()
	ref := func(src []byte, width int) string {
		n := new(big.Int).SetBytes(src)
		out := make([]byte, width)
		m := new(big.Int)
		for i := width - 1; i >= 0; i-- {
			n.DivMod(n, big.NewInt(62), m)
			out[i] = base62[m.Int64()]
		}
		return string(out)
	}
	payloads := [][]byte{make([]byte, 64), bytes.Repeat([]byte{0xff}, 64), append(make([]byte, 63), 1),
		append([]byte{1}, make([]byte, 63)...)}
	for range 200 {
		p := make([]byte, 64)
		_, _ = rand.Read(p)
		payloads = append(payloads, p)
	}
	for _, p := range payloads {
		got := make([]byte, opaqueBodyLen)
		encodeBase62(got, p)
		if want := ref(p, opaqueBodyLen); string(got) != want {
			t.Fatalf("encode(%x) = %s, want %s", p, got, want)
		}
		var back [64]byte
		if !decodeBase62(back[:], string(got)) || !bytes.Equal(back[:], p) {
			t.Fatalf("decode(%s) = %x, want %x", got, back, p)
		}
	}
	for _, v := range []uint32{0, 1, 61, 62, 0xffffffff, 0x12345678} {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], v)
		got := make([]byte, opaqueCRCLen)
		encodeBase62(got, b[:])
		if want := ref(b[:], opaqueCRCLen); string(got) != want {
			t.Errorf("encode(%d) = %s, want %s", v, got, want)
		}
	}
	// 2^512 is the smallest value that does not fit.
	limit := ref(append([]byte{1}, make([]byte, 64)...), opaqueBodyLen)
	var out [64]byte
	if decodeBase62(out[:], limit) {
		t.Errorf("decode(2^512) succeeded")
	}
}
