// Package httpapi is Tenantry's HTTP adapter: Huma v2 on the standard library mux, so the OpenAPI
// 3.1 document is generated from the code.
//
// Every operation is registered with Register, together with its Access declaration (class,
// minimum role, API-key scope); an operation without one cannot be registered, and the
// authentication middleware denies any operation it finds undeclared. Handlers return errors; one
// table (problem.go) turns an error kind into a status and an application/problem+json body.
//
// The package knows no platform package or product: checks that need the authenticated caller
// (the rate limiter's) plug in as an Admission, and the request's metadata (id, client address,
// operation, tenant) travels in the context as a tenancy.Request for whoever records it.
package httpapi
