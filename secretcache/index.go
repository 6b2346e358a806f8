package secretcache

import "sync"

// index maps (secret ID, staging label) pairs to slots and decides which
// slot to evict when it holds MaxCacheSize of them.
//
// Lookups read slots, a table, and take no lock. Everything else —
// insertion, eviction, Len, close — holds mu, and only code holding mu
// changes slots or the queues, so both always hold the same slots
// (invariant 1). A slot leaves the table, then is marked evicted, in the
// critical section that takes it off its queue (invariant 2, see remove); a
// reader that loaded it just before may still be served its value, which
// was current a moment ago. A slot evicted with a fetch registered is
// remembered in leaving until its key's next slot takes it as predecessor
// (see slot), so that the key's fetches stay one at a time across eviction.
// Lock order: index.mu, then one slot.mu at a time.
//
// # Eviction
//
// The policy is S3-FIFO (Yang et al., SOSP 2023) without its ghost queue:
// a small FIFO queue that new slots enter and a main FIFO queue. A hit
// only counts, in slot.freq (at most 3), with no lock and no reordering.
// When the cache is full:
//
//   - while the small queue holds at least a tenth of the slots (or the
//     main queue is empty), its oldest slot is evicted if it was not read
//     since it entered; a slot that was read moves to the main queue
//     instead, its count reset;
//   - otherwise the main queue's oldest slot is evicted if its count is
//     zero, or else moves to the back of the main queue with its count
//     decremented.
//
// So a secret read once is evicted soon, and one read often stays. On a
// Zipf-distributed workload this keeps more reads hits than exact LRU does
// (BenchmarkEvictionHeavy reports both hit ratios; the ghost queue, which
// remembers keys evicted from the small queue, kept fewer there), and it
// never needs a lock on the read path.
type index struct {
	slots *table // (id, stage) → slot; written only under mu
	stage string // the configured stage, which an empty stage means

	mu     sync.Mutex
	size   int  // the most slots held
	closed bool // guarded by mu: no insertion after close
	small  fifo // guarded by mu
	main   fifo // guarded by mu

	// leaving maps a key to the slot whose fetches its next slot must wait
	// for (see slot.evict). Guarded by mu. Entries whose slot has no fetch
	// left are dropped when there are pruneAt of them, so it holds at most
	// 2×size, or twice the slots with a fetch under way at the last pruning.
	// pruneAt is twice what a pruning left, at least 2×size, so that
	// pruning costs each eviction a bounded amount of work even while most
	// entries have a fetch under way (a Prefetch of many more secrets than
	// size registers all its fetches before it launches them).
	leaving map[stageKey]*slot
	pruneAt int
}

func newIndex(size int, stage string) *index {
	return &index{slots: newTable(size), size: size, stage: stage, leaving: map[stageKey]*slot{}, pruneAt: 2 * size}
}

// lookup returns the slot of (id, stage), or nil. It is the hit path's only
// access to the index: no lock, no allocation.
func (ix *index) lookup(id, stage string) *slot {
	if stage == "" {
		stage = ix.stage
	}
	return ix.slots.lookup(id, stage)
}

// insert returns the slot of (id, stage), creating it if absent, and the
// number of slots evicted to make room. stage is the staging label the slot
// fetches.
func (ix *index) insert(id, stage string) (s *slot, evicted int, err error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil, 0, ErrClosed
	}
	if s := ix.slots.lookup(id, stage); s != nil {
		return s, 0, nil // inserted since the caller looked
	}
	for ix.small.n+ix.main.n >= ix.size {
		if ix.evictOne() {
			evicted++
		}
	}
	s = newSlot(id, stage)
	if len(ix.leaving) > 0 {
		key := stageKey{id, stage}
		if p := ix.leaving[key]; p != nil {
			delete(ix.leaving, key)
			if p.busy() {
				s.prev.Store(p)
			}
		}
	}
	ix.slots.put(s)
	ix.small.push(s)
	return s, evicted, nil
}

// evictOne takes one step of the policy: it evicts a slot, reporting true,
// or moves one. Each step moves a slot out of the small queue or lowers a
// count, so a bounded number of steps evicts one. The caller holds mu.
func (ix *index) evictOne() bool {
	if n := ix.small.n; n > 0 && (n*10 >= ix.size || ix.main.n == 0) {
		s := ix.small.pop()
		if s.freq.Load() > 0 {
			s.freq.Store(0)
			ix.main.push(s)
			return false
		}
		ix.remove(s)
		return true
	}
	s := ix.main.pop()
	if s.freq.Load() > 0 {
		s.freq.Add(^uint32(0)) // only this code lowers freq, so it stays ≥ 0
		ix.main.push(s)
		return false
	}
	ix.remove(s)
	return true
}

// remove takes s, already off its queue, out of the table, then marks it
// evicted, both under mu (the caller holds it). In this order, a reader
// never finds in the table a slot that already refuses answers, which could
// serve an old value after a Refresh whose answer it refused; and no
// replacement can be inserted, and fetch, before s refuses answers, so s
// never stores an answer older than its replacement's.
func (ix *index) remove(s *slot) {
	ix.slots.remove(s)
	if p := s.evict(); p != nil {
		if len(ix.leaving) >= ix.pruneAt {
			for k, q := range ix.leaving {
				if !q.busy() {
					delete(ix.leaving, k)
				}
			}
			ix.pruneAt = max(2*ix.size, 2*len(ix.leaving))
		}
		ix.leaving[stageKey{s.id, s.stage}] = p
	}
}

// forget drops s, an evicted slot whose fetches have landed, from
// leaving: the key's next slot need not wait for it.
func (ix *index) forget(s *slot) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	key := stageKey{s.id, s.stage}
	if ix.leaving[key] == s && !s.busy() {
		delete(ix.leaving, key)
	}
}

// len returns the number of slots held.
func (ix *index) len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.small.n + ix.main.n
}

// close empties the index for good.
func (ix *index) close() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.closed = true
	ix.slots.clear()
	clear(ix.leaving)
	for _, q := range []*fifo{&ix.small, &ix.main} {
		for q.n > 0 {
			q.pop().evict()
		}
	}
}

// fifo is a queue of slots linked through their next fields, oldest first
// out. golang-lru's lists, used in insertion order, did the same at the
// cost of a map operation and an allocation per move, and a miss under
// heavy eviction makes several moves.
type fifo struct {
	head, tail *slot // oldest, newest
	n          int
}

// push puts s, which is in no queue, at the back.
func (q *fifo) push(s *slot) {
	s.next = nil
	if q.tail == nil {
		q.head = s
	} else {
		q.tail.next = s
	}
	q.tail = s
	q.n++
}

// pop takes the oldest slot off the queue, which must not be empty.
func (q *fifo) pop() *slot {
	s := q.head
	q.head = s.next
	if q.head == nil {
		q.tail = nil
	}
	s.next = nil
	q.n--
	return s
}
