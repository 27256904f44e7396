// Package console serves the web console: the pages tenants' staff use (sign-in, members, the
// parking board, the flows library and the technician's session runner) and the public share page,
// as embedded static assets on the same listener as the API.
//
// The console is a client of the public API like any integration: plain JavaScript modules (no
// build step) that call /api/v1 with the user's own access token, kept in memory only, and renew it
// through the HttpOnly refresh cookie. Every decision stays with the operations' access
// declarations. Pages are built with DOM calls, never HTML strings, and are served under a strict
// Content-Security-Policy (no inline script or style), so text a user typed is never markup.
package console
