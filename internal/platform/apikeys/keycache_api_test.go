package apikeys_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// listening waits until every instance's session and key caches listen (before that nothing is
// cached, and the test would prove nothing).
func listening(t *testing.T, servers ...*apitest.Server) {
	t.Helper()
	for _, s := range servers {
		apitest.WaitFor(t, "the caches to listen", func() bool { return strings.Contains(s.Logs.String(), "session changes: listening") })
	}
}

// keyStatus is the status of GET path with the key.
func keyStatus(s *apitest.Server, path, key string) int {
	return s.Do("GET", path, "", nil, "X-API-Key", key).Status
}

// warm uses the key on s twice (the first read caches it), expecting want each time.
func warm(t *testing.T, s *apitest.Server, path, key string, want int) {
	t.Helper()
	for range 2 {
		if st := keyStatus(s, path, key); st != want {
			t.Fatalf("GET %s with the key before the change: %d, want %d", path, st, want)
		}
	}
}

// onOther checks the answer of the other instance after a change: the change instance waited until
// it heard its own notification, which PostgreSQL sent to every instance at the same commit, so
// the very next request through the other one is almost always refused; no cache without a round
// trip can promise it, though (that listener may not have been scheduled yet on a loaded machine),
// so a late one is logged and must follow within a second.
func onOther(t *testing.T, s *apitest.Server, path, key string, want int) {
	t.Helper()
	st := keyStatus(s, path, key)
	if st == want {
		return
	}
	t.Logf("the very next request through the other instance was answered %d, before its listener heard the change", st)
	deadline := time.Now().Add(time.Second)
	for keyStatus(s, path, key) != want {
		if time.Now().After(deadline) {
			t.Fatalf("GET %s with the key through the other instance: still not %d a second after the change", path, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKeyChangesReachOtherInstances: two instances on one database, each with the key cached; a
// change made through the first (revoking the key, demoting or removing its creator, deleting
// the tenant) applies to the very next request through the first, and through the second as
// soon as its listener hears it (onOther).
func TestKeyChangesReachOtherInstances(t *testing.T) {
	t.Parallel()
	servers := apitest.Instances(t, 2, apitest.Options{})
	a, b := servers[0], servers[1]
	listening(t, a, b)
	m := a.Mailer()

	t.Run("revoked", func(t *testing.T) {
		owner := a.For(t).Register("rae")
		_, k := a.For(t).CreateKey(owner, map[string]any{"name": "revoked"})
		key := k["key"].(string)
		warm(t, b.For(t), "/api/v1/tenant", key, 200)
		warm(t, a.For(t), "/api/v1/tenant", key, 200)
		a.For(t).Must(204, "DELETE", "/api/v1/api-keys/"+k["id"].(string), owner.Access, nil)
		onOther(t, b.For(t), "/api/v1/tenant", key, 401)
		if st := keyStatus(a.For(t), "/api/v1/tenant", key); st != 401 {
			t.Errorf("the next request through the revoking instance: %d, want 401", st)
		}
	})

	t.Run("creator demoted", func(t *testing.T) {
		owner := a.For(t).Register("dee")
		second := a.For(t).AddMember(m, owner, "dan", "owner")
		st, k := a.For(t).CreateKey(second, map[string]any{"name": "auditor", "scopes": []string{"audit:read", "tenant:read"}})
		if st != 201 {
			t.Fatalf("create: %d", st)
		}
		key := k["key"].(string)
		warm(t, b.For(t), "/api/v1/audit-log", key, 200)
		warm(t, a.For(t), "/api/v1/audit-log", key, 200)
		a.For(t).Must(200, "PATCH", "/api/v1/members/"+a.For(t).MemberID(owner, second.UserID), owner.Access, map[string]any{"role": "viewer"})
		if st := keyStatus(a.For(t), "/api/v1/audit-log", key); st != 403 {
			t.Errorf("the demoted creator's key through the instance that demoted them: %d, want 403", st)
		}
		onOther(t, b.For(t), "/api/v1/audit-log", key, 403)
		onOther(t, b.For(t), "/api/v1/tenant", key, 200)
	})

	t.Run("creator removed", func(t *testing.T) {
		owner := a.For(t).Register("rob")
		second := a.For(t).AddMember(m, owner, "ray", "owner")
		_, k := a.For(t).CreateKey(second, map[string]any{"name": "gone"})
		key := k["key"].(string)
		warm(t, b.For(t), "/api/v1/tenant", key, 200)
		warm(t, a.For(t), "/api/v1/tenant", key, 200)
		a.For(t).Must(204, "DELETE", "/api/v1/members/"+a.For(t).MemberID(owner, second.UserID), owner.Access, nil)
		if st := keyStatus(a.For(t), "/api/v1/tenant", key); st != 401 {
			t.Errorf("the removed creator's key through the instance that removed them: %d, want 401", st)
		}
		onOther(t, b.For(t), "/api/v1/tenant", key, 401)
	})

	t.Run("tenant deleted", func(t *testing.T) {
		owner := a.For(t).Register("tess")
		_, k := a.For(t).CreateKey(owner, map[string]any{"name": "doomed"})
		key := k["key"].(string)
		slug := a.For(t).Must(200, "GET", "/api/v1/tenant", owner.Access, nil)["slug"].(string)
		warm(t, b.For(t), "/api/v1/tenant", key, 200)
		warm(t, a.For(t), "/api/v1/tenant", key, 200)
		a.For(t).Must(204, "DELETE", "/api/v1/tenant", owner.Access, map[string]any{"confirm_slug": slug})
		onOther(t, b.For(t), "/api/v1/tenant", key, 401)
		if st := keyStatus(a.For(t), "/api/v1/tenant", key); st != 401 {
			t.Errorf("a key of the deleted tenant through the deleting instance: %d, want 401", st)
		}
	})
}

// TestKeyLastUseIsWritten: last_used_at is written in the background, not by the request, and
// still written: within the interval while the instance runs.
func TestKeyLastUseIsWritten(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) { c.KeyUseInterval = 100 * time.Millisecond }})
	listening(t, s)
	owner := s.Register("lu")
	_, k := s.CreateKey(owner, map[string]any{"name": "used"})
	s.Must(200, "GET", "/api/v1/tenant", "", nil, "X-API-Key", k["key"].(string))
	apitest.WaitFor(t, "last_used_at", func() bool {
		return s.Count(`SELECT count(*) FROM api_keys WHERE id = $1 AND last_used_at > now() - interval '1 minute'`, k["id"]) == 1
	})
}
