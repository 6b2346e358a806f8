package secretcache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 3 })
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
	// An evicted entry's timers are stopped: only live entries keep one.
	if got := clk.pending(); got != 3 {
		t.Errorf("pending timers: got %d, want 3", got)
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
		{"RefreshNow", func() error { return c.RefreshNow("db") }},
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
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 1 })
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
	go refresh() // a new slot for a: it must fetch for itself
	eventually(t, "the second refresh is in flight", func() bool { return f.calls.Load() == 4 })
	release()
	for range 2 {
		r := <-results
		if r.err != nil || r.v.VersionID != "v1" {
			t.Errorf("Refresh: got %+v, %v; want version v1", r.v, r.err)
		}
	}
}
