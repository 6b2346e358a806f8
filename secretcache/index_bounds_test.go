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

// heapAfterGC returns the bytes of live heap after a full collection.
func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestAdversarialKeysKeepMemoryBounded reads 5,000 distinct (secret,
// stage) pairs with long names through a cache of size 2: with stages and
// secrets, values and remembered failures (a panicking client's, which
// carry a stack), what the cache retains must not grow with the number of
// keys read. Not parallel: it measures the heap.
func TestAdversarialKeysKeepMemoryBounded(t *testing.T) {
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

// TestEvictedWithFetchInFlightIsForgotten evicts a hundred keys whose
// fetches are in flight, at MaxCacheSize 2: each is remembered until its
// fetch lands, so that the key's next entry waits for it, and no longer.
func TestEvictedWithFetchInFlightIsForgotten(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 2 })
	leaving := func() (n, busy int) {
		c.ix.mu.Lock()
		defer c.ix.mu.Unlock()
		for _, s := range c.ix.leaving {
			if s.busy() {
				busy++
			}
		}
		return len(c.ix.leaving), busy
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	miss := func(prefix string, n int) (release func()) {
		release = f.hold()
		for i := range n {
			id := fmt.Sprint(prefix, i)
			f.put(id, "AWSCURRENT", "v1", "value")
			calls := f.calls.Load()
			go c.GetSecretStringWithContext(ctx, id)
			eventually(t, "the miss of "+id+" is in flight", func() bool { return f.calls.Load() == calls+1 })
		}
		return release
	}
	release := miss("held-", 100)
	if n, busy := leaving(); n != 98 || busy != 98 {
		t.Errorf("evicted slots remembered: got %d (%d with a fetch in flight), want the 98 evicted, all in flight", n, busy)
	}
	release()
	eventually(t, "the held fetches landed", func() bool { _, busy := leaving(); return busy == 0 })
	release = miss("again-", 4)
	defer release()
	if n, busy := leaving(); n > 4 {
		t.Errorf("evicted slots remembered after their fetches landed: got %d (%d with a fetch in flight), want at most 4", n, busy)
	}
}
