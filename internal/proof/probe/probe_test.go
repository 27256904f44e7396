package probe

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func runFake(t *testing.T, hashes bool, bugs ...string) (*Report, string) {
	t.Helper()
	f := newFake(bugs...)
	srv := httptest.NewServer(f.handler(t))
	t.Cleanup(srv.Close)
	o := Options{URL: srv.URL, LinkExpiry: 300 * time.Millisecond}
	if hashes {
		o.RowHashes = f.rowHashes
	}
	rep, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.Write(&out)
	return rep, out.String()
}

// TestCleanAPIPasses: on an API without isolation bugs the probe builds every kind and every
// principal, probes every operation and finds nothing.
func TestCleanAPIPasses(t *testing.T) {
	t.Parallel()
	rep, out := runFake(t, true)
	if rep.Failed() || len(rep.Missing) > 0 {
		t.Fatalf("a clean API failed the probe:\n%s", out)
	}
	if probed, total := rep.Coverage(); probed != total || total != 31 {
		t.Errorf("coverage %d/%d, want 31/31:\n%s", probed, total, out)
	}
	for _, want := range []string{"B admin", "B operator", "B viewer", "B key every scope", "B key only sites:read", "B key all but sites:read",
		"another member", "sees but did not write", "anonymous holder", "foreign holder (A owner)"} {
		if !strings.Contains(strings.Join(rep.Principals, ","), want) {
			t.Errorf("principal %q missing: %v", want, rep.Principals)
		}
	}
}

// TestPlantedBugsAreFound plants one isolation bug at a time in the fake API; the probe must
// report each with the check that catches it. A probe that passes here proves nothing.
func TestPlantedBugsAreFound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		bug, op, check string
		hashes         bool
	}{
		{"get-site-any-tenant", "GET /api/v1/sites/{id}", "cross-tenant", true},
		{"get-site-any-tenant", "GET /api/v1/sites/{id}", "canary", true},
		{"child-ignores-parent", "GET /api/v1/sites/{site_id}/spaces/{id}", "child-route", true},
		{"oracle-403", "PATCH /api/v1/spaces/{id}", "indistinguishable", true},
		{"oracle-403", "PATCH /api/v1/spaces/{id}", "cross-tenant", true},
		{"search-leak", "GET /api/v1/spaces", "canary", true},
		{"stream-any-tenant", "GET /api/v1/sites/{id}/stream", "cross-tenant", true}, // a stream that never ends, read in part
		{"stream-any-tenant", "GET /api/v1/sites/{id}/stream", "canary", true},
		{"delete-any-tenant", "DELETE /api/v1/devices/{id}", "cross-tenant", true},
		{"delete-any-tenant", "DELETE /api/v1/devices/{id}", "unchanged", true},
		{"handler-403", "GET /api/v1/sites", "matrix", true},
		{"silent-write", "PATCH /api/v1/spaces/{id}", "unchanged", true},
		{"silent-write", "PATCH /api/v1/spaces/{id}", "unchanged", false}, // seen through A's own reads
		{"label-leak", "GET /api/v1/labels", "canary", true},              // a tenant row of A, next to the global ones
		{"note-any-user", "GET /api/v1/notes/{id}", "owner-only", true},
		{"note-any-user", "POST /api/v1/notes/{id}/links", "owner-only", true},
		{"doc-edit-404", "PATCH /api/v1/docs/{id}", "visibility", true},
		{"doc-edit-404", "POST /api/v1/docs/{id}/publish", "visibility", true},
		{"doc-edit-200", "PATCH /api/v1/docs/{id}", "visibility", true},
		{"link-foreign", "GET /api/v1/link/{token}", "share-token", true},
		{"link-foreign", "GET /api/v1/link/{token}", "canary", true}, // B's members open A's account link
		{"link-leaks-scratch", "GET /api/v1/link/{token}", "withheld", true},
	}
	for _, c := range cases {
		t.Run(c.bug+"/"+c.check, func(t *testing.T) {
			t.Parallel()
			rep, out := runFake(t, c.hashes, c.bug)
			if !rep.Failed() {
				t.Fatalf("the probe passed an API with bug %s:\n%s", c.bug, out)
			}
			for _, f := range rep.Findings {
				if f.Op == c.op && f.Check == c.check {
					return
				}
			}
			t.Errorf("bug %s: no %s finding on %s:\n%s", c.bug, c.check, c.op, out)
		})
	}
}

// TestUnprobedIDOperationFails: an operation with an id the world cannot fill fails the run.
func TestUnprobedIDOperationFails(t *testing.T) {
	t.Parallel()
	rep, out := runFake(t, true, "unprobeable")
	un := rep.Unprobed()
	if !rep.Failed() || len(un) != 1 || un[0].Op != "GET /api/v1/widgets/{id}" {
		t.Fatalf("want exactly GET /api/v1/widgets/{id} unprobed and a failed run:\n%s", out)
	}
	if !strings.Contains(out, "NOT PROBED") || !strings.Contains(out, "FAIL") {
		t.Errorf("the report does not say so:\n%s", out)
	}
}
