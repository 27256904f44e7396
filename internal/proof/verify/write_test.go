package verify_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/proof/verify"
)

var sample = []verify.Result{
	{Invariant: "rls.enabled", Object: "public.sites", Pass: true},
	{Invariant: "rls.forced", Object: "public.spots", Pass: false, Detail: "row-level security is not forced: the owner bypasses it"},
	{Invariant: "role.system.grants", Object: "-", Pass: true, Detail: "not configured"},
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	failed, err := verify.Write(&b, sample, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `PASS  rls.enabled  public.sites
FAIL  rls.forced  public.spots — row-level security is not forced: the owner bypasses it
PASS  role.system.grants  - — not configured
`
	if b.String() != want {
		t.Errorf("Write text:\n%s\nwant:\n%s", b.String(), want)
	}
	if failed != 1 {
		t.Errorf("failed = %d, want 1", failed)
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	failed, err := verify.Write(&b, sample, true)
	if err != nil {
		t.Fatal(err)
	}
	if failed != 1 {
		t.Errorf("failed = %d, want 1", failed)
	}
	var got []verify.Result
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(got, sample) {
		t.Errorf("round trip = %+v, want %+v", got, sample)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(b.String()), &raw); err != nil {
		t.Fatal(err)
	}
	if raw[1]["invariant"] != "rls.forced" || raw[1]["pass"] != false || raw[0]["detail"] != nil {
		t.Errorf("field names or omitempty changed: %v", raw)
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if _, err := verify.Write(&b, nil, true); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("empty JSON = %q, want []", b.String())
	}
}
