package auth

import "errors"

// ErrInvalidToken is returned (wrapped with the reason, for logs) by [Tokens.Verify] for every
// token it does not accept. Callers should answer 401 without telling the client why.
var ErrInvalidToken = errors.New("auth: invalid token")

// ErrMalformed is returned (wrapped with the reason) by [ParseOpaque] for any string that is not a
// well-formed opaque token of the expected kind, before any lookup needs to happen.
var ErrMalformed = errors.New("auth: malformed token")

// ErrMalformedHash is returned (wrapped with the reason) when a stored password hash is not a
// PHC string this package can verify.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// ErrPasswordTooShort is returned by [ValidatePassword] for a password of fewer than
// [MinPasswordRunes] characters.
var ErrPasswordTooShort = errors.New("auth: password too short")

// ErrPasswordTooLong is returned by [ValidatePassword] and [Hasher.Hash] for a password longer
// than [MaxPasswordBytes] bytes.
var ErrPasswordTooLong = errors.New("auth: password too long")

// ErrPasswordEncoding is returned by [ValidatePassword] for a password that is not valid UTF-8.
var ErrPasswordEncoding = errors.New("auth: password is not valid UTF-8")
