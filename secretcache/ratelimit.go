package secretcache

import (
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// limiter rate-limits forced fetches: at most one per (secret, stage) per
// interval. It keeps its records apart from the index, so that evicting a
// slot does not reset its limit.
//
// A record matters only for an interval after its last forced fetch, or
// while a fetch is scheduled. Records past that are dropped as new ones
// arrive, and at most max records are kept in any case (the oldest
// unscheduled ones go first; when all max have a fetch scheduled, a new key
// is fetched without a record): a key forced again after losing its record
// gets a fetch at once. Memory and armed timers are thus bounded by max,
// and in practice by the number of keys forced within one interval.
type limiter struct {
	interval time.Duration
	max      int

	mu     sync.Mutex
	closed bool                             // guarded by mu
	recs   *simplelru.LRU[stageKey, *limit] // guarded by mu: most recently forced last
}

// stageKey names a (secret ID, staging label) pair.
type stageKey struct{ id, stage string }

// limit is the record of one key. Its fields are guarded by limiter.mu.
type limit struct {
	last  time.Time // when the last forced fetch of the key started
	next  *call     // the fetch scheduled for last+interval, if any
	timer timer     // starts next
}

func newLimiter(interval time.Duration, maxSize int) *limiter {
	l := &limiter{interval: interval, max: max(4*maxSize, 1024)}
	l.recs, _ = simplelru.NewLRU[stageKey, *limit](math.MaxInt, nil) // bounded by prune
	return l
}

// admit decides a forced refresh of key at now. It returns (nil, nil) when
// a fetch may start now, recording that it did; otherwise it returns the
// fetch scheduled for the end of the interval, scheduling it if no caller
// has yet. The timer is armed with c.enter, so that Close waits for it.
func (l *limiter) admit(c *Cache, id, stage string, now time.Time) (*call, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	key := stageKey{id, stage}
	r, ok := l.recs.Get(key)
	switch {
	case !ok:
		if l.prune(now) {
			l.recs.Add(key, &limit{last: now})
		} // else every record has a fetch scheduled: fetch without one
		return nil, nil
	case r.next != nil:
		return r.next, nil
	case now.Sub(r.last) >= l.interval:
		r.last = now
		return nil, nil
	}
	if !c.enter() {
		return nil, ErrClosed
	}
	cl := newCall(true)
	r.next = cl
	r.timer = c.clock.AfterFunc(r.last.Add(l.interval).Sub(now), func() { c.fireForced(r, cl, id, stage) })
	return cl, nil
}

// take claims cl, the fetch scheduled in r, for its timer, recording that a
// forced fetch starts now. It returns false if Close already failed cl, and
// fails it itself if the cache is closing.
func (l *limiter) take(r *limit, cl *call, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.next != cl {
		return false
	}
	r.next, r.timer = nil, nil
	if l.closed {
		cl.complete(outcome{err: ErrClosed})
		return false
	}
	r.last = now
	return true
}

// prune drops records that no longer limit anything, oldest first, and
// makes room for one more within max by dropping the oldest unscheduled
// ones. It reports whether there is room: there is none when every record
// has a fetch scheduled, which a record keeps until it fires. The caller
// holds mu.
func (l *limiter) prune(now time.Time) bool {
	for range l.recs.Len() {
		key, r, ok := l.recs.GetOldest()
		if !ok {
			break
		}
		switch {
		case r.next != nil:
			l.recs.Get(key) // scheduled: keep it, look further
		case l.recs.Len() >= l.max || now.Sub(r.last) >= l.interval:
			l.recs.Remove(key)
		default:
			return true
		}
	}
	return l.recs.Len() < l.max
}

// close fails every scheduled fetch whose timer it can still stop, and
// stops scheduling. A timer already firing fails its fetch itself (take).
func (l *limiter) close(c *Cache) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, r := range l.recs.Values() {
		if r.next != nil && r.timer.Stop() {
			r.next.complete(outcome{err: ErrClosed})
			r.next, r.timer = nil, nil
			c.exit() // the timer's enter
		}
	}
}

// len returns the number of records kept, for tests.
func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recs.Len()
}
