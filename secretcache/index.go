package secretcache

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// index maps secret IDs to items. Lookups read an immutable snapshot of the
// map through one atomic load and take no lock. The LRU list behind it is the
// authority on membership and order; it is guarded by mu and touched only on
// slow paths: inserts, evictions, and the first hit on an item after each
// insert (see touch).
type index struct {
	// read is the lock-free snapshot. It may lag behind lru: an item just
	// added is found under mu until the next rebuild, and an evicted item
	// stays in it, marked gone, until then.
	read atomic.Pointer[map[string]*item]

	// epoch grows by one on every insert, the only moment an eviction can
	// happen. An item whose seen epoch differs has not told the LRU list about
	// its use since then.
	epoch atomic.Uint64

	mu      sync.Mutex
	lru     *simplelru.LRU[string, *item] // guarded by mu
	misses  int                           // guarded by mu: slow lookups since the last rebuild
	evicted []*item                       // guarded by mu: filled by the eviction callback, drained by add
}

func newIndex(size int) *index {
	ix := &index{}
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
	it, ok := ix.lru.Get(id)
	if !ok {
		it = mk()
		it.seen.Store(ix.epoch.Add(1))
		ix.lru.Add(id, it)
	}
	ix.missed()
	evicted, ix.evicted = ix.evicted, nil
	return it, evicted
}

// touch moves it to the front of the LRU list: the first hit on an item after
// an insert does this, later hits do not need to until the next insert.
func (ix *index) touch(it *item) {
	ix.mu.Lock()
	if cur, ok := ix.lru.Get(it.id); ok && cur == it {
		it.seen.Store(ix.epoch.Load())
	}
	ix.mu.Unlock()
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
