package secretcache

import (
	"hash/maphash"
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// index maps (secret ID, staging label) pairs to slots and decides which
// slot to evict when it holds MaxCacheSize of them.
//
// Lookups read slots, a sync.Map, and take no lock. Everything else —
// insertion, eviction, Len, close — holds mu, and only code holding mu
// changes slots, so the map and the queues always hold the same slots
// (invariant 1). A slot leaves the map, then is marked evicted, in the
// critical section that takes it off its queue (invariant 2, see remove); a
// reader that loaded it just before may still be served its value, which
// was current a moment ago. Lock order: index.mu, then slot.mu.
//
// # Eviction
//
// The policy is S3-FIFO (Yang et al., SOSP 2023): a small FIFO queue that
// new slots enter, a main FIFO queue, and a ghost list of keys recently
// evicted from the small queue. A hit only counts, in slot.freq (at most 3),
// with no lock and no reordering. When the cache is full:
//
//   - while the small queue holds at least a tenth of the slots (or the
//     main queue is empty), its oldest slot is evicted if it was not read
//     since it entered, its key remembered in the ghost list; a slot that
//     was read moves to the main queue instead, its count reset;
//   - otherwise the main queue's oldest slot is evicted if its count is
//     zero, or else moves to the back of the main queue with its count
//     decremented.
//
// A key found in the ghost list when it comes back enters the main queue
// directly. On a Zipf-distributed workload this keeps more of the
// frequently read secrets than exact LRU does (BenchmarkEvictionHeavy
// reports both hit ratios), and it never needs a lock on the read path.
// The queues are golang-lru's simplelru lists used in insertion order,
// keyed by slot pointer; the ghost list keeps 64-bit hashes of keys, not
// the keys (a collision only sends a new key to the main queue).
type index struct {
	slots sync.Map // key → *slot: see key; written only under mu
	stage string   // the configured stage: its slots are keyed by secret ID alone
	seed  maphash.Seed

	mu     sync.Mutex
	size   int                              // the most slots held
	closed bool                             // guarded by mu: no insertion after close
	small  *simplelru.LRU[*slot, struct{}]  // guarded by mu
	main   *simplelru.LRU[*slot, struct{}]  // guarded by mu
	ghost  *simplelru.LRU[uint64, struct{}] // guarded by mu: at most size hashes
}

// queue says which of the index's queues holds a slot.
type queue uint8

const (
	queueSmall queue = iota + 1
	queueMain
)

// stageKey keys the slot of a stage other than the configured one.
type stageKey struct{ id, stage string }

func newIndex(size int, stage string) *index {
	ix := &index{size: size, stage: stage, seed: maphash.MakeSeed()}
	// The queues are bounded by size through evictOne, not by simplelru,
	// whose own eviction would bypass the policy. NewLRU fails only for a
	// size below 1.
	ix.small, _ = simplelru.NewLRU[*slot, struct{}](math.MaxInt, nil)
	ix.main, _ = simplelru.NewLRU[*slot, struct{}](math.MaxInt, nil)
	ix.ghost, _ = simplelru.NewLRU[uint64, struct{}](size, nil)
	return ix
}

// hash returns the ghost list's hash of the key of (id, stage).
func (ix *index) hash(id, stage string) uint64 {
	var h maphash.Hash
	h.SetSeed(ix.seed)
	h.WriteString(id)
	if stage != ix.stage {
		h.WriteByte(0)
		h.WriteString(stage)
	}
	return h.Sum64()
}

// key returns the map key of (id, stage): the ID itself for the configured
// stage, which the plain getters read, so that their lookups hash one
// string; a stageKey otherwise.
func (ix *index) key(id, stage string) any {
	if stage == "" || stage == ix.stage {
		return id
	}
	return stageKey{id, stage}
}

// lookup returns the slot of (id, stage), or nil. It is the hit path's only
// access to the index: no lock, no allocation.
func (ix *index) lookup(id, stage string) *slot {
	var x any
	if stage == "" || stage == ix.stage {
		x, _ = ix.slots.Load(id)
	} else {
		x, _ = ix.slots.Load(stageKey{id, stage})
	}
	s, _ := x.(*slot)
	return s
}

// insert returns the slot of (id, stage), creating it if absent, and the
// number of slots evicted to make room. stage is the staging label the slot
// fetches.
func (ix *index) insert(id, stage string) (s *slot, evicted int, err error) {
	key := ix.key(id, stage)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil, 0, ErrClosed
	}
	if x, ok := ix.slots.Load(key); ok {
		return x.(*slot), 0, nil
	}
	for ix.small.Len()+ix.main.Len() >= ix.size {
		if ix.evictOne() {
			evicted++
		}
	}
	s = newSlot(key, id, stage)
	if ix.ghost.Remove(ix.hash(id, stage)) {
		s.queue = queueMain
		ix.main.Add(s, struct{}{})
	} else {
		s.queue = queueSmall
		ix.small.Add(s, struct{}{})
	}
	ix.slots.Store(key, s)
	return s, evicted, nil
}

// evictOne takes one step of the policy: it evicts a slot, reporting true,
// or moves one. Each step moves a slot out of the small queue or lowers a
// count, so a bounded number of steps evicts one. The caller holds mu.
func (ix *index) evictOne() bool {
	if n := ix.small.Len(); n > 0 && (n*10 >= ix.size || ix.main.Len() == 0) {
		s, _, _ := ix.small.RemoveOldest()
		if s.freq.Load() > 0 {
			s.freq.Store(0)
			s.queue = queueMain
			ix.main.Add(s, struct{}{})
			return false
		}
		ix.ghost.Add(ix.hash(s.id, s.stage), struct{}{})
		ix.remove(s)
		return true
	}
	s, _, _ := ix.main.GetOldest()
	if f := s.freq.Load(); f > 0 {
		s.freq.Add(^uint32(0)) // only this code lowers freq, so it stays ≥ 0
		ix.main.Get(s)         // to the back of the queue
		return false
	}
	ix.main.RemoveOldest()
	ix.remove(s)
	return true
}

// remove takes s out of the map, then marks it evicted, both under mu (the
// caller holds it). In this order, a reader never finds in the map a slot
// that already refuses answers, which could serve an old value after a
// Refresh whose answer it refused; and no replacement can be inserted, and
// fetch, before s refuses answers, so s never stores an answer older than
// its replacement's.
func (ix *index) remove(s *slot) {
	ix.slots.CompareAndDelete(s.key, s)
	s.evict()
}

// len returns the number of slots held.
func (ix *index) len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.small.Len() + ix.main.Len()
}

// close empties the index for good.
func (ix *index) close() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.closed = true
	ix.slots.Clear()
	for _, s := range append(ix.small.Keys(), ix.main.Keys()...) {
		s.evict()
	}
	ix.small.Purge()
	ix.main.Purge()
	ix.ghost.Purge()
}
