package postgres

import (
	"slices"
	"testing"
)

// TestDeletionOrderThroughCascades is the flows shape: flows and flow_versions reference each
// other (versions cascade from their flow), and batches hold a blocking reference to a version,
// so deleting flows first would cascade into versions the batches still reference; a SET NULL
// reference (batches to their schedule) deletes nothing.
func TestDeletionOrderThroughCascades(t *testing.T) {
	tables := []TenantTable{
		{Name: "flows", Parents: []string{"flow_versions"}},
		{Name: "flow_versions", Parents: []string{"flows"}, Cascading: []string{"flows"}},
		{Name: "flow_batches", Parents: []string{"flow_maintenance_schedules", "flow_versions"}, Blocking: []string{"flow_versions"}},
		{Name: "flow_sessions", Parents: []string{"flow_batches"}, Blocking: []string{"flow_batches"}},
		// schedules' deletion sets the batches' schedule to null: their rows stay and still block
		{Name: "flow_maintenance_schedules", Parents: []string{"flows"}, Blocking: []string{"flows"}},
	}
	out, err := DeletionOrder(tables)
	if err != nil {
		t.Fatal(err)
	}
	pos := func(name string) int {
		return slices.IndexFunc(out, func(t TenantTable) bool { return t.Name == name })
	}
	if !(pos("flow_sessions") < pos("flow_batches") && pos("flow_batches") < pos("flows") && pos("flow_batches") < pos("flow_versions")) {
		var names []string
		for _, t := range out {
			names = append(names, t.Name)
		}
		t.Fatalf("order %v deletes a referenced table before its referrer", names)
	}
	if _, err := DeletionOrder([]TenantTable{{Name: "a", Parents: []string{"b"}, Blocking: []string{"b"}},
		{Name: "b", Parents: []string{"a"}, Blocking: []string{"a"}}}); err == nil {
		t.Fatal("a cycle of blocking references was ordered")
	}
}
