package secretcache

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestExtremeDurations runs a cache at each extreme of every duration
// setting. Nothing may crash, hang beyond its context, or turn "never" into
// "always".
func TestExtremeDurations(t *testing.T) {
	t.Parallel()
	t.Run("CacheItemTTL 1ns", func(t *testing.T) {
		t.Parallel()
		for _, syncRefresh := range []bool{false, true} {
			c, f, clk := newTestCache(t, func(c *Cache) { c.CacheItemTTL = 1; c.SynchronousRefresh = syncRefresh })
			f.put("db", "AWSCURRENT", "v1", "old")
			c.GetSecretString("db")
			f.put("db", "AWSCURRENT", "v2", "new")
			clk.Advance(time.Millisecond)
			if syncRefresh {
				if got, _ := c.GetSecretString("db"); got != "new" {
					t.Errorf("synchronous, TTL 1ns: got %q, want new", got)
				}
			} else {
				eventually(t, "the background refresh brings v2", func() bool {
					got, _ := c.GetSecretString("db")
					clk.Advance(time.Millisecond)
					return got == "new"
				})
			}
		}
	})
	t.Run("MinRefreshInterval 1ns", func(t *testing.T) {
		t.Parallel()
		c, f, clk := newTestCache(t, func(c *Cache) { c.MinRefreshInterval = 1 })
		f.put("db", "AWSCURRENT", "v1", "value")
		for i := range 10 {
			clk.Advance(time.Nanosecond)
			if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
				t.Fatal(err)
			}
			if n := f.calls.Load(); n != int64(i+1) {
				t.Fatalf("after %d refreshes 1ns apart: %d calls", i+1, n)
			}
		}
	})
	t.Run("MinRefreshInterval max", func(t *testing.T) {
		t.Parallel()
		c, f, _ := newTestCache(t, func(c *Cache) { c.MinRefreshInterval = math.MaxInt64 })
		f.put("db", "AWSCURRENT", "v1", "value")
		if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := c.Refresh(ctx, "db", ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second Refresh within an endless interval: got %v, want its context's error", err)
		}
		waiting := make(chan error, 1)
		go func() { _, err := c.Refresh(context.Background(), "db", ""); waiting <- err }()
		eventually(t, "the third Refresh waits", func() bool { return c.Stats().RefreshesDelayed == 2 })
		c.Close()
		if err := <-waiting; !errors.Is(err, ErrClosed) {
			t.Errorf("Refresh waiting across Close: got %v, want ErrClosed", err)
		}
		if n := f.calls.Load(); n != 1 {
			t.Errorf("calls: got %d, want 1", n)
		}
	})
	t.Run("retry delays max", func(t *testing.T) {
		t.Parallel()
		c, f, clk := newTestCache(t, func(c *Cache) { c.RetryBaseDelay = math.MaxInt64; c.RetryMaxDelay = math.MaxInt64 })
		f.fail(errOutage)
		for range 3 {
			if _, err := c.GetSecretString("db"); !errors.Is(err, errOutage) {
				t.Fatalf("got %v, want errOutage", err)
			}
			clk.Advance(40 * 365 * 24 * time.Hour) // 120 years in all: the delay is at least MaxInt64/2, 146 years
		}
		if n := f.calls.Load(); n != 1 {
			t.Errorf("calls with an endless retry delay: got %d, want 1", n)
		}
		f.fail(nil)
		f.put("db", "AWSCURRENT", "v1", "value")
		if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
			t.Errorf("Refresh bypasses the retry delay: got %v", err)
		}
	})
	t.Run("retry delays 1ns", func(t *testing.T) {
		t.Parallel()
		c, f, clk := newTestCache(t, func(c *Cache) { c.RetryBaseDelay = 1; c.RetryMaxDelay = 1 })
		f.fail(errOutage)
		for i := range 5 {
			c.GetSecretString("db")
			clk.Advance(time.Nanosecond)
			if n := f.calls.Load(); n != int64(i+1) {
				t.Fatalf("after %d reads 1ns apart: %d calls", i+1, n)
			}
		}
	})
}

// TestRetryBaseDelayAlone: the CacheConfig documentation says of
// RetryBaseDelay only "negative is invalid". Setting it above the default
// RetryMaxDelay, without setting RetryMaxDelay, is a valid configuration by
// that text.
func TestRetryBaseDelayAlone(t *testing.T) {
	t.Parallel()
	c, err := New(func(c *Cache) { c.Client = newFake(); c.RetryBaseDelay = 10 * time.Minute })
	if err != nil {
		t.Fatalf("New with RetryBaseDelay 10m and the default RetryMaxDelay: %v", err)
	}
	c.Close()
}
