package secretcache

import (
	"context"
	"math/rand/v2"
	"time"
)

// This file holds what happens after a value is cached: serving it stale
// while it refreshes, background refresh, forced refresh (Refresh,
// RefreshNow) and its rate limit, and the TTL and backoff arithmetic.

// serveStale answers a read of s whose value v is past its TTL, or failing.
// Without SynchronousRefresh, v is served at once, and a background refresh
// starts unless one is in flight or a retry delay is pending. With it, the
// caller waits for the refresh and gets its value; if the refresh fails, v
// (stale-if-error), unless the service said the secret is gone.
func (c *Cache) serveStale(ctx context.Context, s *slot, v *value, now time.Time) (*value, error) {
	inline := c.cfg.syncRefresh && ctx.Done() == nil
	cl, start, ok := s.joinRefresh(c, c.cfg.syncRefresh && !inline)
	if !ok {
		c.stats.staleServed.Add(1)
		return v, nil
	}
	if start {
		c.stats.refreshes.Add(1)
		c.launch(s, cl, inline, now) // complete on return if inline
	}
	if !c.cfg.syncRefresh {
		c.stats.staleServed.Add(1)
		return v, nil
	}
	var o outcome
	if start && inline {
		o = cl.o
	} else {
		var err error
		if o, err = c.await(ctx, s.id, s.stage, cl); err != nil {
			return nil, err
		}
	}
	switch {
	case o.err == nil:
		return o.val, nil
	case o.transient:
		c.stats.staleServed.Add(1)
		return v, nil
	}
	return nil, o.err
}

// joinRefresh returns the fetch a read of the stale s should wait for or
// start: the one in flight, or a new one that the caller must launch (start).
// ok is false when no refresh may start: s was evicted, or a failed fetch's
// retry delay has not passed. wait says that the caller will block on the
// call.
func (s *slot) joinRefresh(c *Cache, wait bool) (cl *call, start, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flight == nil && (s.evicted.Load() || s.retryPending(c)) {
		return nil, false, false
	}
	cl, start, _ = s.joinLocked(wait) // s has a fetch in flight, or is not evicted
	return cl, start, true
}

// Refresh fetches the version of secretID labelled stage (the configured
// stage if empty) now and returns what is cached afterwards; comparing its
// VersionID with the one before tells whether the secret changed.
//
// A Refresh that returns nil is fresh: every read that starts after it
// returns the version the service gave to a fetch that started after
// Refresh was called, or a newer one. It never adopts a fetch already in
// flight: since a key never has two fetches at the service at once, it
// waits for that one to land, then asks. Forced fetches are rate-limited
// per secret and stage by MinRefreshInterval: a call within the interval of
// the last one waits for the next fetch the limit allows, bounded by ctx,
// rather than report an older answer. Concurrent calls share that fetch.
//
// A failed fetch leaves the cached value in place (unless the service said
// the secret or its label is gone) and returns the error. A ctx that is
// already done returns its error at once, with no call and no change.
func (c *Cache) Refresh(ctx context.Context, secretID, stage string) (Version, error) {
	stage = c.stageOf(stage)
	if err := ctx.Err(); err != nil {
		return Version{}, ctxError(secretID, stage, err)
	}
	if c.closed.Load() {
		return Version{}, ErrClosed
	}
	if secretID == "" {
		return Version{}, errEmptyID()
	}
	cl, inline, err := c.force(ctx, secretID, stage)
	if err != nil {
		return Version{}, err
	}
	var o outcome
	if inline {
		o = cl.o // complete: force ran it in this goroutine
	} else if o, err = c.await(ctx, secretID, stage, cl); err != nil {
		return Version{}, err
	}
	if o.err != nil {
		return Version{}, o.err
	}
	return o.val.meta.clone(), nil
}

// force starts a forced fetch of (id, stage) now and returns it, or, inside
// the rate limit, returns the fetch scheduled next. inline reports that the
// fetch ran in the caller's goroutine and is complete.
func (c *Cache) force(ctx context.Context, id, stage string) (cl *call, inline bool, err error) {
	now := c.clock.Now()
	next, err := c.limits.admit(c, id, stage, now)
	if err != nil || next != nil {
		if next != nil {
			c.stats.delayed.Add(1)
		}
		return next, false, err
	}
	inline = ctx.Done() == nil
	var s *slot
	var start bool
	for { // a slot evicted since it was looked up registers nothing: look again
		if s, err = c.slotFor(id, stage); err != nil {
			return nil, false, err
		}
		if cl, start, err = s.beginForced(newCall(!inline)); err == nil {
			break
		}
	}
	c.stats.forced.Add(1)
	if !start {
		return cl, false, nil // waits for the fetch in flight to land
	}
	c.launch(s, cl, inline, now)
	return cl, inline, nil
}

// fireForced runs the forced fetch cl that the rate limit scheduled for
// (id, stage), from its timer. The timer was armed with enter, so Close
// waits for it.
func (c *Cache) fireForced(r *limit, cl *call, id, stage string) {
	defer c.exit()
	now := c.clock.Now()
	if !c.limits.take(r, cl, now) {
		return
	}
	var s *slot
	var use *call
	var start bool
	for { // as in force
		var err error
		if s, err = c.slotFor(id, stage); err != nil {
			cl.complete(outcome{err: err})
			return
		}
		if use, start, err = s.beginForced(cl); err == nil {
			break
		}
	}
	c.stats.forced.Add(1)
	switch {
	case start:
		c.fetchInto(s, cl, now)
	case use != cl: // a forced fetch was already waiting its turn: share it
		<-use.done
		cl.complete(use.o)
	}
}

// jitter draws a TTL uniformly from [ttl/2, ttl], so that secrets loaded
// together do not all refresh in the same instant.
func jitter(ttl time.Duration) time.Duration {
	half := ttl / 2
	return half + rand.N(ttl-half+1)
}

// backoff returns the wait after the n-th consecutive failure (n ≥ 1): base
// doubled n-1 times, capped at max, then jittered into its upper half so that
// many processes failing together do not retry together. It cannot
// overflow, whatever max is.
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		if d > max/2 {
			d = max
			break
		}
		d *= 2
	}
	return jitter(min(d, max))
}
