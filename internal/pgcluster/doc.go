// Package pgcluster runs a private PostgreSQL cluster in a directory: `tenantry dev` keeps a
// persistent one under ./.tenantry/pg, and tests (through pgtest) run an ephemeral one in a temp
// dir.
//
// Start installs the server binaries if they are missing (Install), runs initdb on first use and
// starts `postgres` as a direct child of the calling process. The server listens only on a unix
// socket in a private directory, so clusters never clash over ports and trust authentication is
// safe. The child gets a parent-death signal, so it shuts down when this process dies, even by
// SIGKILL. When a ready postgres already serves the directory (another tenantry process started
// it), Start attaches to it instead and Stop leaves it running.
//
// PostgreSQL refuses to run as root: when the caller is root, initdb and postgres run as the
// `postgres` OS user (or `nobody`), which must be able to traverse every parent of Options.Dir.
// The package is Linux-only (parent-death signals and /proc).
package pgcluster
