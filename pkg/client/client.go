package client

import (
	"context"
	"net/http"
	"strings"
)

// This file is written by hand; client.gen.go is generated from the OpenAPI document
// (cmd/tenantry/testdata/openapi.golden.json) by `make generate`, and `make lint` fails when it is
// out of date. Every operation is a method of ClientWithResponses named for its operationId
// (create-site: CreateSiteWithResponse), whose answer has the raw Body, the HTTPResponse and one
// typed field per documented status (JSON201 *Site; ApplicationproblemJSON404 *Problem).

// New returns a client of the Tenantry server at base (e.g. http://127.0.0.1:8080) that sends its
// requests with hc (http.DefaultClient when nil).
func New(base string, hc *http.Client) (*ClientWithResponses, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	return NewClientWithResponses(strings.TrimRight(base, "/"), WithHTTPClient(hc))
}

// Bearer returns a request editor that sends an access token (from sign-in or registration).
func Bearer(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// APIKey returns a request editor that sends a tenant API key.
func APIKey(key string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-API-Key", key)
		return nil
	}
}
