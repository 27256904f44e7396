package identity

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/tenantry/tenantry/internal/platform/identity/store"
	"github.com/tenantry/tenantry/internal/postgres"
)

// syncPrefix marks the notifications an instance sends itself on sessionChannel to learn that its
// listener has heard everything committed before (AwaitSessionChanges); the caches ignore them.
const syncPrefix = "sync "

// syncWait bounds how long AwaitSessionChanges waits for its own notification.
const syncWait = time.Second

// syncs are the instance's notifications to itself that have not come back yet.
type syncs struct {
	mu        sync.Mutex
	listening bool
	waiting   map[string]chan struct{}
}

// expect registers a new nonce and the channel closed when it is heard; ok is false while the
// instance does not listen (then there is nothing to wait for: the caches hold nothing).
func (w *syncs) expect() (nonce string, heard chan struct{}, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.listening {
		return "", nil, false
	}
	if w.waiting == nil {
		w.waiting = map[string]chan struct{}{}
	}
	nonce, heard = rand.Text(), make(chan struct{})
	w.waiting[nonce] = heard
	return nonce, heard, true
}

// drop forgets a nonce that was heard or is no longer waited for.
func (w *syncs) drop(nonce string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.waiting, nonce)
}

// Listening implements postgres.Listener: when listening stops, nobody waits any longer.
func (w *syncs) Listening(on bool, _ error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.listening = on
	for nonce, heard := range w.waiting {
		close(heard)
		delete(w.waiting, nonce)
	}
}

// Notify implements postgres.Listener.
func (w *syncs) Notify(payload string) {
	nonce, ok := strings.CutPrefix(payload, syncPrefix)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if heard, ok := w.waiting[nonce]; ok {
		close(heard)
		delete(w.waiting, nonce)
	}
}

// AwaitSessionChanges returns once this instance's listener has heard every change committed
// before the call (at most syncWait): it notifies itself and waits for that notification, which
// PostgreSQL delivers after theirs. The other instances' listeners were told of the changes at the
// same commit, so by the time the caller answers, they have, in all likelihood, heard them too:
// a change made through one instance applies to the next request through any other. Without a
// listener it returns at once.
func (s *Service) AwaitSessionChanges(ctx context.Context) {
	nonce, heard, ok := s.sessions.syncs.expect()
	if !ok {
		return
	}
	defer s.sessions.syncs.drop(nonce)
	err := s.db.Global(ctx, func(q postgres.Querier) error { return store.New(q).NotifySession(ctx, syncPrefix+nonce) })
	if err != nil {
		s.log.WarnContext(ctx, "session changes: not synchronised", "err", err)
		return
	}
	t := time.NewTimer(syncWait)
	defer t.Stop()
	select {
	case <-heard:
	case <-t.C:
		s.log.WarnContext(ctx, "session changes: own notification not heard in time", "wait", syncWait)
	case <-ctx.Done():
	}
}
