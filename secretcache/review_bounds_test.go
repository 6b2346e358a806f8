package secretcache

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestReviewRateLimitRecordsBounded: the package documentation promises
// that rate-limit records are kept "at most max(4×MaxCacheSize, 1024) of
// them". Forcing a refresh of many secrets twice within MinRefreshInterval
// schedules a fetch for each; the callers give up (their contexts end), but
// every scheduled record, with its armed timer and call, stays until its
// interval ends — an hour here — whatever the bound. Beyond the bound, a
// new key is fetched without a record (and so without a rate limit).
func TestReviewRateLimitRecordsBounded(t *testing.T) {
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

// TestReviewRateLimitRecordsBoundedWithoutScheduling: forced refreshes of
// ever new keys, each once, keep at most the documented number of records.
func TestReviewRateLimitRecordsBoundedWithoutScheduling(t *testing.T) {
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

// heapAfterGC returns the bytes of live heap after a full collection.
func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestReviewAdversarialKeysKeepMemoryBounded reads 5,000 distinct (secret,
// stage) pairs with long names through a cache of size 2: with stages and
// secrets, values and remembered failures (a panicking client's, which
// carry a stack), what the cache retains must not grow with the number of
// keys read. Not parallel: it measures the heap.
func TestReviewAdversarialKeysKeepMemoryBounded(t *testing.T) {
	long := strings.Repeat("x", 512)
	for _, tt := range []struct {
		name   string
		client func(f *fakeClient) SecretsManagerAPIClient
	}{
		{"values", func(f *fakeClient) SecretsManagerAPIClient { return f }},
		{"failures", func(f *fakeClient) SecretsManagerAPIClient { f.fail(errOutage); return f }},
		{"panics", func(*fakeClient) SecretsManagerAPIClient {
			return badClient{answer: func() (*secretsmanager.GetSecretValueOutput, error) { panic(strings.Repeat("p", 4096)) }}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			c, _, _ := newTestCache(t, func(c *Cache) { c.Client = tt.client(f); c.MaxCacheSize = 2 })
			read := func(i int) {
				id, stage := fmt.Sprint("secret-", i%50, long), fmt.Sprint("stage-", i, long)
				f.put(id, stage, "v1", long)
				c.GetSecretStringWithStage(id, stage)
				c.Refresh(context.Background(), id, stage)
				f.remove(id, stage)
			}
			for i := range 1000 {
				read(i)
			}
			before := heapAfterGC()
			start := time.Now()
			for i := 1000; i < 6000; i++ {
				read(i)
			}
			took := time.Since(start)
			after := heapAfterGC()
			if c.Len() > 2 {
				t.Errorf("Len: got %d, want at most 2", c.Len())
			}
			if grew := int64(after) - int64(before); grew > 1<<20 {
				t.Errorf("the heap grew by %d bytes over 5,000 adversarial keys at MaxCacheSize 2", grew)
			}
			t.Logf("5,000 keys in %v; heap %d → %d; rate-limit records %d", took, before, after, c.limits.len())
		})
	}
}
