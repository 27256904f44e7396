package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Memory bounds: keys are spread over shards; each shard holds at most its share of MaxKeys.
const (
	defaultMaxKeys = 100_000
	maxShards      = 64
	evictSample    = 8           // entries examined to pick a victim when a shard is full
	sweepEvery     = time.Minute // how often a shard drops all idle keys
)

// MemoryOptions configure a Memory limiter.
type MemoryOptions struct {
	MaxKeys int              // most keys held at once; default 100,000 (about 10 MB)
	Now     func() time.Time // the clock; default time.Now
}

// Memory is the in-process GCRA limiter. Its memory is bounded: a key is dropped once its budget
// is full again (it is then indistinguishable from a new key), each shard sweeps such idle keys
// every minute, and a full shard makes room by evicting the sampled key closest to idle, so an
// attacker who floods it with fresh keys mostly displaces keys that had almost nothing to remember.
type Memory struct {
	shards []memShard
	per    int // keys per shard
	now    func() time.Time
	seed   maphash.Seed
}

type memShard struct {
	mu        sync.Mutex
	tat       map[string]int64 // theoretical arrival time of the next request, Unix ns
	lastSweep int64
}

// NewMemory returns an in-process limiter.
func NewMemory(o MemoryOptions) *Memory {
	if o.MaxKeys <= 0 {
		o.MaxKeys = defaultMaxKeys
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	n := min(maxShards, max(1, o.MaxKeys/64))
	m := &Memory{shards: make([]memShard, n), per: max(1, o.MaxKeys/n), now: o.Now, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].tat = make(map[string]int64)
	}
	return m
}

// Allow counts one request for key under l (GCRA). It never fails.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	now := m.now().UnixNano()
	sh := &m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.sweep(now)
	interval := int64(l.interval())
	tat, seen := sh.tat[key]
	tat = max(tat, now)
	next := tat + interval
	allowAt := next - interval*int64(l.Burst)
	if now < allowAt {
		return Result{Limit: l, RetryAfter: time.Duration(allowAt - now), ResetAfter: time.Duration(tat - now)}, nil
	}
	if !seen && len(sh.tat) >= m.per {
		sh.evict(now)
	}
	sh.tat[key] = next
	return Result{Allowed: true, Limit: l, Remaining: int((now - allowAt) / interval), ResetAfter: time.Duration(next - now)}, nil
}

// Len returns the number of keys held.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		m.shards[i].mu.Lock()
		n += len(m.shards[i].tat)
		m.shards[i].mu.Unlock()
	}
	return n
}

// sweep drops every idle key (budget full again) at most once per sweepEvery.
func (sh *memShard) sweep(now int64) {
	if now-sh.lastSweep < int64(sweepEvery) {
		return
	}
	sh.lastSweep = now
	for k, tat := range sh.tat {
		if tat <= now {
			delete(sh.tat, k)
		}
	}
}

// evict makes room for one key: among a sample of entries (map iteration starts at a random
// place), it drops the idle ones, or else the one whose budget is closest to full.
func (sh *memShard) evict(now int64) {
	victim, victimTAT, seen, freed := "", int64(0), 0, false
	for k, tat := range sh.tat {
		if tat <= now {
			delete(sh.tat, k)
			freed = true
		} else if victim == "" || tat < victimTAT {
			victim, victimTAT = k, tat
		}
		if seen++; seen == evictSample {
			break
		}
	}
	if !freed && victim != "" {
		delete(sh.tat, victim)
	}
}
