package secretcache

import (
	"maps"
	"sync"
	"sync/atomic"
)

// item is one secret ID in the cache: the slot of the configured stage, which
// the plain getters read, and the slots of any other stages asked for.
type item struct {
	id   string
	def  *slot         // the configured stage; set at creation, never changes
	seen atomic.Uint64 // index epoch when the item was last marked used

	placed uint64 // guarded by index.mu: epoch when placed at the list's front

	// others holds the slots of other stages. Readers load it without a
	// lock; writers hold mu and replace the whole map, since an item rarely
	// has more than two or three stages.
	others atomic.Pointer[map[string]*slot]

	mu   sync.Mutex
	gone atomic.Bool // set under mu when the item is evicted or the cache closed
}

// used marks the item used at epoch, writing only when that changes it, so
// that concurrent hits on one item do not keep writing its cache line.
func (it *item) used(epoch uint64) {
	if it.seen.Load() != epoch {
		it.seen.Store(epoch)
	}
}

func newItem(c *Cache, id string) *item {
	it := &item{id: id}
	it.def = newSlot(c, id, c.cfg.stage)
	return it
}

// slot returns the slot for stage, or nil if none was made yet. An empty
// stage is the configured one.
func (it *item) slot(stage, configured string) *slot {
	if stage == "" || stage == configured {
		return it.def
	}
	if m := it.others.Load(); m != nil {
		return (*m)[stage]
	}
	return nil
}

// slotFor returns the slot for stage, creating it.
func (it *item) slotFor(c *Cache, stage string) *slot {
	if s := it.slot(stage, c.cfg.stage); s != nil {
		return s
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	m := map[string]*slot{}
	if old := it.others.Load(); old != nil {
		if s := (*old)[stage]; s != nil {
			return s
		}
		m = maps.Clone(*old)
	}
	s := newSlot(c, it.id, stage)
	if it.gone.Load() {
		s.retire()
	}
	m[stage] = s
	it.others.Store(&m)
	return s
}

// retire stops the item's timers and marks its slots so that hits fall to the
// slow path, which finds the item gone.
func (it *item) retire() {
	it.mu.Lock()
	it.gone.Store(true)
	it.mu.Unlock()
	it.def.retire()
	if m := it.others.Load(); m != nil {
		for _, s := range *m {
			s.retire()
		}
	}
}
