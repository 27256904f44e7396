package flows_test

import (
	"errors"
	"testing"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/products/flows"
)

// TestFlowsSettings: admins read and change allow_public_shares (audited); members below admin
// get 403; one tenant's change is not another's.
func TestFlowsSettings(t *testing.T) {
	t.Parallel()
	w := newShareWorld(t)
	admin := w.as(t, w.a, w.a.admin)
	set, err := w.svc.GetSettings(admin)
	if err != nil || set.AllowPublicShares || set.UpdatedAt != nil {
		t.Fatalf("defaults: %+v, %v", set, err)
	}
	if _, err = w.svc.UpdateSettings(admin, flows.FlowsSettingsChange{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("empty change: %v, want Invalid", err)
	}
	on := true
	if set, err = w.svc.UpdateSettings(admin, flows.FlowsSettingsChange{AllowPublicShares: &on}); err != nil || !set.AllowPublicShares || set.UpdatedAt == nil {
		t.Fatalf("turned on: %+v, %v", set, err)
	}
	if set, err = w.svc.GetSettings(admin); err != nil || !set.AllowPublicShares {
		t.Fatalf("read back: %+v, %v", set, err)
	}
	off := false
	if set, err = w.svc.UpdateSettings(admin, flows.FlowsSettingsChange{AllowPublicShares: &off}); err != nil || set.AllowPublicShares {
		t.Fatalf("turned off: %+v, %v", set, err)
	}
	n := w.count(t, admin, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'flows.settings_update' AND target_id = $2`,
		w.a.id.UUID(), w.a.id.String())
	if n != 2 {
		t.Errorf("flows.settings_update audit rows: %d, want 2", n)
	}
	if set, err := w.svc.GetSettings(w.as(t, w.b, w.b.admin)); err != nil || set.AllowPublicShares || set.UpdatedAt != nil {
		t.Errorf("tenant B's settings changed with A's: %+v, %v", set, err)
	}
	for _, m := range []shareMember{w.a.tech, w.a.viewer} {
		ctx := w.as(t, w.a, m)
		if _, err := w.svc.GetSettings(ctx); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("%s reads the settings: %v", m.role, err)
		}
		if _, err := w.svc.UpdateSettings(ctx, flows.FlowsSettingsChange{AllowPublicShares: &on}); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("%s changes the settings: %v", m.role, err)
		}
	}
	if set, _ := w.svc.GetSettings(admin); set.AllowPublicShares {
		t.Errorf("a refused change was applied")
	}
	if _, err := w.svc.CreateShare(w.as(t, w.a, w.a.tech), w.seedSession(t, w.a, w.a.tech, sessionSpec{}),
		flows.ShareInput{Visibility: flows.SharePublic}); !errors.Is(err, flows.ErrPublicSharesOff) {
		t.Errorf("public share after the policy was turned off: %v", err)
	}
}
