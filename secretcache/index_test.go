package secretcache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 3 })
	for _, id := range []string{"a", "b", "c", "d"} {
		f.put(id, "AWSCURRENT", "v1", "value-"+id)
	}
	for _, id := range []string{"a", "b", "c"} {
		c.GetSecretString(id)
	}
	c.GetSecretString("a") // a is now the most recently used; b the least
	c.GetSecretString("d") // evicts b
	if got := c.Stats().Evictions; got != 1 {
		t.Fatalf("evictions: got %d, want 1", got)
	}
	if got := c.Len(); got != 3 {
		t.Fatalf("Len: got %d, want 3", got)
	}
	before := f.calls.Load()
	for _, id := range []string{"a", "c", "d"} {
		if got, err := c.GetSecretString(id); err != nil || got != "value-"+id {
			t.Fatalf("%s: got %q, %v", id, got, err)
		}
	}
	if n := f.calls.Load() - before; n != 0 {
		t.Errorf("a, c, d should still be cached: %d calls", n)
	}
	if got, _ := c.GetSecretString("b"); got != "value-b" {
		t.Errorf("b: got %q", got)
	}
	if n := f.calls.Load() - before; n != 1 {
		t.Errorf("b should have been evicted and fetched again: %d calls", n)
	}
}

func TestEvictionUnderConcurrency(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 16 })
	for i := range 64 {
		id := fmt.Sprint("s", i)
		f.put(id, "AWSCURRENT", "v1", "value-"+id)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				id := fmt.Sprint("s", (i*7+g)%64)
				if got, err := c.GetSecretString(id); err != nil || got != "value-"+id {
					t.Errorf("%s: got %q, %v", id, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := c.Len(); got > 16 {
		t.Errorf("Len: got %d, want at most 16", got)
	}
	if c.Stats().Evictions == 0 {
		t.Error("no evictions counted")
	}
}

func TestCloseStopsEverything(t *testing.T) {
	base := runtime.NumGoroutine()
	f := newFake()
	f.put("db", "AWSCURRENT", "v1", hunter)
	f.put("slow", "AWSCURRENT", "v1", hunter)
	c, err := New(func(c *Cache) { c.Client = f; c.CacheItemTTL = int64(time.Millisecond) })
	if err != nil {
		t.Fatal(err)
	}
	c.GetSecretString("db")
	// Leave a background refresh hanging on the service, and a caller
	// waiting on a miss.
	release := f.hold()
	defer release()
	eventually(t, "a refresh is in flight", func() bool {
		c.GetSecretString("db")
		return f.calls.Load() >= 2
	})
	waiting := make(chan error, 1)
	go func() {
		_, err := c.GetSecretString("slow")
		waiting <- err
	}()
	eventually(t, "the miss is in flight", func() bool { return f.calls.Load() >= 3 })

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-waiting; !errors.Is(err, ErrClosed) {
		t.Errorf("caller waiting across Close: got %v, want ErrClosed", err)
	}
	goroutinesSettle(t, base)

	calls := []struct {
		name string
		call func() error
	}{
		{"GetSecretString", func() error { _, err := c.GetSecretString("db"); return err }},
		{"GetSecretBinary", func() error { _, err := c.GetSecretBinary("db"); return err }},
		{"RefreshNow", func() error { return c.refreshNowErr("db") }},
		{"GetVersion", func() error { _, err := c.GetVersion(context.Background(), "db", ""); return err }},
		{"Prefetch", func() error { return c.Prefetch(context.Background(), "db") }},
		{"GetSecretJSON", func() error { return c.GetSecretJSON(context.Background(), "db", new(any)) }},
	}
	for _, tt := range calls {
		if err := tt.call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", tt.name, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestEvictionSparesRecentlyRead(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 2 })
	for _, id := range []string{"a", "b", "c"} {
		f.put(id, "AWSCURRENT", "v1", "value-"+id)
	}
	c.GetSecretString("a")
	c.GetSecretString("b")
	c.GetSecretString("a")
	for range 10 {
		c.GetSecretString("b") // b is now the most recently used
	}
	c.GetSecretString("c") // must evict a
	before := f.calls.Load()
	c.GetSecretString("b")
	if n := f.calls.Load() - before; n != 0 {
		t.Fatalf("b, the most recently read, was evicted (%d calls)", n)
	}
	c.GetSecretString("a")
	if n := f.calls.Load() - before; n != 1 {
		t.Errorf("a, the least recently read, should have been evicted: %d calls", n)
	}
}

func TestRefreshAcrossEvictionOfItsKey(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 1 })
	f.put("a", "AWSCURRENT", "v1", "A")
	f.put("b", "AWSCURRENT", "v1", "B")
	c.GetSecretString("a")
	release := f.hold()
	type result struct {
		v   Version
		err error
	}
	results := make(chan result, 2)
	refresh := func() {
		v, err := c.Refresh(context.Background(), "a", "")
		results <- result{v, err}
	}
	go refresh() // its fetch stores into the slot that b's load evicts
	eventually(t, "the first refresh is in flight", func() bool { return f.calls.Load() == 2 })
	go c.GetSecretString("b")
	eventually(t, "a is evicted", func() bool { return c.Stats().Evictions == 1 })
	go refresh() // a new slot for a, but the rate limit survives eviction
	eventually(t, "the second refresh waits for the next allowed fetch", func() bool { return c.Stats().RefreshesDelayed == 1 })
	if n := f.calls.Load(); n != 3 {
		t.Fatalf("calls: got %d, want 3: the second refresh is inside the interval", n)
	}
	release()
	clk.Advance(DefaultMinRefreshInterval)
	for range 2 {
		r := <-results
		if r.err != nil || r.v.VersionID != "v1" {
			t.Errorf("Refresh: got %+v, %v; want version v1", r.v, r.err)
		}
	}
	if n := f.calls.Load(); n != 4 {
		t.Errorf("calls: got %d, want 4", n)
	}
}

func TestEveryStageCountsAgainstMaxCacheSize(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 2 })
	const stages = 3000
	for i := range stages {
		stage := fmt.Sprint("stage-", i)
		f.put("db", stage, "v1", "value")
		if _, err := c.GetSecretStringWithStage("db", stage); err != nil {
			t.Fatal(err)
		}
		if n := c.Len(); n > 2 {
			t.Fatalf("after %d stages: Len %d, want at most 2", i+1, n)
		}
	}
	if got := c.Stats().Evictions; got != stages-2 {
		t.Errorf("evictions: got %d, want %d", got, stages-2)
	}
}

func TestRememberedFailuresCountAgainstMaxCacheSize(t *testing.T) {
	t.Parallel()
	c, _, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 10 })
	for i := range 1000 {
		if _, err := c.GetSecretString(fmt.Sprint("missing-", i)); !isGone(err) {
			t.Fatalf("got %v, want a not-found error", err)
		}
	}
	if n := c.Len(); n != 10 {
		t.Errorf("Len: got %d, want 10", n)
	}
}

// zipfTrace returns n draws from a Zipf(s = 1) distribution over keys
// 0..keys-1, from a fixed seed.
func zipfTrace(n, keys int) []int {
	cdf := make([]float64, keys)
	sum := 0.0
	for k := range keys {
		sum += 1 / float64(k+1)
		cdf[k] = sum
	}
	r := rand.New(rand.NewPCG(1, 2))
	trace := make([]int, n)
	for i := range trace {
		trace[i], _ = slices.BinarySearch(cdf, r.Float64()*sum)
	}
	return trace
}

// TestHitRatioAtLeastLRU replays a Zipf trace through the index and through
// an exact LRU of the same size: the policy must keep at least as many
// reads hits.
func TestHitRatioAtLeastLRU(t *testing.T) {
	t.Parallel()
	const size, keys = 1000, 10000
	trace := zipfTrace(500000, keys)
	lru, _ := simplelru.NewLRU[int, struct{}](size, nil)
	ix := newIndex(size, DefaultVersionStage)
	ids := make([]string, keys)
	for i := range ids {
		ids[i] = fmt.Sprint("secret-", i)
	}
	var lruHits, hits int
	for _, k := range trace {
		if _, ok := lru.Get(k); ok {
			lruHits++
		} else {
			lru.Add(k, struct{}{})
		}
		if s := ix.lookup(ids[k], ""); s != nil {
			s.touch()
			hits++
		} else if _, _, err := ix.insert(ids[k], DefaultVersionStage); err != nil {
			t.Fatal(err)
		}
		if n := ix.len(); n > size {
			t.Fatalf("index holds %d, more than %d", n, size)
		}
	}
	t.Logf("hit ratio: index %.4f, exact LRU %.4f", float64(hits)/float64(len(trace)), float64(lruHits)/float64(len(trace)))
	if hits < lruHits {
		t.Errorf("hits: got %d, want at least exact LRU's %d", hits, lruHits)
	}
}
