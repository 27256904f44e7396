package auth

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/tenantry/tenantry/internal/errs"
)

const testPassword = "correct horse battery staple"

func newTestHasher(t testing.TB, cfg HasherConfig) *Hasher {
	t.Helper()
	h, err := NewHasher(cfg)
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

// phcPattern is the exact form of a hash made with DefaultParams.
var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newTestHasher(t, HasherConfig{})
	encoded, err := h.Hash(ctx, testPassword)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !phcPattern.MatchString(encoded) {
		t.Fatalf("Hash = %q, not an OWASP-parameter PHC string", encoded)
	}
	again, err := h.Hash(ctx, testPassword)
	if err != nil || again == encoded {
		t.Fatalf("second Hash = %q, %v; want a different salt", again, err)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"correct", testPassword, true},
		{"wrong", "correct horse battery stapler", false},
		{"case", strings.ToUpper(testPassword), false},
		{"empty", "", false},
		{"prefix", testPassword[:12], false},
		{"too long", strings.Repeat("a", MaxPasswordBytes+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := h.Verify(ctx, encoded, tt.password)
			if err != nil || ok != tt.want {
				t.Errorf("Verify = %v, %v; want %v, nil", ok, err, tt.want)
			}
		})
	}
}

func TestHashTooLong(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, HasherConfig{})
	_, err := h.Hash(context.Background(), strings.Repeat("a", MaxPasswordBytes+1))
	if !errors.Is(err, ErrPasswordTooLong) {
		t.Fatalf("Hash(1025 bytes) error = %v, want ErrPasswordTooLong", err)
	}
	if _, err := h.Hash(context.Background(), strings.Repeat("a", MaxPasswordBytes)); err != nil {
		t.Fatalf("Hash(1024 bytes): %v", err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	valid := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	if _, err := ParseParams(valid); err != nil {
		t.Fatalf("control string does not parse: %v", err)
	}
	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"dollar only", "$"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key},
		{"missing key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"extra field", valid + "$x"},
		{"no leading dollar", valid[1:]},
		{"params reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key},
		{"params missing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key},
		{"params extra", "$argon2id$v=19$m=19456,t=2,p=1,k=1$" + salt + "$" + key},
		{"param not a number", "$argon2id$v=19$m=abc,t=2,p=1$" + salt + "$" + key},
		{"param signed", "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key},
		{"param negative", "$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key},
		{"param empty", "$argon2id$v=19$m=,t=2,p=1$" + salt + "$" + key},
		{"memory overflows uint32", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key},
		{"memory too large", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key},
		{"iterations too large", "$argon2id$v=19$m=19456,t=1000000,p=1$" + salt + "$" + key},
		{"iterations zero", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"parallelism zero", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"parallelism overflows uint8", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key},
		{"memory below 8p", "$argon2id$v=19$m=8,t=2,p=2$" + salt + "$" + key},
		{"salt padded", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{"salt url alphabet", "$argon2id$v=19$m=19456,t=2,p=1$c2Fsd-Nhb_RzYWx0c2FsdA$" + key},
		{"salt non-canonical bits", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdB$" + key},
		{"salt too short", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key},
		{"salt empty", "$argon2id$v=19$m=19456,t=2,p=1$$" + key},
		{"key too short", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5"},
		{"key too long", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 90)},
		{"oversized", valid + strings.Repeat("A", maxPHCLength)},
	}
	h := newTestHasher(t, HasherConfig{})
	h.derive = func([]byte, []byte, Params) []byte {
		t.Error("derive called for a malformed hash")
		return nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), tt.encoded, testPassword)
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify = %v, %v; want false, ErrMalformedHash", ok, err)
			}
			if _, err := ParseParams(tt.encoded); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("ParseParams error = %v, want ErrMalformedHash", err)
			}
			if !h.NeedsRehash(tt.encoded) {
				t.Error("NeedsRehash = false for a malformed hash")
			}
		})
	}
}

func TestParseParams(t *testing.T) {
	t.Parallel()
	const salt16, key32 = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	tests := []struct {
		encoded string
		want    Params
	}{
		{"$argon2id$v=19$m=19456,t=2,p=1$" + salt16 + "$" + key32, DefaultParams()},
		{"$argon2id$v=19$m=65536,t=3,p=4$" + salt16 + "$" + key32,
			Params{Memory: 65536, Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32}},
		{"$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
			Params{Memory: 4096, Iterations: 1, Parallelism: 1, SaltLength: 8, KeyLength: 16}},
	}
	for _, tt := range tests {
		got, err := ParseParams(tt.encoded)
		if err != nil || got != tt.want {
			t.Errorf("ParseParams(%q) = %+v, %v; want %+v", tt.encoded, got, err, tt.want)
		}
	}
}

// TestVerifyOtherParams checks that hashes made with other parameters verify (their parameters
// are read from the string) and that NeedsRehash asks for an upgrade only of weaker ones.
func TestVerifyOtherParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	current := newTestHasher(t, HasherConfig{})
	stronger := newTestHasher(t, HasherConfig{Params: Params{
		Memory: 32768, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}})
	// A legacy hash with weak parameters, made directly with x/crypto.
	salt := []byte("legacy-salt-0123")
	weak := encodePHC(Params{Memory: 4096, Iterations: 1, Parallelism: 1},
		salt, argon2.IDKey([]byte(testPassword), salt, 1, 4096, 1, 32))
	strongHash, err := stronger.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	currentHash, err := current.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		h           *Hasher
		encoded     string
		needsRehash bool
	}{
		{"weak by current", current, weak, true},
		{"stronger by current", current, strongHash, false},
		{"current by current", current, currentHash, false},
		{"current by stronger", stronger, currentHash, true},
		{"stronger by stronger", stronger, strongHash, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if ok, err := tt.h.Verify(ctx, tt.encoded, testPassword); !ok || err != nil {
				t.Errorf("Verify(right) = %v, %v; want true", ok, err)
			}
			if ok, err := tt.h.Verify(ctx, tt.encoded, "wrong password!"); ok || err != nil {
				t.Errorf("Verify(wrong) = %v, %v; want false", ok, err)
			}
			if got := tt.h.NeedsRehash(tt.encoded); got != tt.needsRehash {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.needsRehash)
			}
		})
	}
}

func TestNewHasher(t *testing.T) {
	t.Parallel()
	d := DefaultParams()
	weaker := func(f func(*Params)) Params { p := d; f(&p); return p }
	tests := []struct {
		name string
		cfg  HasherConfig
		ok   bool
	}{
		{"zero", HasherConfig{}, true},
		{"explicit default", HasherConfig{Params: d, MaxConcurrent: 3}, true},
		{"less memory", HasherConfig{Params: weaker(func(p *Params) { p.Memory = 19455 })}, false},
		{"one iteration", HasherConfig{Params: weaker(func(p *Params) { p.Iterations = 1 })}, false},
		{"short salt", HasherConfig{Params: weaker(func(p *Params) { p.SaltLength = 8 })}, false},
		{"short key", HasherConfig{Params: weaker(func(p *Params) { p.KeyLength = 16 })}, false},
		{"no parallelism", HasherConfig{Params: weaker(func(p *Params) { p.Parallelism = 0 })}, false},
		{"huge memory", HasherConfig{Params: weaker(func(p *Params) { p.Memory = 1 << 30 })}, false},
		{"negative concurrency", HasherConfig{MaxConcurrent: -1}, false},
	}
	for _, tt := range tests {
		h, err := NewHasher(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: NewHasher error = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err == nil && tt.cfg.MaxConcurrent == 0 && cap(h.sem) != runtime.GOMAXPROCS(0) {
			t.Errorf("%s: concurrency = %d, want GOMAXPROCS", tt.name, cap(h.sem))
		}
	}
}

// derivation is one recorded call of Hasher.derive.
type derivation struct {
	passwordLen, saltLen int
	params               Params
}

// TestVerifyDummySameWork checks by structure, not timing, that VerifyDummy does what Verify does
// for a wrong password: one Argon2id derivation with the same parameters and input sizes.
func TestVerifyDummySameWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newTestHasher(t, HasherConfig{})
	encoded, err := h.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	var calls []derivation
	h.derive = func(pw, salt []byte, p Params) []byte {
		calls = append(calls, derivation{len(pw), len(salt), p})
		return deriveArgon2id(pw, salt, p)
	}
	if ok, err := h.Verify(ctx, encoded, "wrong password!"); ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if err := h.VerifyDummy(ctx, "wrong password!"); err != nil {
		t.Fatalf("VerifyDummy: %v", err)
	}
	if err := h.VerifyDummy(ctx, testPassword); err != nil {
		t.Fatalf("VerifyDummy: %v", err)
	}
	if len(calls) != 3 || calls[0] != calls[1] {
		t.Fatalf("derivations = %+v; want Verify and VerifyDummy identical", calls)
	}
	if calls[1].params != DefaultParams() {
		t.Errorf("VerifyDummy params = %+v, want %+v", calls[1].params, DefaultParams())
	}
	// Oversized passwords are refused the same way by both.
	calls = nil
	long := strings.Repeat("a", MaxPasswordBytes+1)
	_, _ = h.Verify(ctx, encoded, long)
	_ = h.VerifyDummy(ctx, long)
	if len(calls) != 0 {
		t.Errorf("oversized password was hashed: %+v", calls)
	}
}

// TestHasherConcurrencyBound runs more hashes than slots and records the peak number running.
func TestHasherConcurrencyBound(t *testing.T) {
	t.Parallel()
	const slots, workers = 2, 8
	h := newTestHasher(t, HasherConfig{MaxConcurrent: slots})
	var running, peak atomic.Int32
	h.derive = func(pw, salt []byte, p Params) []byte {
		n := running.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return make([]byte, p.KeyLength)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), testPassword); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := peak.Load(); got != slots {
		t.Errorf("peak concurrent derivations = %d, want %d", got, slots)
	}
}

// TestHasherWaitRespectsContext fills the only slot and checks that waiters give up with ctx.
func TestHasherWaitRespectsContext(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, HasherConfig{MaxConcurrent: 1})
	entered, release := make(chan struct{}), make(chan struct{})
	h.derive = func(pw, salt []byte, p Params) []byte {
		entered <- struct{}{}
		<-release
		return make([]byte, p.KeyLength)
	}
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), testPassword)
		done <- err
	}()
	<-entered

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, testPassword); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash while full = %v, want DeadlineExceeded", err)
	}
	if _, err := h.Verify(ctx, h.dummy, testPassword); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify while full = %v, want DeadlineExceeded", err)
	}
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := h.VerifyDummy(canceled, testPassword); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyDummy with canceled ctx = %v, want Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first Hash: %v", err)
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrPasswordTooShort},
		{"11 ascii", "abcdefghijk", ErrPasswordTooShort},
		{"12 ascii", "abcdefghijkl", nil},
		{"11 runes in 22 bytes", strings.Repeat("é", 11), ErrPasswordTooShort},
		{"12 runes", strings.Repeat("é", 12), nil},
		{"12 emoji", strings.Repeat("🔑", 12), nil},
		{"spaces count", "            ", nil},
		{"1024 bytes", strings.Repeat("a", MaxPasswordBytes), nil},
		{"1025 bytes", strings.Repeat("a", MaxPasswordBytes+1), ErrPasswordTooLong},
		{"1026 bytes of 513 runes", strings.Repeat("é", 513), ErrPasswordTooLong},
		{"invalid utf-8", "abcdefghijkl\xff", ErrPasswordEncoding},
	}
	for _, tt := range tests {
		if got := ValidatePassword(tt.pw); !errors.Is(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("%s: ValidatePassword = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	h := newTestHasher(b, HasherConfig{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h := newTestHasher(b, HasherConfig{})
	ctx := context.Background()
	encoded, err := h.Hash(ctx, testPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := h.Verify(ctx, encoded, "wrong password!"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := newTestHasher(b, HasherConfig{})
	ctx := context.Background()
	for b.Loop() {
		if err := h.VerifyDummy(ctx, "wrong password!"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHasherQueueTimeout fills the only slot and checks that a waiter gives up after the queue
// timeout with ErrHashBusy, an Unavailable error carrying Retry-After, and that Stats count it.
func TestHasherQueueTimeout(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, HasherConfig{MaxConcurrent: 1, QueueTimeout: 1500 * time.Millisecond})
	entered, release := make(chan struct{}), make(chan struct{})
	h.derive = func(pw, salt []byte, p Params) []byte {
		entered <- struct{}{}
		<-release
		return make([]byte, p.KeyLength)
	}
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), testPassword)
		done <- err
	}()
	<-entered

	start := time.Now()
	_, err := h.Verify(context.Background(), h.dummy, testPassword)
	if took := time.Since(start); took < 1500*time.Millisecond {
		t.Errorf("gave up after %s, want the queue timeout", took)
	}
	if !errors.Is(err, ErrHashBusy) || !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Verify while full = %v, want ErrHashBusy, Unavailable", err)
	}
	var h2 interface{ GetHeaders() http.Header }
	if !errors.As(err, &h2) || h2.GetHeaders().Get("Retry-After") != "2" {
		t.Errorf("busy error headers = %v, want Retry-After: 2 (1.5 s rounded up)", h2)
	}
	if st := h.Stats(); st != (HashStats{Queued: 1, Refused: 1}) {
		t.Errorf("Stats = %+v, want 1 queued, 1 refused", st)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first Hash: %v", err)
	}
	h.derive = func(pw, salt []byte, p Params) []byte { return make([]byte, p.KeyLength) }
	if _, err := h.Hash(context.Background(), testPassword); err != nil {
		t.Errorf("Hash with the slot free: %v", err)
	}
	if st := h.Stats(); st != (HashStats{Queued: 1, Refused: 1}) {
		t.Errorf("Stats after a free slot = %+v, want unchanged", st)
	}
}
