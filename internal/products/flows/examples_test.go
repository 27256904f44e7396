package flows

import (
	"encoding/json"
	"testing"

	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

// TestExamplesAreUsable checks the OpenAPI document's request examples: the example flow's graph
// passes the publication checks as it is, and the example variables are those its input node
// defines, with values of their types (the cross-tenant probe builds its flows and sessions from
// them).
func TestExamplesAreUsable(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal(exampleFlow["graph"])
	if err != nil {
		t.Fatal(err)
	}
	var g graph.Graph
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := graph.Validate(g); err != nil {
		t.Fatalf("the example flow cannot be published: %v", err)
	}
	run, err := graph.Start(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	values, _ := exampleVariables["values"].(map[string]any)
	if _, err := graph.SetVariables(g, run, values); err != nil || len(values) == 0 {
		t.Errorf("the example variables %v do not fit the example flow: %v", values, err)
	}
}
