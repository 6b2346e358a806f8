package secretcache

import (
	"math"
	"sync"
	"sync/atomic"
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

// tickFor returns how often the hit path's clock reading is renewed. Hits
// must not pay for a clock read of their own (time.Now costs more than a
// whole hit on some virtual machines): a ticker stores the time every tick,
// and a hit compares a value's expiry with the last stored reading, so a
// value may be served fresh for up to one tick past its TTL. Slow paths read
// the clock itself.
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

// ticker renews the hit path's clock reading every tick. It holds no
// reference to its Cache: code written for AWS's library never calls Close,
// and a cache such code drops must still be collected. A cleanup attached
// to the Cache stops the ticker then (see newCache).
type ticker struct {
	clock clock
	every time.Duration
	now   atomic.Int64 // the last reading, in nanoseconds since the Unix epoch

	mu      sync.Mutex
	t       timer          // guarded by mu: the pending tick
	stopped bool           // guarded by mu
	wg      sync.WaitGroup // counts the armed tick, so that stop can wait for it
}

func startTicker(clk clock, every time.Duration) *ticker {
	tk := &ticker{clock: clk, every: every}
	tk.now.Store(nanos(clk.Now()))
	tk.mu.Lock()
	tk.arm()
	tk.mu.Unlock()
	return tk
}

// reading returns the last reading as a time.Time.
func (tk *ticker) reading() time.Time { return time.Unix(0, tk.now.Load()) }

// arm schedules the next tick. The caller holds mu.
func (tk *ticker) arm() {
	if tk.stopped {
		return
	}
	tk.wg.Add(1)
	tk.t = tk.clock.AfterFunc(tk.every, tk.tick)
}

func (tk *ticker) tick() {
	defer tk.wg.Done()
	tk.now.Store(nanos(tk.clock.Now()))
	tk.mu.Lock()
	defer tk.mu.Unlock()
	tk.arm()
}

// stop stops the ticker and waits for a tick that is running. It is
// idempotent.
func (tk *ticker) stop() {
	tk.mu.Lock()
	if !tk.stopped {
		tk.stopped = true
		if tk.t.Stop() {
			tk.wg.Done() // that tick will never run
		}
	}
	tk.mu.Unlock()
	tk.wg.Wait()
}
