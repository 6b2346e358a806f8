package secretcache

import (
	"math"
	"time"
)

// clock is the cache's source of time, replaced by a fake in tests so that
// TTLs, backoffs and rate limits can be driven without sleeping.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) timer
}

// timer is the part of *time.Timer the cache uses.
type timer interface {
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }

// coarse is the cache's reading of the clock for hits, which must not pay
// for a clock read of their own (time.Now costs more than a whole hit on
// some virtual machines). A ticker stores the time every tick; a hit
// compares a value's expiry with the last stored reading, so a value may be
// served fresh for up to one tick past its TTL. Slow paths read the clock
// itself.
//
// The tick is a sixteenth of the TTL, at least 1 ms and at most 1 s: one
// wake-up per second per cache at the default TTL of an hour.
func tickFor(ttl time.Duration) time.Duration {
	return min(max(ttl/16, time.Millisecond), time.Second)
}

// nanos returns t as nanoseconds since the Unix epoch, the unit of every
// deadline the hit path compares.
func nanos(t time.Time) int64 { return t.UnixNano() }

// addSat returns t+d without overflowing: a TTL or delay near
// math.MaxInt64, which the configuration allows, means "never".
func addSat(t int64, d time.Duration) int64 {
	if d > 0 && t > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return t + int64(d)
}

// startTicker stores the time in c.now now and every tick until Close. Each
// tick runs as a goroutine the cache waits for on Close.
func (c *Cache) startTicker() {
	c.now.Store(nanos(c.clock.Now()))
	var tick func()
	tick = func() {
		if !c.enter() {
			return
		}
		defer c.wg.Done()
		c.now.Store(nanos(c.clock.Now()))
		c.tickMu.Lock()
		defer c.tickMu.Unlock()
		if !c.closed.Load() {
			c.ticker = c.clock.AfterFunc(c.cfg.tick, tick)
		}
	}
	c.tickMu.Lock()
	c.ticker = c.clock.AfterFunc(c.cfg.tick, tick)
	c.tickMu.Unlock()
}

// stopTicker stops the pending tick. A tick already running re-arms under
// tickMu only while the cache is open, so after stopTicker (called once
// closed is set) no tick is pending.
func (c *Cache) stopTicker() {
	c.tickMu.Lock()
	defer c.tickMu.Unlock()
	if c.ticker != nil {
		c.ticker.Stop()
		c.ticker = nil
	}
}
