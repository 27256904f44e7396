package flows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestFlowAnalytics: the figures count only the flow's sessions that started in the range, and
// are computed from their status, outcome, duration and the node where they stopped.
func TestFlowAnalytics(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	flow := w.seedFlow(t, w.a, w.a.tech, "account")
	other := w.seedFlow(t, w.a, w.a.tech, "account")
	now := time.Now()
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }
	for _, s := range []struct {
		m    shareMember
		spec sessionSpec
	}{
		{w.a.tech, sessionSpec{flow: flow, started: at(5 * time.Hour), completed: 10 * time.Minute}},
		{w.a.colleague, sessionSpec{flow: flow, started: at(4 * time.Hour), completed: 20 * time.Minute}},
		{w.a.tech, sessionSpec{flow: flow, started: at(3 * time.Hour), completed: 40 * time.Minute, outcome: "escalated", current: "r2"}},
		{w.a.tech, sessionSpec{flow: flow, started: at(2 * time.Hour), status: "abandoned", current: "q1"}},
		{w.a.tech, sessionSpec{flow: flow, started: at(time.Hour), status: "active", current: "q1"}},
		{w.a.tech, sessionSpec{flow: flow, status: "prepared"}},
		{w.a.tech, sessionSpec{flow: flow, started: at(40 * 24 * time.Hour)}},                            // before the default window
		{w.a.tech, sessionSpec{flow: other, started: at(time.Hour), status: "abandoned", current: "r2"}}, // another flow
		{w.a.tech, sessionSpec{started: at(time.Hour)}},                                                  // a session whose flow is gone
	} {
		s.spec.version = 1
		w.seedSession(t, w.a, s.m, s.spec)
	}
	a, err := w.svc.FlowAnalytics(w.as(t, w.a, w.a.viewer), flow, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if a.FlowID != flow || a.Started != 5 || a.Completed != 3 || a.Abandoned != 1 || a.CompletionRate != 0.6 {
		t.Errorf("counts: %+v", a)
	}
	if a.MedianDurationSeconds == nil || *a.MedianDurationSeconds != 1200 {
		t.Errorf("median duration: %v, want 1200 s", a.MedianDurationSeconds)
	}
	if d := a.To.Sub(a.From); d != flows.DefaultAnalyticsWindow {
		t.Errorf("default window: %v", d)
	}
	wantOutcomes := []flows.OutcomeCount{{Outcome: "resolved", Sessions: 2}, {Outcome: "escalated", Sessions: 1}}
	wantExits := []flows.NodeCount{{NodeID: "r1", Sessions: 2}, {NodeID: "r2", Sessions: 1}}
	wantDrops := []flows.NodeCount{{NodeID: "q1", Sessions: 1}}
	if !equalSlices(a.Outcomes, wantOutcomes) || !equalSlices(a.ExitNodes, wantExits) || !equalSlices(a.DropOffNodes, wantDrops) {
		t.Errorf("outcomes %v exits %v drop-offs %v", a.Outcomes, a.ExitNodes, a.DropOffNodes)
	}

	// An explicit range includes the old session; a range with nothing in it has no median.
	a, err = w.svc.FlowAnalytics(w.as(t, w.a, w.a.viewer), flow, at(60*24*time.Hour), now)
	if err != nil || a.Started != 6 || a.Completed != 4 {
		t.Errorf("60 days: %+v, %v", a, err)
	}
	a, err = w.svc.FlowAnalytics(w.as(t, w.a, w.a.viewer), flow, at(90*24*time.Hour), at(80*24*time.Hour))
	if err != nil || a.Started != 0 || a.CompletionRate != 0 || a.MedianDurationSeconds != nil || len(a.Outcomes) != 0 || a.ExitNodes == nil {
		t.Errorf("empty range: %+v, %v", a, err)
	}
	if _, err := w.svc.FlowAnalytics(w.as(t, w.a, w.a.viewer), flow, now, now); errs.KindOf(err) != errs.Invalid {
		t.Errorf("empty interval: %v, want invalid", err)
	}
}

// TestFlowAnalyticsNotFound: a flow of another tenant, a colleague's private flow, a team flow of
// a team the caller is not in, a deleted flow and a random id all answer the same 404.
func TestFlowAnalyticsNotFound(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	private := w.seedFlow(t, w.a, w.a.colleague, "private")
	team := w.seedFlow(t, w.a, w.a.colleague, "team")
	deleted := w.seedFlow(t, w.a, w.a.tech, "account")
	account := w.seedFlow(t, w.a, w.a.tech, "account")
	w.exec(t, w.as(t, w.a, w.a.tech), `UPDATE flows SET deleted_at = now() WHERE tenant_id = $1 AND id = $2`, w.a.id.UUID(), deleted)
	w.seedSession(t, w.a, w.a.tech, sessionSpec{flow: account, version: 1})
	for _, c := range []struct {
		name string
		tn   shareTenant
		m    shareMember
		flow uuid.UUID
	}{
		{"another tenant's flow", w.b, w.b.admin, account},
		{"a colleague's private flow", w.a, w.a.admin, private},
		{"a team flow of another team", w.a, w.a.tech, team},
		{"a deleted flow", w.a, w.a.tech, deleted},
		{"a random id", w.a, w.a.tech, tenancy.NewID()},
	} {
		if _, err := w.svc.FlowAnalytics(w.as(t, c.tn, c.m), c.flow, time.Time{}, time.Time{}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s: %v, want the one NotFound", c.name, err)
		}
	}
	for _, c := range []struct {
		name string
		m    shareMember
		flow uuid.UUID
	}{{"own private flow", w.a.colleague, private}, {"team member", w.a.colleague, team}, {"account flow, viewer", w.a.viewer, account}} {
		if a, err := w.svc.FlowAnalytics(w.as(t, w.a, c.m), c.flow, time.Time{}, time.Time{}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if c.flow == account && a.Started != 1 {
			t.Errorf("%s: %d sessions, want 1", c.name, a.Started)
		}
	}
}

func equalSlices[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
