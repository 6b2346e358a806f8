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
