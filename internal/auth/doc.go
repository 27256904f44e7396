// Package auth provides Tenantry's credential primitives: password hashing, signed access tokens
// and opaque bearer tokens. It is pure Go and touches no database; the identity and HTTP packages
// store and transport what it produces.
//
//   - Passwords are hashed with Argon2id (OWASP parameters m=19456 KiB, t=2, p=1) into PHC strings
//     by a [Hasher], which bounds how many hashes run at once so memory stays bounded.
//   - Access tokens are HS256 JWTs of type "at+jwt" signed with a key chosen by "kid" from a
//     pinned key ring ([Keys]); [Tokens.Verify] follows RFC 8725 and reports every failure as
//     [ErrInvalidToken].
//   - Refresh tokens, API keys, invitations and share links are [Opaque] tokens in a GitHub-style
//     format, tnr_<kind>_<base62 body><base62 CRC32>, so garbage is rejected before any lookup
//     and only a SHA-256 hash ([Opaque.Hash]) is ever stored.
//
// Types that hold secrets ([Keys], [Opaque]) redact them in String, fmt verbs, slog and
// encoding.TextMarshaler output; the full token text is only returned by [Opaque.Token].
package auth
