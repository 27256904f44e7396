package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// sessionChannel is where the database announces session changes (the triggers of
// migrations/20261205300001_session_notify.sql); the payload is "<tenant id> <user id>", or
// "<tenant id>" when the tenant's status changed, which concerns all its members
// (migrations/202612065000001_tenant_deleted.sql).
const sessionChannel = "tenantry_sessions"

// Bounds of the session cache: entries are read again after sessionFresh (a safety net; the
// notifications are what keep the cache right), and the cache is emptied when it holds
// maxSessions sessions.
const (
	sessionFresh = time.Minute
	maxSessions  = 100_000
)

// member names a user in a tenant.
type member struct {
	tenant tenancy.TenantID
	user   tenancy.UserID
}

// sessionState is what was read about one session: the member's role, "" once the session or the
// membership has ended.
type sessionState struct {
	role tenancy.Role
	read time.Time
}

// sessions caches, on this instance, the state of the sessions access tokens name, so that a
// request signed with an access token costs no database round trip to learn whether its session
// is still live and what its member's role is now. It is right only while the instance listens to
// sessionChannel: until then, and whenever the listener's connection is lost, nothing is cached and
// every request reads the database. Each invalidation bumps gen; a read that started before it is
// not cached, so a read racing with a change cannot cache the old state.
type sessions struct {
	mu        sync.Mutex
	listening bool
	gen       uint64
	byMember  map[member]map[uuid.UUID]sessionState
	n         int // sessions cached
	// missing2FA caches, per member, whether the tenant's second-factor requirement stops them
	// (twofactor_policy.go); dropped with the member's sessions.
	missing2FA map[member]flagState
	// shared hear the same changes (ShareSessionChanges); set before the service runs.
	shared []postgres.Listener
	// syncs are the instance's notifications to itself in flight (sessions_sync.go).
	syncs syncs
}

func newSessions() *sessions {
	return &sessions{byMember: map[member]map[uuid.UUID]sessionState{}, missing2FA: map[member]flagState{}}
}

// get returns the cached state of a session, if any is cached and fresh.
func (c *sessions) get(m member, family uuid.UUID) (sessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.byMember[m][family]
	if !ok || !c.listening || time.Since(st.read) > sessionFresh {
		return sessionState{}, false
	}
	return st, true
}

// generation returns the invalidation count, taken before a read that put will store.
func (c *sessions) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches a state read after generation returned gen, unless something was invalidated since.
func (c *sessions) put(m member, family uuid.UUID, st sessionState, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.listening || gen != c.gen {
		return
	}
	if c.n >= maxSessions {
		clear(c.byMember)
		c.n = 0
	}
	if c.byMember[m] == nil {
		c.byMember[m] = map[uuid.UUID]sessionState{}
	}
	if _, ok := c.byMember[m][family]; !ok {
		c.n++
	}
	c.byMember[m][family] = st
}

// forget drops everything cached about a member's sessions.
func (c *sessions) forget(m member) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n -= len(c.byMember[m])
	delete(c.byMember, m)
	delete(c.missing2FA, m)
	c.gen++
}

// forgetTenant drops everything cached about the sessions of all of a tenant's members.
func (c *sessions) forgetTenant(t tenancy.TenantID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for m, fam := range c.byMember {
		if m.tenant == t {
			c.n -= len(fam)
			delete(c.byMember, m)
		}
	}
	for m := range c.missing2FA {
		if m.tenant == t {
			delete(c.missing2FA, m)
		}
	}
	c.gen++
}

// Listening implements postgres.Listener: the cache starts empty whenever listening starts or stops.
func (c *sessions) Listening(on bool, _ error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.byMember)
	clear(c.missing2FA)
	c.n = 0
	c.gen++
	c.listening = on
}

// Notify implements postgres.Listener: a member's sessions changed, or all of a tenant's.
func (c *sessions) Notify(payload string) {
	if strings.HasPrefix(payload, syncPrefix) { // an instance's own (sessions_sync.go)
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
	c.forget(member{tenancy.TenantID(tenant), tenancy.UserID(user)})
}

// loggedSessions is the cache as a postgres.Listener that logs when listening stops.
type loggedSessions struct {
	*sessions
	log *slog.Logger
}

// Listening implements postgres.Listener.
func (l loggedSessions) Listening(on bool, err error) {
	l.sessions.Listening(on, err)
	if on {
		l.log.Info("session changes: listening")
	}
	if !on && err != nil && !errors.Is(err, context.Canceled) {
		l.log.Warn("session changes: listener lost; sessions are read from the database until it is back", "err", err)
	}
}

// WatchSessions keeps this instance's session cache right by listening to the database's session
// changes, until ctx ends; it belongs with the service's background workers. Without it the
// service works the same, reading every session from the database. The listeners given to
// ShareSessionChanges hear the same notifications on the same connection.
func (s *Service) WatchSessions(ctx context.Context) {
	s.db.Listen(ctx, sessionChannel, sharedListeners(append([]postgres.Listener{loggedSessions{s.sessions, s.log}, &s.sessions.syncs}, s.sessions.shared...)))
}

// ShareSessionChanges makes l hear what WatchSessions hears, on its connection: payloads
// "<tenant id> <user id>" (a member's role, membership or sessions changed; other triggers may
// announce a change of what concerns that member too) and "<tenant id>" (the tenant's status
// changed), and the changes this instance makes itself, right after they commit. For caches
// that depend on members and tenants (the API keys'); call it before the service runs.
func (s *Service) ShareSessionChanges(l postgres.Listener) {
	s.sessions.shared = append(s.sessions.shared, l)
}

// sharedListeners hands what one connection hears to several listeners, in order.
type sharedListeners []postgres.Listener

// Listening implements postgres.Listener.
func (ls sharedListeners) Listening(on bool, err error) {
	for _, l := range ls {
		l.Listening(on, err)
	}
}

// Notify implements postgres.Listener.
func (ls sharedListeners) Notify(payload string) {
	for _, l := range ls {
		l.Notify(payload)
	}
}

// sessionRole returns the current role of user in tenant while the session family is live, and
// "" once the session or the membership has ended: from the cache, else from the database.
func (s *Service) sessionRole(ctx context.Context, tenant tenancy.TenantID, user tenancy.UserID, family uuid.UUID) (tenancy.Role, error) {
	m := member{tenant, user}
	if st, ok := s.sessions.get(m, family); ok {
		return st.role, nil
	}
	gen := s.sessions.generation()
	sctx, err := userScope(ctx, tenant, user, tenancy.RoleViewer)
	if err != nil {
		return "", err
	}
	var role string
	err = s.db.Read(sctx, func(q postgres.Querier) error {
		role, err = store.New(q).SessionRole(sctx, store.SessionRoleParams{TenantID: tenant.UUID(), UserID: user.UUID(), FamilyID: family})
		return err
	})
	if err != nil && !postgres.IsNoRows(err) {
		return "", fmt.Errorf("identity: session: %w", err)
	}
	s.sessions.put(m, family, sessionState{role: tenancy.Role(role), read: time.Now()}, gen)
	return tenancy.Role(role), nil
}

// sessionsChanged drops what this instance cached about members' sessions, right after a change
// committed: the notification reaches the other instances, and this one too, but a moment later;
// it returns once this instance has heard it (AwaitSessionChanges), so that the caller's answer
// does not overtake it on the others.
func (s *Service) sessionsChanged(ctx context.Context, tenant tenancy.TenantID, users ...uuid.UUID) {
	s.forgetSessions(tenant, users...)
	s.AwaitSessionChanges(ctx)
}

// forgetSessions drops what this instance cached about members' sessions, and what the listeners
// sharing the session changes cached about them.
func (s *Service) forgetSessions(tenant tenancy.TenantID, users ...uuid.UUID) {
	for _, u := range users {
		s.sessions.forget(member{tenant, tenancy.UserID(u)})
		for _, l := range s.sessions.shared {
			l.Notify(tenant.String() + " " + u.String())
		}
	}
}

// tenantChanged is sessionsChanged for all of a tenant's members (its status changed).
func (s *Service) tenantChanged(ctx context.Context, tenant tenancy.TenantID) {
	s.sessions.forgetTenant(tenant)
	for _, l := range s.sessions.shared {
		l.Notify(tenant.String())
	}
	s.AwaitSessionChanges(ctx)
}
