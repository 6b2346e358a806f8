package secretcache

import (
	"sync/atomic"
	"unsafe"
)

// Stats are counters since the cache was created. They only grow.
type Stats struct {
	// Hits counts calls answered from the cache, fresh or stale.
	Hits uint64
	// Misses counts calls that found no cached value and had to wait for a
	// fetch (or a remembered failure).
	Misses uint64
	// Loads counts calls made to Secrets Manager, successful or not.
	Loads uint64
	// LoadErrors counts calls to Secrets Manager that failed.
	LoadErrors uint64
	// Refreshes counts background refreshes started because a value expired.
	Refreshes uint64
	// StaleServed counts hits answered with an expired value while its
	// refresh was pending or failing.
	StaleServed uint64
	// Evictions counts entries dropped to stay within MaxCacheSize.
	Evictions uint64
	// ForcedRefreshes counts fetches started by Refresh and RefreshNow.
	ForcedRefreshes uint64
	// RefreshesDelayed counts calls to Refresh and RefreshNow that came
	// within MinRefreshInterval of the last forced fetch of their secret and
	// stage, and so waited for the next one.
	RefreshesDelayed uint64
}

// stats holds the live counters. Everything but hits is counted on slow
// paths, where one shared atomic is cheap enough.
type stats struct {
	hits        stripedCounter
	misses      atomic.Uint64
	loads       atomic.Uint64
	loadErrors  atomic.Uint64
	refreshes   atomic.Uint64
	staleServed atomic.Uint64
	evictions   atomic.Uint64
	forced      atomic.Uint64
	delayed     atomic.Uint64
}

func (s *stats) snapshot() Stats {
	return Stats{
		Hits:        s.hits.load(),
		Misses:      s.misses.Load(),
		Loads:       s.loads.Load(),
		LoadErrors:  s.loadErrors.Load(),
		Refreshes:   s.refreshes.Load(),
		StaleServed: s.staleServed.Load(),
		Evictions:   s.evictions.Load(),

		ForcedRefreshes:  s.forced.Load(),
		RefreshesDelayed: s.delayed.Load(),
	}
}

// stripes must be a power of two. With 64 stripes, two goroutines share
// one with probability 1/64.
const stripes = 64

// stripedCounter counts hits without a cache line that every core writes: an
// atomic add on one shared word would bounce that line between cores on every
// hit and undo the scaling of the lock-free read path.
type stripedCounter struct {
	_     [64]byte // keep cell 0 off the line of whatever precedes the counter
	cells [stripes]struct {
		n atomic.Uint64
		_ [120]byte // keep each cell on its own pair of cache lines
	}
}

// add counts one in the cell of the calling goroutine. The cell is chosen by
// the address of the goroutine's stack, which is stable for a goroutine and
// differs between goroutines, so a goroutine keeps writing one cache line
// that stays in its core's cache. (Picking a cell at random instead makes
// every core write lines the other cores wrote last, which costs as much as
// one shared counter.) The address is only hashed, never dereferenced.
func (c *stripedCounter) add() {
	var probe byte
	h := uint64(uintptr(unsafe.Pointer(&probe))>>11) * 0x9e3779b97f4a7c15
	c.cells[h>>(64-6)].n.Add(1)
}

func (c *stripedCounter) load() uint64 {
	var n uint64
	for i := range c.cells {
		n += c.cells[i].n.Load()
	}
	return n
}

// logWarn and logInfo write to the configured Logger, if any. A panicking
// handler is the caller's bug, but it must not crash a goroutine of the
// cache's, so its panic is dropped.
func (c *Cache) logWarn(msg string, args ...any) {
	if c.cfg.logger != nil {
		defer func() { recover() }()
		c.cfg.logger.Warn(msg, args...)
	}
}

func (c *Cache) logInfo(msg string, args ...any) {
	if c.cfg.logger != nil {
		defer func() { recover() }()
		c.cfg.logger.Info(msg, args...)
	}
}
