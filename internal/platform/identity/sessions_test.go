package identity

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestSessionCache: nothing is cached while the cache does not listen; a read that started before
// an invalidation is not cached (it may have seen the old state); a notification drops a member's
// sessions; a stale entry is read again.
func TestSessionCache(t *testing.T) {
	c := newSessions()
	m := member{tenancy.TenantID(tenancy.NewID()), tenancy.UserID(tenancy.NewID())}
	family := tenancy.NewID()
	admin := sessionState{role: tenancy.RoleAdmin, read: time.Now()}

	c.put(m, family, admin, c.generation())
	if _, ok := c.get(m, family); ok {
		t.Error("cached while not listening")
	}
	c.Listening(true, nil)
	gen := c.generation()
	c.Notify(m.tenant.String() + " " + m.user.String()) // a change committed during the read
	c.put(m, family, admin, gen)
	if _, ok := c.get(m, family); ok {
		t.Error("a read older than an invalidation was cached")
	}
	c.put(m, family, admin, c.generation())
	if st, ok := c.get(m, family); !ok || st.role != tenancy.RoleAdmin {
		t.Errorf("not cached: %v %v", st, ok)
	}
	c.Notify(m.tenant.String() + " " + tenancy.NewID().String()) // another member
	if _, ok := c.get(m, family); !ok {
		t.Error("another member's change dropped this one")
	}
	c.Notify(m.tenant.String() + " " + m.user.String())
	if _, ok := c.get(m, family); ok {
		t.Error("still cached after the member's change")
	}
	c.put(m, family, sessionState{role: tenancy.RoleAdmin, read: time.Now().Add(-2 * sessionFresh)}, c.generation())
	if _, ok := c.get(m, family); ok {
		t.Error("a stale entry was used")
	}
	c.put(m, family, admin, c.generation())
	c.Listening(false, nil)
	if _, ok := c.get(m, family); ok {
		t.Error("used after the listener was lost")
	}
}

// TestSessionCacheIsBounded: the cache holds at most maxSessions sessions, however many members
// they belong to.
func TestSessionCacheIsBounded(t *testing.T) {
	c := newSessions()
	c.Listening(true, nil)
	m := member{tenancy.TenantID(tenancy.NewID()), tenancy.UserID(tenancy.NewID())}
	st := sessionState{role: tenancy.RoleViewer, read: time.Now()}
	first := tenancy.NewID()
	c.put(m, first, st, c.generation())
	for range maxSessions {
		c.put(m, tenancy.NewID(), st, c.generation())
	}
	if c.n > maxSessions || len(c.byMember[m]) > maxSessions {
		t.Errorf("%d sessions cached (%d counted), want at most %d", len(c.byMember[m]), c.n, maxSessions)
	}
	if _, ok := c.get(m, first); ok {
		t.Error("the cache was not emptied when full")
	}
}

// TestSessionCacheTenantNotify: a notification naming only a tenant (its status changed) drops the
// sessions of all its members, and of no other tenant.
func TestSessionCacheTenantNotify(t *testing.T) {
	c := newSessions()
	c.Listening(true, nil)
	tenant := tenancy.TenantID(tenancy.NewID())
	a, b := member{tenant, tenancy.UserID(tenancy.NewID())}, member{tenant, tenancy.UserID(tenancy.NewID())}
	other := member{tenancy.TenantID(tenancy.NewID()), a.user}
	st := sessionState{role: tenancy.RoleOwner, read: time.Now()}
	family := tenancy.NewID()
	for _, m := range []member{a, b, other} {
		c.put(m, family, st, c.generation())
	}
	c.Notify(tenant.String())
	for _, m := range []member{a, b} {
		if _, ok := c.get(m, family); ok {
			t.Errorf("member %v still cached after the tenant's change", m.user)
		}
	}
	if _, ok := c.get(other, family); !ok {
		t.Error("another tenant's session was dropped")
	}
	if c.n != 1 {
		t.Errorf("%d sessions counted, want 1", c.n)
	}
}
