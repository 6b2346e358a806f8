package secretcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// closeClient blocks every call until its context ends, and counts the
// calls under way, GetSecretValue and BatchGetSecretValue alike. Keys
// named ready-* are answered at once, so that they can be cached first.
type closeClient struct {
	SecretsManagerAPIClient
	inside atomic.Int64
	calls  atomic.Int64
	block  atomic.Bool
}

func (b *closeClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	b.calls.Add(1)
	b.inside.Add(1)
	defer b.inside.Add(-1)
	if b.block.Load() || !strings.HasPrefix(aws.ToString(in.SecretId), "ready-") {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v1"),
		VersionStages: []string{aws.ToString(in.VersionStage)}, SecretString: aws.String("value")}, nil
}

func (b *closeClient) BatchGetSecretValue(ctx context.Context, _ *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	b.calls.Add(1)
	b.inside.Add(1)
	defer b.inside.Add(-1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestConcurrentCloseStopsEverything closes, from many goroutines at
// once, a cache with every kind of work pending: misses in the caller's
// goroutine and in the cache's, a background refresh, a synchronous one,
// a forced refresh in flight and one scheduled by the rate limit, and a
// Prefetch batch. Each Close must return only when no client call is
// running; then every caller returns and every goroutine the cache started
// is gone. Later calls fail with ErrClosed and call nothing.
func TestConcurrentCloseStopsEverything(t *testing.T) {
	base := runtime.NumGoroutine()
	b := &closeClient{}
	clk := newFakeClock()
	mk := func(syncRefresh bool) *Cache {
		c, err := newCache(clk, func(c *Cache) {
			c.Client = b
			c.CacheItemTTL = int64(20 * time.Millisecond)
			c.MinRefreshInterval = time.Hour
			c.SynchronousRefresh = syncRefresh
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	async, syncc := mk(false), mk(true)
	for _, c := range []*Cache{async, syncc} {
		if _, err := c.GetSecretString("ready-stale"); err != nil {
			t.Fatal(err)
		}
	}
	b.block.Store(true)
	clk.Advance(20 * time.Millisecond) // ready-stale expires

	errs := make(chan error, 16)
	callers := 0
	start := func(f func() error) {
		callers++
		go func() { errs <- f() }()
	}
	for _, c := range []*Cache{async, syncc} {
		start(func() error { _, err := c.GetSecretString("a"); return err })
		start(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := c.GetSecretStringWithContext(ctx, "b")
			return err
		})
		start(func() error { _, err := c.Refresh(context.Background(), "f", ""); return err })
	}
	start(func() error { _, err := syncc.GetSecretString("ready-stale"); return err }) // waits for its refresh
	async.GetSecretString("ready-stale")                                               // starts a background refresh
	eventually(t, "every fetch is in the client", func() bool { return b.inside.Load() == 8 })
	for _, c := range []*Cache{async, syncc} {
		start(func() error { _, err := c.Refresh(context.Background(), "f", ""); return err }) // scheduled by the rate limit
	}
	eventually(t, "the second refreshes wait", func() bool {
		return async.Stats().RefreshesDelayed == 1 && syncc.Stats().RefreshesDelayed == 1
	})
	start(func() error { return async.Prefetch(context.Background(), "p1", "p2") })
	eventually(t, "the batch is in the client", func() bool { return b.inside.Load() == 9 })

	const closers = 8
	returned := make(chan int64, 2*closers)
	for range closers {
		for _, c := range []*Cache{async, syncc} {
			go func() { c.Close(); returned <- b.inside.Load() }()
		}
	}
	// Each cache's calls end only with its own Close: wait for all.
	for range 2 * closers {
		<-returned
	}
	if n := b.inside.Load(); n != 0 {
		t.Errorf("every Close returned with %d client calls still running", n)
	}
	for range callers {
		if err := <-errs; !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
			t.Errorf("caller across Close: got %v, want ErrClosed", err)
		}
	}
	goroutinesSettle(t, base)

	calls := b.calls.Load()
	for _, c := range []*Cache{async, syncc} {
		for name, call := range map[string]func() error{
			"GetSecretString": func() error { _, err := c.GetSecretString("ready-stale"); return err },
			"GetSecretBinary": func() error { _, err := c.GetSecretBinary("x"); return err },
			"Refresh":         func() error { _, err := c.Refresh(context.Background(), "x", ""); return err },
			"Prefetch":        func() error { return c.Prefetch(context.Background(), "x") },
			"GetSecretJSON":   func() error { return c.GetSecretJSON(context.Background(), "x", new(any)) },
			"GetVersion":      func() error { _, err := c.GetVersion(context.Background(), "x", "S"); return err },
		} {
			if err := call(); !errors.Is(err, ErrClosed) {
				t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
			}
		}
		c.RefreshNow("x")
		if c.Len() != 0 || c.Close() != nil || c.String() == "" {
			t.Errorf("after Close: Len %d", c.Len())
		}
	}
	if n := b.calls.Load() - calls; n != 0 {
		t.Errorf("calls after Close: %d", n)
	}
	goroutinesSettle(t, base)
}

// TestCloseDuringFetchesWithLogger closes a cache while failing
// fetches log: Close must not wait for, nor race with, logging.
func TestCloseDuringFetchesWithLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	c, f, _ := newTestCache(t, func(c *Cache) {
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	})
	f.fail(errOutage)
	for i := range 50 {
		go c.GetSecretString(fmt.Sprint("s", i))
	}
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(buf.String(), hunter) {
		t.Error("log reveals a secret")
	}
}

// inFlightClient answers after a random delay, honouring its context, and
// counts the calls under way.
type inFlightClient struct {
	SecretsManagerAPIClient
	inside atomic.Int64
}

func (c *inFlightClient) wait(ctx context.Context) error {
	c.inside.Add(1)
	defer c.inside.Add(-1)
	select {
	case <-time.After(time.Duration(rand.N(500)) * time.Microsecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *inFlightClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v1"),
		VersionStages: []string{aws.ToString(in.VersionStage)}, SecretString: aws.String("value")}, nil
}

func (c *inFlightClient) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, id := range in.SecretIdList {
		out.SecretValues = append(out.SecretValues, types.SecretValueEntry{Name: aws.String(id), VersionId: aws.String("v1"),
			VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("value")})
	}
	return out, nil
}

// TestCloseUnderChurn closes, from several goroutines, caches in the
// middle of churn — misses, background and synchronous refreshes, forced
// refreshes with rate-limit timers firing, Prefetch batches, evictions —
// many times over. Every Close must return only once no client call runs,
// nothing may panic, and in the end every goroutine is gone.
func TestCloseUnderChurn(t *testing.T) {
	base := runtime.NumGoroutine()
	for round := range 20 {
		cl := &inFlightClient{}
		c, err := New(func(c *Cache) {
			c.Client = cl
			c.MaxCacheSize = 3
			c.CacheItemTTL = int64(time.Millisecond)
			c.MinRefreshInterval = 200 * time.Microsecond
			c.SynchronousRefresh = round%2 == 1
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{"a", "b", "c", "d"}
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					id := ids[(g+i)%len(ids)]
					var err error
					switch (g + i) % 4 {
					case 0:
						_, err = c.GetSecretString(id)
					case 1:
						_, err = c.Refresh(context.Background(), id, "")
					case 2:
						err = c.Prefetch(context.Background(), ids...)
					case 3:
						ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
						_, err = c.GetSecretStringWithStageWithContext(ctx, id, "AWSPENDING")
						cancel()
					}
					if errors.Is(err, ErrClosed) {
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(rand.N(20)) * time.Millisecond) // close at a random point of the churn
		var closers sync.WaitGroup
		for range 4 {
			closers.Add(1)
			go func() {
				defer closers.Done()
				c.Close()
				if n := cl.inside.Load(); n != 0 {
					t.Errorf("round %d: Close returned with %d client calls running", round, n)
				}
			}()
		}
		closers.Wait()
		wg.Wait()
	}
	goroutinesSettle(t, base)
}
