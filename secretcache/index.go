package secretcache

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// index maps secret IDs to items. Lookups read an immutable snapshot of the
// map through one atomic load and take no lock. The LRU list behind it is the
// authority on membership and order; it is guarded by mu and changed only on
// slow paths: inserts and evictions.
//
// Hits do not reorder the list, which would take mu on every hit. Instead an
// item records that it was used (see item.used), and when the cache is full,
// the oldest items used since they were last placed move to the front before
// the oldest unused one is evicted: the list's order with a second chance
// for what was read since.
type index struct {
	// read is the lock-free snapshot. It may lag behind lru: an item just
	// added is found under mu until the next rebuild, and an evicted item
	// stays in it, marked gone, until then.
	read atomic.Pointer[map[string]*item]

	// epoch grows by one whenever an item is placed at the front of the
	// list. An item whose seen epoch is at least its placed epoch was used
	// since it was placed.
	epoch atomic.Uint64

	mu      sync.Mutex
	size    int                           // the most items lru may hold
	lru     *simplelru.LRU[string, *item] // guarded by mu
	misses  int                           // guarded by mu: slow lookups since the last rebuild
	evicted []*item                       // guarded by mu: filled by the eviction callback, drained by add
}

func newIndex(size int) *index {
	ix := &index{size: size}
	// NewLRU fails only for a size below 1, which config validation rules out.
	ix.lru, _ = simplelru.NewLRU(size, func(_ string, it *item) {
		ix.evicted = append(ix.evicted, it)
	})
	ix.read.Store(&map[string]*item{})
	return ix
}

// load returns the item for id from the snapshot, or nil.
func (ix *index) load(id string) *item {
	return (*ix.read.Load())[id]
}

// add returns the live item for id, creating it with mk when absent, and the
// items evicted to make room. The caller retires those outside the lock, so
// that no timer is stopped while every slow path waits.
func (ix *index) add(id string, mk func() *item) (it *item, evicted []*item) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	it, ok := ix.lru.Peek(id)
	if !ok {
		it = mk()
		ix.secondChance()
		ix.place(it)
		ix.lru.Add(id, it)
	}
	ix.missed()
	evicted, ix.evicted = ix.evicted, nil
	return it, evicted
}

// place stamps it as placed at the front of the list now and not used since.
// The caller holds mu.
func (ix *index) place(it *item) {
	e := ix.epoch.Add(1)
	it.placed = e
	it.seen.Store(e - 1)
}

// secondChance, when the list is full, moves the oldest items that were used
// since they were placed to the front, so that the eviction that follows
// takes the oldest unused one. It looks at each item at most once. The caller
// holds mu.
func (ix *index) secondChance() {
	for range ix.lru.Len() {
		if ix.lru.Len() < ix.size {
			return
		}
		id, oldest, ok := ix.lru.GetOldest()
		if !ok || oldest.seen.Load() < oldest.placed {
			return
		}
		ix.lru.Get(id) // to the front
		ix.place(oldest)
	}
}

// missed counts a lookup that the snapshot could not answer and rebuilds the
// snapshot once there have been an eighth as many such lookups as items. The
// copying is amortised over the lookups that made it necessary (at most
// eight map inserts per slow lookup), while an item added since the last
// rebuild leaves the locked path soon: waiting for as many slow lookups as
// items left half the keys of a freshly filled cache on the lock.
func (ix *index) missed() {
	ix.misses++
	if ix.misses < max(ix.lru.Len()/8, 1) {
		return
	}
	m := make(map[string]*item, ix.lru.Len())
	for _, k := range ix.lru.Keys() {
		m[k], _ = ix.lru.Peek(k)
	}
	ix.read.Store(&m)
	ix.misses = 0
}

// all returns every live item.
func (ix *index) all() []*item {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.lru.Values()
}

// len returns the number of live items.
func (ix *index) len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.lru.Len()
}
