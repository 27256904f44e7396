package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/tenantry/tenantry/internal/errs"
)

// Password policy limits enforced by ValidatePassword.
const (
	// MinPasswordRunes is the minimum password length in characters (Unicode code points).
	MinPasswordRunes = 12
	// MaxPasswordBytes is the maximum password length in bytes. Longer input is never hashed.
	MaxPasswordBytes = 1024
)

// Bounds on parameters read back from a stored hash, so a corrupted or hostile PHC string cannot
// make a single verification allocate gigabytes or run for minutes. They are far above anything
// this package produces.
const (
	maxMemoryKiB   = 256 * 1024 // 256 MiB
	maxIterations  = 32
	maxParallelism = 16
	minSaltLength  = 8
	maxSaltLength  = 64
	minKeyLength   = 16
	maxKeyLength   = 64
	maxPHCLength   = 512
)

// b64 is the PHC string's base64: standard alphabet, no padding, canonical trailing bits.
var b64 = base64.RawStdEncoding.Strict()

// Params are Argon2id cost parameters, as stored in a PHC string.
type Params struct {
	Memory      uint32 // memory in KiB (m)
	Iterations  uint32 // passes over memory (t)
	Parallelism uint8  // lanes (p)
	SaltLength  uint32 // salt length in bytes
	KeyLength   uint32 // derived key length in bytes
}

// DefaultParams returns the OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19456 KiB,
// t=2, p=1, with a 16-byte salt and a 32-byte key. It is also the weakest a Hasher accepts.
func DefaultParams() Params {
	return Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// checkBounds rejects parameters that are not sane to run, whatever their origin.
func (p Params) checkBounds() error {
	switch {
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("parallelism %d out of range", p.Parallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range", p.Memory)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d out of range", p.Iterations)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("salt length %d out of range", p.SaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("key length %d out of range", p.KeyLength)
	}
	return nil
}

// weakerThan reports whether p is cheaper for an attacker than q in any dimension.
func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory || p.Iterations < q.Iterations || p.Parallelism < q.Parallelism ||
		p.SaltLength < q.SaltLength || p.KeyLength < q.KeyLength
}

// HasherConfig configures NewHasher. The zero value is the recommended configuration.
type HasherConfig struct {
	// Params are the parameters of new hashes. The zero value means DefaultParams; anything
	// weaker than DefaultParams is rejected.
	Params Params
	// MaxConcurrent bounds how many Argon2id computations run at once, and so the memory used
	// (MaxConcurrent × Params.Memory). Zero means runtime.GOMAXPROCS(0), but no more than fit in
	// HashMemoryBudget (at least one).
	MaxConcurrent int
	// QueueTimeout bounds how long a hash waits for a slot when all are taken; then it fails with
	// ErrHashBusy. Zero means DefaultQueueTimeout.
	QueueTimeout time.Duration
}

// DefaultQueueTimeout is how long a hash waits for a free slot by default before it gives up with
// ErrHashBusy (a 503 with Retry-After): long enough to ride out a short burst, short enough that a
// flood of sign-ins is refused at once instead of piling up connections and memory.
const DefaultQueueTimeout = 2 * time.Second

// HashMemoryBudget is the memory the hashes running at once may take by default (see
// HasherConfig.MaxConcurrent): two hashes with DefaultParams, whatever the number of cores, so
// that a burst of sign-ins queues instead of growing the process (issue 16: 100 concurrent
// sign-ins must stay under 100 MB).
const HashMemoryBudget = 40 << 20

// Hasher hashes and verifies passwords with Argon2id. At most a fixed number of hashes run at
// once; callers beyond that wait, and stop waiting when their context ends. A Hasher is safe for
// concurrent use.
type Hasher struct {
	params  Params
	sem     chan struct{}
	timeout time.Duration // QueueTimeout
	queued  atomic.Uint64 // hashes that found every slot taken and waited
	refused atomic.Uint64 // hashes that waited QueueTimeout in vain (ErrHashBusy)
	// dummy is a well-formed hash with the current parameters that no password matches.
	dummy string
	// derive computes the key; tests replace it to observe parameters and concurrency.
	derive func(password, salt []byte, p Params) []byte
}

// NewHasher returns a Hasher for cfg. It fails if the parameters are weaker than DefaultParams or
// out of range, or if MaxConcurrent or QueueTimeout is negative.
func NewHasher(cfg HasherConfig) (*Hasher, error) {
	p := cfg.Params
	if p == (Params{}) {
		p = DefaultParams()
	}
	if err := p.checkBounds(); err != nil {
		return nil, fmt.Errorf("auth: new hasher: %w", err)
	}
	if p.weakerThan(DefaultParams()) {
		return nil, fmt.Errorf("auth: new hasher: parameters weaker than the OWASP minimum")
	}
	n := cfg.MaxConcurrent
	if n < 0 {
		return nil, fmt.Errorf("auth: new hasher: negative MaxConcurrent %d", n)
	}
	if n == 0 {
		n = min(runtime.GOMAXPROCS(0), max(1, HashMemoryBudget/(int(p.Memory)<<10)))
	}
	timeout := cfg.QueueTimeout
	if timeout < 0 {
		return nil, fmt.Errorf("auth: new hasher: negative QueueTimeout %s", timeout)
	}
	if timeout == 0 {
		timeout = DefaultQueueTimeout
	}
	// The dummy hash is random bytes, not an Argon2id output: verifying against it costs exactly
	// a real verification, and no password matches it.
	salt, key := make([]byte, p.SaltLength), make([]byte, p.KeyLength)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (it crashes the program instead)
	_, _ = rand.Read(key)
	return &Hasher{
		params:  p,
		sem:     make(chan struct{}, n),
		timeout: timeout,
		dummy:   encodePHC(p, salt, key),
		derive:  deriveArgon2id,
	}, nil
}

// Params returns the parameters used for new hashes.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password with a fresh random salt, in the form
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (unpadded standard base64). It returns
// ErrPasswordTooLong for a password longer than MaxPasswordBytes, ErrHashBusy if no slot frees
// within the queue timeout, and the context's error if ctx ends while waiting for a slot. It does not apply the password policy: call ValidatePassword
// first when the password is new.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("auth: hash password: %w", ErrPasswordTooLong)
	}
	salt := make([]byte, h.params.SaltLength)
	_, _ = rand.Read(salt)
	key, err := h.run(ctx, []byte(password), salt, h.params)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches the PHC string encoded. The parameters are read from
// encoded, so hashes made with other (for example stronger, later) parameters still verify. A
// malformed or unsupported string gives an error wrapping ErrMalformedHash; a wait for a slot
// longer than the queue timeout gives ErrHashBusy, a context that ends while waiting the context's
// error. A password longer than MaxPasswordBytes
// never matches. The key comparison takes constant time.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	d, err := parsePHC(encoded)
	if err != nil {
		return false, fmt.Errorf("auth: verify password: %w", err)
	}
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	key, err := h.run(ctx, []byte(password), d.salt, d.params)
	if err != nil {
		return false, fmt.Errorf("auth: verify password: %w", err)
	}
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}

// VerifyDummy does the work of Verify against a hash with the current parameters that no
// password matches. Call it when the account does not exist, so that the response takes as long
// as for a wrong password and does not reveal whether the account exists. It returns only
// ErrHashBusy or the context's error, which the caller must return as Verify's: a busy answer for
// an unknown account only would tell that the account does not exist.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, err := h.Verify(ctx, h.dummy, password)
	return err
}

// NeedsRehash reports whether encoded should be replaced by a new hash of the same password (after
// a successful Verify): it is malformed, or any of its parameters is weaker than the Hasher's.
// Stronger hashes are kept, so rolling parameters back never downgrades stored hashes.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, err := ParseParams(encoded)
	return err != nil || p.weakerThan(h.params)
}

// HashStats are a Hasher's counts since it was made, for the metrics.
type HashStats struct {
	Queued  uint64 // hashes that found every slot taken and waited for one
	Refused uint64 // of those, the ones that gave up after the queue timeout (ErrHashBusy)
}

// Stats returns the Hasher's counts.
func (h *Hasher) Stats() HashStats {
	return HashStats{Queued: h.queued.Load(), Refused: h.refused.Load()}
}

// run computes the key once a concurrency slot is free. It returns ErrHashBusy when none frees
// within the queue timeout, or the context's error when ctx ends first.
func (h *Hasher) run(ctx context.Context, password, salt []byte, p Params) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
	default: // every slot is taken: queue, for a bounded time
		h.queued.Add(1)
		wait := time.NewTimer(h.timeout)
		defer wait.Stop()
		select {
		case h.sem <- struct{}{}:
		case <-wait.C:
			h.refused.Add(1)
			return nil, errHashBusy(h.timeout)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() { <-h.sem }()
	return h.derive(password, salt, p), nil
}

// ErrHashBusy is in the chain of the error of a hash or verification that found every slot taken
// for the whole queue timeout. The error it comes in is Unavailable (errs), a 503, and carries a
// Retry-After header of the queue timeout in seconds: nothing was hashed, and the caller should
// change nothing.
var ErrHashBusy = errors.New("auth: every password hashing slot is taken")

// busyError is ErrHashBusy with the Retry-After to answer.
type busyError struct{ retryAfter time.Duration }

func (e busyError) Error() string { return ErrHashBusy.Error() }

func (e busyError) Is(target error) bool { return target == ErrHashBusy }

// GetHeaders gives the 503 its Retry-After, in whole seconds (huma.HeadersError).
func (e busyError) GetHeaders() http.Header {
	secs := max(1, int((e.retryAfter+time.Second-1)/time.Second))
	return http.Header{"Retry-After": {strconv.Itoa(secs)}}
}

func errHashBusy(retryAfter time.Duration) error {
	return errs.Wrap(errs.Unavailable, "too many password checks at once, retry later", busyError{retryAfter})
}

// deriveArgon2id is the production key derivation.
func deriveArgon2id(password, salt []byte, p Params) []byte {
	return argon2.IDKey(password, salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
}

// ValidatePassword applies the password policy to a new password: valid UTF-8, at least
// MinPasswordRunes characters and at most MaxPasswordBytes bytes. It returns ErrPasswordTooShort,
// ErrPasswordTooLong or ErrPasswordEncoding.
func ValidatePassword(pw string) error {
	switch {
	case len(pw) > MaxPasswordBytes:
		return ErrPasswordTooLong
	case !utf8.ValidString(pw):
		return ErrPasswordEncoding
	case utf8.RuneCountInString(pw) < MinPasswordRunes:
		return ErrPasswordTooShort
	}
	return nil
}

// ParseParams returns the parameters of a PHC string, with SaltLength and KeyLength taken from
// the decoded salt and key. It returns an error wrapping ErrMalformedHash for anything Verify
// would reject as malformed.
func ParseParams(encoded string) (Params, error) {
	d, err := parsePHC(encoded)
	if err != nil {
		return Params{}, err
	}
	return d.params, nil
}

// phc is a parsed Argon2id PHC string.
type phc struct {
	params    Params
	salt, key []byte
}

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC parses $argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<key> strictly.
func parsePHC(s string) (phc, error) {
	d, err := parsePHCFields(s)
	if err != nil {
		return phc{}, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return d, nil
}

func parsePHCFields(s string) (phc, error) {
	if len(s) > maxPHCLength {
		return phc{}, errors.New("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return phc{}, errors.New("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return phc{}, errors.New("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, errors.New("unsupported argon2 version")
	}
	var d phc
	m, t, p, err := parseCosts(parts[3])
	if err != nil {
		return phc{}, err
	}
	if d.salt, err = b64.DecodeString(parts[4]); err != nil {
		return phc{}, errors.New("salt is not base64")
	}
	if d.key, err = b64.DecodeString(parts[5]); err != nil {
		return phc{}, errors.New("key is not base64")
	}
	d.params = Params{Memory: m, Iterations: t, Parallelism: p,
		SaltLength: uint32(len(d.salt)), KeyLength: uint32(len(d.key))}
	if err := d.params.checkBounds(); err != nil {
		return phc{}, err
	}
	return d, nil
}

// parseCosts parses "m=<m>,t=<t>,p=<p>" in exactly that order.
func parseCosts(s string) (m, t uint32, p uint8, err error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return 0, 0, 0, errors.New("parameters are not m,t,p")
	}
	var v [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(fields[i], name)
		if !ok || digits == "" || digits[0] < '0' || digits[0] > '9' {
			return 0, 0, 0, errors.New("parameters are not m,t,p")
		}
		bits := 32
		if i == 2 {
			bits = 8
		}
		if v[i], err = strconv.ParseUint(digits, 10, bits); err != nil {
			return 0, 0, 0, fmt.Errorf("parameter %s out of range", name)
		}
	}
	return uint32(v[0]), uint32(v[1]), uint8(v[2]), nil
}
