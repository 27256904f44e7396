package apikeys

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Bounds of the key cache: entries are read again after keyFresh (a safety net; the notifications
// are what keep the cache right), and the cache is emptied when it holds maxKeys keys.
const (
	keyFresh = time.Minute
	maxKeys  = 100_000
)

// keyState is what one read of a key said: everything Authenticate decides with, so that a cached
// key is decided exactly as a key just read.
type keyState struct {
	hash      [32]byte
	scopes    []string
	ceiling   tenancy.Role
	creator   uuid.UUID
	member    tenancy.Role // the creator's role in the tenant when the key was read
	expiresAt *time.Time
	revoked   bool
	read      time.Time
}

// keyCache caches, on this instance, the keys requests presented, so that an API-key request costs
// no database round trip to read its key. It is right only while the instance listens to the
// session changes (identity's tenantry_sessions channel, which the triggers of
// migrations/202612106000001_api_key_notify.sql, and identity's on memberships and tenants, announce
// on): until then, and whenever the listener's connection is lost, nothing is cached and every
// request reads its key. Each invalidation bumps gen; a read that started before it is not cached,
// so a read racing with a change cannot cache the old state. Only keys that exist in an active
// tenant are cached; a revoked one is, as revoked.
type keyCache struct {
	mu        sync.Mutex
	listening bool
	gen       uint64
	byTenant  map[tenancy.TenantID]map[uuid.UUID]keyState
	n         int // keys cached
}

func newKeyCache() *keyCache {
	return &keyCache{byTenant: map[tenancy.TenantID]map[uuid.UUID]keyState{}}
}

// get returns the cached state of a key, if any is cached and fresh.
func (c *keyCache) get(tenant tenancy.TenantID, id uuid.UUID) (keyState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.byTenant[tenant][id]
	if !ok || !c.listening || time.Since(st.read) > keyFresh {
		return keyState{}, false
	}
	return st, true
}

// generation returns the invalidation count, taken before a read that put will store.
func (c *keyCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches a state read after generation returned gen, unless something was invalidated since.
func (c *keyCache) put(tenant tenancy.TenantID, id uuid.UUID, st keyState, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.listening || gen != c.gen {
		return
	}
	if c.n >= maxKeys {
		clear(c.byTenant)
		c.n = 0
	}
	keys := c.byTenant[tenant]
	if keys == nil {
		keys = map[uuid.UUID]keyState{}
		c.byTenant[tenant] = keys
	}
	if _, ok := keys[id]; !ok {
		c.n++
	}
	keys[id] = st
}

// forgetCreator drops the cached keys a member created in a tenant (the member's role or
// membership changed, or one of their keys did).
func (c *keyCache) forgetCreator(tenant tenancy.TenantID, user uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := c.byTenant[tenant]
	for id, st := range keys {
		if st.creator == user {
			delete(keys, id)
			c.n--
		}
	}
	c.gen++
}

// forgetTenant drops all of a tenant's cached keys (its status changed).
func (c *keyCache) forgetTenant(tenant tenancy.TenantID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n -= len(c.byTenant[tenant])
	delete(c.byTenant, tenant)
	c.gen++
}

// Listening implements postgres.Listener: the cache starts empty whenever listening starts or
// stops, since notifications may have been missed meanwhile.
func (c *keyCache) Listening(on bool, _ error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.byTenant)
	c.n = 0
	c.gen++
	c.listening = on
}

// Notify implements postgres.Listener. The payload is "<tenant id> <user id>" (a member's role or
// membership, sessions or keys changed: the keys they created are read again) or "<tenant id>"
// (the tenant's status changed: all its keys are); "sync <nonce>" concerns no cache.
func (c *keyCache) Notify(payload string) {
	if strings.HasPrefix(payload, "sync ") { // an instance's notification to itself (identity's sessions_sync.go)
		return
	}
	t, u, both := strings.Cut(payload, " ")
	tenant, err1 := uuid.Parse(t)
	if !both && err1 == nil {
		c.forgetTenant(tenancy.TenantID(tenant))
		return
	}
	user, err2 := uuid.Parse(u)
	if err1 != nil || err2 != nil { // not ours: forget everything rather than guess
		c.Listening(true, nil)
		return
	}
	c.forgetCreator(tenancy.TenantID(tenant), user)
}

// loggedKeyCache is the cache as a postgres.Listener that logs when listening stops.
type loggedKeyCache struct {
	*keyCache
	log *slog.Logger
}

// Listening implements postgres.Listener.
func (l loggedKeyCache) Listening(on bool, err error) {
	l.keyCache.Listening(on, err)
	if !on && err != nil && !errors.Is(err, context.Canceled) {
		l.log.Warn("API key changes: listener lost; keys are read from the database until it is back", "err", err)
	}
}

// Changes returns the listener that keeps this instance's key cache right: it must hear what is
// announced on identity's session channel (identity.Service.ShareSessionChanges), which is where
// key, membership and tenant changes are announced. Without it nothing is cached and every
// API-key request reads its key.
func (s *Service) Changes() postgres.Listener {
	return loggedKeyCache{s.cache, s.log}
}

// AwaitChangesWith sets how Revoke waits, after its commit, until this instance has heard its own
// notification (identity.Service.AwaitSessionChanges), so that its answer does not overtake the
// notification on the other instances; call it before the service runs. Without it Revoke does
// not wait.
func (s *Service) AwaitChangesWith(await func(context.Context)) {
	s.await = await
}
