// Package webhooks is the producing side of Tenantry's outbound webhooks: the event types a tenant
// can subscribe an endpoint to, Emit, which a product calls inside the transaction that made a
// change, and the signature every delivery carries (Sign, Verify).
//
// Emit writes one delivery row per enabled endpoint of the scope's tenant that subscribes to the
// event type, and one River job per delivery (kind webhook.deliver, arguments: tenant and delivery
// id), through the caller's transaction: an event exists exactly when its change commits, and it
// only ever reaches the endpoints of the tenant whose transaction produced it (the query carries
// the tenant predicate and row-level security holds it too). The delivery worker, the endpoint
// API and the delivery log are in package webhooks/endpoints; this package imports no other
// platform package, so the audit log can emit its events (audit.event) without an import cycle.
//
// A delivery is an HTTP POST of the event envelope (Envelope) as JSON with the headers
// Tenantry-Signature (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's
// secret>), Tenantry-Event-Id, Tenantry-Event-Type and Tenantry-Delivery-Id; see docs/webhooks.md.
package webhooks
