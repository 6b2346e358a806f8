package secretcache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestRateLimitRecordsAreBounded forces refreshes of many distinct
// secrets: the records kept stay within their bound, records that no longer
// limit anything are dropped, and a key that lost its record simply gets a
// fetch.
func TestRateLimitRecordsAreBounded(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 10 })
	limit := c.limits.max
	for i := range limit + 500 {
		id := fmt.Sprint("s", i)
		f.put(id, "AWSCURRENT", "v1", "value")
		if _, err := c.Refresh(context.Background(), id, ""); err != nil {
			t.Fatal(err)
		}
		if n := c.limits.len(); n > limit {
			t.Fatalf("after %d keys: %d records, want at most %d", i+1, n, limit)
		}
	}
	clk.Advance(DefaultMinRefreshInterval)
	f.put("late", "AWSCURRENT", "v1", "value")
	if _, err := c.Refresh(context.Background(), "late", ""); err != nil {
		t.Fatal(err)
	}
	if n := c.limits.len(); n != 1 {
		t.Errorf("records after the interval passed: got %d, want 1 (the others limit nothing)", n)
	}
}

// TestScheduledRefreshFailsOnClose: a Refresh waiting for the next allowed
// fetch returns ErrClosed when the cache closes, and Close does not wait
// for the interval.
func TestScheduledRefreshFailsOnClose(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MinRefreshInterval = time.Hour })
	f.put("db", "AWSCURRENT", "v1", "value")
	if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() { _, err := c.Refresh(context.Background(), "db", ""); waiting <- err }()
	eventually(t, "the second refresh waits", func() bool { return c.Stats().RefreshesDelayed == 1 })
	c.Close()
	if err := <-waiting; !errors.Is(err, ErrClosed) {
		t.Errorf("waiting Refresh: got %v, want ErrClosed", err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("calls: got %d, want 1", n)
	}
}

// TestRateLimitRecordsBounded: the package documentation promises
// that rate-limit records are kept "at most max(4×MaxCacheSize, 1024) of
// them". Forcing a refresh of many secrets twice within MinRefreshInterval
// schedules a fetch for each; the callers give up (their contexts end), but
// every scheduled record, with its armed timer and call, stays until its
// interval ends — an hour here — whatever the bound. Beyond the bound, a
// new key is fetched without a record (and so without a rate limit).
func TestRateLimitRecordsBounded(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 2; c.MinRefreshInterval = time.Hour })
	const keys = 1500
	bound := max(4*2, 1024)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range keys {
		id := fmt.Sprint("k", i)
		f.put(id, "AWSCURRENT", "v1", "value")
		if _, err := c.Refresh(context.Background(), id, ""); err != nil {
			t.Fatal(err)
		}
		go c.Refresh(ctx, id, "") // inside the interval: schedules the next fetch, or beyond the bound fetches at once
		eventually(t, "the second Refresh waits or fetches", func() bool {
			st := c.Stats()
			return st.RefreshesDelayed+st.ForcedRefreshes == uint64(2*(i+1))
		})
	}
	cancel()
	if n := c.limits.len(); n > bound {
		t.Errorf("rate-limit records: got %d, want at most %d", n, bound)
	}
	if n := c.clock.(*fakeClock).pending(); n > bound+1 {
		t.Errorf("armed timers: got %d, want at most %d (one per rate-limit record, and the ticker's)", n, bound+1)
	}
}

// TestRateLimitRecordsBoundedWithoutScheduling: forced refreshes of
// ever new keys, each once, keep at most the documented number of records.
func TestRateLimitRecordsBoundedWithoutScheduling(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 2; c.MinRefreshInterval = time.Hour })
	f.fail(errOutage)
	for i := range 5000 {
		c.Refresh(context.Background(), fmt.Sprint("k", i), fmt.Sprint("stage-", i%7))
	}
	if n := c.limits.len(); n > 1024 {
		t.Errorf("rate-limit records: got %d, want at most 1024", n)
	}
	if n := c.Len(); n > 2 {
		t.Errorf("Len: got %d, want at most 2", n)
	}
}
