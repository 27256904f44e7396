// Package idempotency keeps the responses of creates by their Idempotency-Key, per tenant and
// principal, for 24 hours (httpapi.Idempotency). A request takes a transaction-scoped advisory
// lock on its key, so requests with one key run one after the other, across instances; the
// first runs the create in that transaction and stores the response in it, so the effect and
// the stored response commit together or not at all; the others find the response and replay
// it. A request that finds the lock taken waits outside any transaction, holding no pooled
// connection, and tries again. Stored bodies are sealed: a create may answer a secret shown
// once (an API key, a share token).
package idempotency
