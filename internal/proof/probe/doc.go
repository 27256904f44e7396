// Package probe is the cross-tenant probe: a black-box test of a running Tenantry that is generated
// from the service's own OpenAPI document, so an operation added next year is probed without new
// test code.
//
// Run reads /openapi.json, builds a world of two tenants (A and B) that each hold every resource
// kind the document lets it create, with unique canary strings in A's free-text fields, and gives B
// every principal the API offers (owner, admin, operator and viewer members when member management
// exists, API keys with every scope and with single scopes, no credentials). Then, for every
// operation and every B principal, it substitutes A's ids into the path, query and body and checks
// the isolation contract (shared/spec/isolation.md):
//
//   - A's ids never give a 2xx, never a canary, never one of A's ids in a body or header, and the
//     status the policy gives: 404 for a hidden object, 403 only where the role or scope refuses
//     the operation whatever the object;
//   - the answer for A's id is byte-identical to the answer for a random id (status, header set,
//     body; the request id and date excepted);
//   - lists, searches, counts and exports as B show none of A's ids and no canary;
//   - the role and scope matrix of the operation's x-tenantry-access declaration holds;
//   - a child route with a parent of another tenant, or of another parent, answers 404;
//   - A's rows are unchanged afterwards (a row hash before and after each operation).
//
// The declaration adds principals where it says more than class, role and scope: for an
// owner-only operation, B's other members with B owner's objects (the 404 of a random id); for an
// operation with an object rule ("objects"), B's members who did not write B owner's private and
// account objects (404, a 2xx read, or a 403 for a change of an object they see); for a public
// operation whose path carries a credential ("credential": "share-token"), the anonymous holder,
// the foreign holder (A's owner) and B's own members and keys, against live, revoked and expired
// links of each visibility, with the withheld fields of the shared object absent from every view.
//
// The report counts operations probed against operations in the document; an operation with an
// id parameter that could not be probed fails the run, as does every violation.
package probe
