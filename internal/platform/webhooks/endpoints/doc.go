// Package endpoints serves a tenant's outbound webhooks: its endpoints (register, list, change,
// delete, rotate the signing secret, send a test ping), the delivery log (list, one delivery with
// its body, manual replay), and the worker of the webhook.deliver job, which posts a delivery to
// its endpoint, signed, through an HTTP client that refuses private and loopback addresses unless
// the configuration allows them (Config.AllowPrivate). Events are produced by package webhooks
// (Emit); see docs/webhooks.md.
//
// An endpoint's secret is shown once, when it is created or rotated, and kept sealed with
// TENANTRY_SECRET_KEY (package secretbox), bound to the tenant and the endpoint. A failed attempt
// is retried with exponential backoff (webhooks.Backoff) up to webhooks.MaxAttempts times; an
// endpoint whose attempts fail Config.DisableAfter times in a row is disabled, and its pending
// deliveries fail, until a member enables it again.
package endpoints
