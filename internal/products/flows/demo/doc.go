// Package demo holds the example content of `tenantry demo`'s flows tenant: three flows written for
// Tenantry (graphs embedded as JSON, one file each) and the completed session the demo records on
// one of them and shares. The demo publishes them through the API, like a user would; the tests
// here check that they are valid graphs and that the session's steps run to its outcome.
package demo
