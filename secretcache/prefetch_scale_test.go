package secretcache

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestPrefetchManyThroughSmallCache prefetches many more secrets than
// MaxCacheSize: the entries evicted with their fetch registered are
// remembered until it lands, and remembering them must cost each eviction
// a bounded amount of work, not a scan of all the others.
func TestPrefetchManyThroughSmallCache(t *testing.T) {
	t.Parallel()
	b := &batchFake{fakeClient: newFake()}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = b; c.MaxCacheSize = 100 })
	run := 0
	time1 := func(n int) time.Duration {
		run++
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprint("many-", run, "-", i)
			b.put(ids[i], "AWSCURRENT", "v1", "value")
		}
		start := time.Now()
		if err := c.Prefetch(context.Background(), ids...); err != nil {
			t.Fatalf("Prefetch of %d: %v", n, err)
		}
		return time.Since(start)
	}
	// The fastest of three runs of each size: a pause of the machine or
	// the collector during one run says nothing about the cache.
	fastest := func(n int) time.Duration {
		return min(time1(n), time1(n), time1(n))
	}
	small, large := fastest(2000), fastest(16000)
	t.Logf("Prefetch of 2,000 secrets: %v; of 16,000: %v", small, large)
	if large > 8*4*small {
		t.Errorf("Prefetch of 8 times the secrets took %.0f times as long: the work per eviction grows with the evictions", float64(large)/float64(small))
	}
}
