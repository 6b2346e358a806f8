package secretcache

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

var errOutage = errors.New("service unavailable")

func TestJitterStaysInRange(t *testing.T) {
	t.Parallel()
	for _, ttl := range []time.Duration{1, 2, time.Second, time.Hour} {
		for range 1000 {
			if d := jitter(ttl); d < ttl/2 || d > ttl {
				t.Fatalf("jitter(%v) = %v, want within [%v, %v]", ttl, d, ttl/2, ttl)
			}
		}
	}
}

func TestBackoffDoublesUpToCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want time.Duration // upper bound; the draw is in [want/2, want]
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {9, 256 * time.Second},
		{10, 5 * time.Minute}, {1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		for range 100 {
			if d := backoff(time.Second, 5*time.Minute, tt.n); d < tt.want/2 || d > tt.want {
				t.Fatalf("backoff after %d failures = %v, want within [%v, %v]", tt.n, d, tt.want/2, tt.want)
			}
		}
	}
}

func TestExpiredValueServedWhileOneRefreshRuns(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) { c.CacheItemTTL = int64(time.Minute) })
	f.put("db", "AWSCURRENT", "v1", "old")
	if got, _ := c.GetSecretString("db"); got != "old" {
		t.Fatalf("got %q, want old", got)
	}
	f.put("db", "AWSCURRENT", "v2", "new")

	clk.Advance(30 * time.Second) // inside [TTL/2, TTL): maybe expired, maybe not
	clk.Advance(30 * time.Second) // TTL passed: certainly expired
	release := f.hold()
	for i := range 50 {
		got, err := c.GetSecretString("db")
		if err != nil || got != "old" {
			t.Fatalf("hit %d during refresh: got %q, %v; want old at once", i, got, err)
		}
	}
	eventually(t, "the refresh calls the service", func() bool { return f.calls.Load() == 2 })
	release()
	eventually(t, "the refreshed value is served", func() bool {
		got, _ := c.GetSecretString("db")
		return got == "new"
	})
	if n := f.calls.Load(); n != 2 {
		t.Errorf("GetSecretValue calls: got %d, want 2 (one load, one refresh)", n)
	}
	st := c.Stats()
	if st.Refreshes != 1 || st.StaleServed < 50 {
		t.Errorf("stats: got %+v, want 1 refresh and at least 50 stale served", st)
	}
}

func TestSynchronousRefreshWaits(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) {
		c.CacheItemTTL = int64(time.Minute)
		c.SynchronousRefresh = true
	})
	f.put("db", "AWSCURRENT", "v1", "old")
	c.GetSecretString("db")
	f.put("db", "AWSCURRENT", "v2", "new")
	clk.Advance(time.Minute)
	if got, err := c.GetSecretString("db"); err != nil || got != "new" {
		t.Fatalf("got %q, %v; want new at once", got, err)
	}

	// A failed synchronous refresh still serves the old value.
	f.fail(errOutage)
	clk.Advance(time.Minute)
	if got, err := c.GetSecretString("db"); err != nil || got != "new" {
		t.Fatalf("during outage: got %q, %v; want the last good value", got, err)
	}
}

func TestStaleIfErrorAndBackoff(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) { c.CacheItemTTL = int64(time.Minute) })
	f.put("db", "AWSCURRENT", "v1", "good")
	c.GetSecretString("db")
	f.fail(errOutage)

	clk.Advance(time.Minute)
	c.GetSecretString("db") // starts the refresh, which fails
	eventually(t, "the failed refresh is recorded", func() bool { return c.Stats().LoadErrors == 1 })
	eventually(t, "the refresh finishes", func() bool { return !c.inFlight("db", "") })

	for range 20 {
		if got, err := c.GetSecretString("db"); err != nil || got != "good" {
			t.Fatalf("during outage: got %q, %v; want the last good value", got, err)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("calls before the retry delay: got %d, want 2", n)
	}

	// Retries wait 1 s, then 2 s, then 4 s (each jittered into its upper half).
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		clk.Advance(wait/2 - time.Millisecond)
		c.GetSecretString("db")
		if n := f.calls.Load(); n > int64(2+i) {
			t.Fatalf("retry %d came before %v: %d calls", i+1, wait/2, n)
		}
		clk.Advance(wait/2 + time.Millisecond)
		c.GetSecretString("db")
		eventually(t, "the retry happens", func() bool { return f.calls.Load() == int64(3+i) })
		eventually(t, "the retry finishes", func() bool { return !c.inFlight("db", "") })
	}

	f.fail(nil)
	f.put("db", "AWSCURRENT", "v2", "recovered")
	clk.Advance(8 * time.Second)
	c.GetSecretString("db")
	eventually(t, "the value recovers", func() bool {
		got, _ := c.GetSecretString("db")
		return got == "recovered"
	})
}

func TestFailedFirstLoadIsRemembered(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, nil)
	for range 100 {
		_, err := c.GetSecretString("missing")
		var rnf *types.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Fatalf("got %v, want *types.ResourceNotFoundException", err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("calls within the retry delay: got %d, want 1", n)
	}
	f.put("missing", "AWSCURRENT", "v1", "created")
	clk.Advance(time.Second)
	if got, err := c.GetSecretString("missing"); err != nil || got != "created" {
		t.Fatalf("after the retry delay: got %q, %v; want the new secret", got, err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("calls: got %d, want 2", n)
	}
}

func TestRefreshNowFetchesAtOnce(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", "old")
	c.GetSecretString("db")
	f.put("db", "AWSCURRENT", "v2", "new")
	start := time.Now()
	if err := c.refreshNowErr("db"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("RefreshNow took %v; it must not sleep", took)
	}
	if got, _ := c.GetSecretString("db"); got != "new" {
		t.Errorf("after RefreshNow: got %q, want new", got)
	}
}

func TestRefreshNeverAdoptsAFetchInFlight(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) { c.CacheItemTTL = int64(time.Minute) })
	f.put("db", "AWSCURRENT", "v1", "old")
	c.GetSecretString("db")

	// A background refresh asks the service before the rotation, and its
	// answer is slow to arrive.
	clk.Advance(time.Minute)
	release := f.hold()
	c.GetSecretString("db")
	eventually(t, "the background refresh is in flight", func() bool { return f.calls.Load() == 2 })
	f.put("db", "AWSCURRENT", "v2", "new") // the rotation
	f.unhold()

	// Refresh does not take that answer: it waits for the fetch in flight
	// to land (a key never has two fetches at the service), then asks.
	type result struct {
		v   Version
		err error
	}
	done := make(chan result, 1)
	go func() { v, err := c.Refresh(context.Background(), "db", ""); done <- result{v, err} }()
	eventually(t, "Refresh waits its turn", func() bool {
		s := c.ix.lookup("db", "")
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.queued != nil
	})
	release()
	if r := <-done; r.err != nil || r.v.VersionID != "v2" {
		t.Fatalf("Refresh: got %q, %v; want v2 from a fetch of its own", r.v.VersionID, r.err)
	}
	if n := f.calls.Load(); n != 3 {
		t.Errorf("calls: got %d, want 3", n)
	}
	if got, err := c.GetSecretString("db"); err != nil || got != "new" {
		t.Errorf("after Refresh: got %q, %v; want new", got, err)
	}
}

func TestRefreshInsideIntervalWaitsForNextFetch(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", "old")
	ctx := context.Background()
	if v, err := c.Refresh(ctx, "db", ""); err != nil || v.VersionID != "v1" {
		t.Fatalf("first Refresh: got %q, %v", v.VersionID, err)
	}
	f.put("db", "AWSCURRENT", "v2", "new")

	const callers = 20
	type result struct {
		v   Version
		err error
	}
	results := make(chan result, callers)
	for range callers {
		go func() {
			v, err := c.Refresh(ctx, "db", "")
			results <- result{v, err}
		}()
	}
	eventually(t, "every caller waits for the next allowed fetch", func() bool { return c.Stats().RefreshesDelayed == callers })
	select {
	case r := <-results:
		t.Fatalf("a call inside the interval returned before the next fetch: %+v", r)
	default:
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("calls inside the interval: got %d, want 1", n)
	}

	ctxDone, cancel := context.WithCancel(ctx)
	impatient := make(chan error, 1)
	go func() {
		_, err := c.Refresh(ctxDone, "db", "")
		impatient <- err
	}()
	eventually(t, "the impatient caller waits too", func() bool { return c.Stats().RefreshesDelayed == callers+1 })
	cancel()
	if err := <-impatient; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: got %v, want context.Canceled", err)
	}

	clk.Advance(DefaultMinRefreshInterval)
	for range callers {
		if r := <-results; r.err != nil || r.v.VersionID != "v2" {
			t.Errorf("coalesced caller: got %q, %v; want v2", r.v.VersionID, r.err)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("calls: got %d, want 2: one forced fetch per interval", n)
	}
	if st := c.Stats(); st.ForcedRefreshes != 2 {
		t.Errorf("ForcedRefreshes: got %d, want 2", st.ForcedRefreshes)
	}

	// After the interval, a failed fetch is reported and keeps the value.
	clk.Advance(DefaultMinRefreshInterval)
	f.fail(errOutage)
	if err := c.refreshNowErr("db"); !errors.Is(err, errOutage) {
		t.Fatalf("RefreshNow during outage: got %v, want errOutage", err)
	}
	if got, _ := c.GetSecretString("db"); got != "new" {
		t.Errorf("a failed RefreshNow dropped the value: got %q", got)
	}
}

func TestRefreshNowHasAWSSignature(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", "old")
	c.GetSecretString("db")
	f.put("db", "AWSCURRENT", "v2", "new")
	var refresh interface {
		RefreshNow(secretId string)
		RefreshNowWithContext(ctx context.Context, secretId string)
	} = c
	refresh.RefreshNow("db")
	if got, _ := c.GetSecretString("db"); got != "new" {
		t.Errorf("after RefreshNow: got %q, want new", got)
	}
	f.put("db", "AWSCURRENT", "v3", "newer")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	refresh.RefreshNowWithContext(ctx, "db") // inside the interval: gives up with ctx
	if got, _ := c.GetSecretString("db"); got != "new" {
		t.Errorf("after a RefreshNowWithContext that gave up: got %q, want new", got)
	}
}

func TestRefreshReportsVersionChange(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", "old")
	before, _ := c.GetVersion(context.Background(), "db", "")
	f.put("db", "AWSCURRENT", "v2", "new")
	after, err := c.Refresh(context.Background(), "db", "AWSCURRENT")
	if err != nil || before.VersionID != "v1" || after.VersionID != "v2" {
		t.Errorf("got %q → %q (%v), want v1 → v2", before.VersionID, after.VersionID, err)
	}
}

func TestRefreshLogsFailureAndRecoveryWithoutSecret(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil))
	c, f, clk := newTestCache(t, func(c *Cache) { c.Logger = logger })
	f.put("db", "AWSCURRENT", "v1", hunter)
	c.GetSecretString("db")
	f.fail(errOutage)
	clk.Advance(DefaultMinRefreshInterval)
	c.refreshNowErr("db")
	f.fail(nil)
	clk.Advance(DefaultMinRefreshInterval)
	if err := c.refreshNowErr("db"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{`"msg":"secretcache: fetch failed"`, `"secret_id":"db"`, `"msg":"secretcache: fetch recovered"`, "service unavailable"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, hunter) {
		t.Errorf("log reveals the secret:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestNotFoundDropsTheValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stage, removeStage string
		wantVersionNotFound      bool
	}{
		{"deleted secret", "AWSCURRENT", "", false},
		{"removed staging label", "AWSPENDING", "AWSPENDING", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, f, _ := newTestCache(t, nil)
			f.put("db", "AWSCURRENT", "v1", "current")
			f.put("db", "AWSPENDING", "v2", "pending")
			if _, err := c.GetSecretStringWithStage("db", tt.stage); err != nil {
				t.Fatal(err)
			}
			f.remove("db", tt.removeStage)
			if _, err := c.Refresh(context.Background(), "db", tt.stage); !isGone(err) {
				t.Fatalf("Refresh: got %v, want a not-found error", err)
			}
			got, err := c.GetSecretStringWithStage("db", tt.stage)
			var rnf *types.ResourceNotFoundException
			if err == nil || !errors.As(err, &rnf) {
				t.Fatalf("after the service said not found: got %q, %v; want the not-found error, not the old value", got, err)
			}
			var vnf *VersionNotFoundError
			if errors.As(err, &vnf) != tt.wantVersionNotFound {
				t.Errorf("got %v, want *VersionNotFoundError: %v", err, tt.wantVersionNotFound)
			}
		})
	}
}

func TestStaleServedCountsReadsDuringOutage(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", "good")
	c.GetSecretString("db")
	f.fail(errOutage)
	if err := c.refreshNowErr("db"); !errors.Is(err, errOutage) {
		t.Fatalf("RefreshNow: got %v, want errOutage", err)
	}
	for range 5 {
		if got, err := c.GetSecretString("db"); err != nil || got != "good" {
			t.Fatalf("during outage: got %q, %v", got, err)
		}
	}
	if got := c.Stats().StaleServed; got != 5 {
		t.Errorf("StaleServed: got %d, want 5", got)
	}
	f.fail(nil)
	c.clock.(*fakeClock).Advance(DefaultMinRefreshInterval)
	if err := c.refreshNowErr("db"); err != nil {
		t.Fatal(err)
	}
	c.GetSecretString("db")
	if got := c.Stats().StaleServed; got != 5 {
		t.Errorf("StaleServed after recovery: got %d, want still 5", got)
	}
}

func TestBackoffNeverOverflows(t *testing.T) {
	t.Parallel()
	for _, max := range []time.Duration{time.Second, 5 * time.Minute, math.MaxInt64 / 3, math.MaxInt64} {
		for n := 1; n <= 200; n++ {
			if d := backoff(time.Second, max, n); d <= 0 || d > max {
				t.Fatalf("backoff(1s, %v, %d) = %v, want within (0, %v]", max, n, d, max)
			}
		}
	}
}

// TestExtremeDurationsWork runs a cache whose TTL and retry cap are the
// largest durations the configuration accepts through many failures: no
// overflow may turn "never" into "always" or crash.
func TestExtremeDurationsWork(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) {
		c.CacheItemTTL = math.MaxInt64
		c.RetryMaxDelay = math.MaxInt64
		c.MinRefreshInterval = time.Nanosecond
	})
	f.put("db", "AWSCURRENT", "v1", "good")
	if _, err := c.GetSecretString("db"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(100 * 365 * 24 * time.Hour)
	c.GetSecretString("db")
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("calls after a century with an infinite TTL: got %d, want 1", n)
	}
	f.fail(errOutage)
	for i := range 60 {
		clk.Advance(time.Millisecond)
		if err := c.refreshNowErr("db"); !errors.Is(err, errOutage) {
			t.Fatalf("failure %d: got %v, want errOutage", i+1, err)
		}
	}
	if got, err := c.GetSecretString("db"); err != nil || got != "good" {
		t.Errorf("after 60 failures: got %q, %v; want the last good value", got, err)
	}
}

// TestDoneContextChangesNothing: a call whose context is already done makes
// no call, creates no entry, evicts none and records no rate limit.
func TestDoneContextChangesNothing(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.MaxCacheSize = 2 })
	for _, id := range []string{"a", "b", "c", "d"} {
		f.put(id, "AWSCURRENT", "v1", "value-"+id)
	}
	c.GetSecretString("a")
	c.GetSecretString("b")
	calls := f.calls.Load()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"GetSecretStringWithContext", func() error { _, err := c.GetSecretStringWithContext(ctx, "c"); return err }},
		{"GetSecretBinaryWithContext", func() error { _, err := c.GetSecretBinaryWithContext(ctx, "c"); return err }},
		{"GetVersion", func() error { _, err := c.GetVersion(ctx, "d", "AWSPREVIOUS"); return err }},
		{"GetSecretJSON", func() error { return c.GetSecretJSON(ctx, "c", new(any)) }},
		{"Refresh", func() error { _, err := c.Refresh(ctx, "a", ""); return err }},
		{"Refresh of an uncached secret", func() error { _, err := c.Refresh(ctx, "c", ""); return err }},
		{"RefreshNowWithContext", func() error { c.RefreshNowWithContext(ctx, "c"); return context.Canceled }},
		{"Prefetch", func() error { return c.Prefetch(ctx, "c", "d") }},
	} {
		if err := tt.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want context.Canceled", tt.name, err)
		}
	}
	if n := f.calls.Load() - calls; n != 0 {
		t.Errorf("calls: got %d, want 0", n)
	}
	if st := c.Stats(); st.Evictions != 0 || c.Len() != 2 {
		t.Errorf("got %d entries and %d evictions, want 2 and 0", c.Len(), st.Evictions)
	}
	if n := c.limits.len(); n != 0 {
		t.Errorf("rate-limit records: got %d, want 0", n)
	}
	for _, id := range []string{"a", "b"} {
		if got, _ := c.GetSecretString(id); got != "value-"+id {
			t.Errorf("%s: got %q after calls with a done context", id, got)
		}
	}
	if n := f.calls.Load() - calls; n != 0 {
		t.Errorf("a and b were evicted: %d calls", n)
	}
}
