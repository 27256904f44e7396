// Package flows is the guided troubleshooting flows product (shared/spec/flows.md): flows
// (decision trees and procedures) with drafts and immutable published versions, global and
// per-tenant categories and tags, the step library with ratings, technician sessions and their
// share links.
//
// Every table but the global catalogue (flow_global_categories, flow_global_tags: read-only to
// tenants) is tenant data under shared/spec/isolation.md. So far the package holds the schema
// (migrations) and the one cross-tenant query it needs (crosstenant.go); the service comes next.
package flows
