// Package httpapi is Tenantry's HTTP adapter: Huma v2 on the standard library mux, so the OpenAPI
// 3.1 document is generated from the code.
//
// Every operation is registered with Register, together with its Access declaration (class,
// minimum role, API-key scope); an operation without one cannot be registered, and the
// authentication middleware denies any operation it finds undeclared. Handlers return errors; one
// table (problem.go) turns an error kind into a status and an application/problem+json body.
package httpapi
