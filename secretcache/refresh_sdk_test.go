package secretcache_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// The tests in this file run the cache against the in-process Secrets
// Manager through the real SDK client, over HTTP, as a service would.

// TestEmulatorScheduledDeletion deletes a secret with the default
// recovery window, so that the service answers InvalidRequestException
// ("…marked for deletion"), and checks every way the cache can learn of it:
// Refresh, an expired value read with and without SynchronousRefresh, and
// Prefetch (BatchGetSecretValue). None may serve the old value afterwards.
// Restoring the secret makes it readable again once the retry delay passes.
func TestEmulatorScheduledDeletion(t *testing.T) {
	t.Parallel()
	ways := []struct {
		name  string
		sync  bool
		learn func(c *secretcache.Cache) error
	}{
		{"Refresh", false, func(c *secretcache.Cache) error { _, err := c.Refresh(context.Background(), "db", ""); return err }},
		{"expiry, background", false, nil},
		{"expiry, synchronous", true, nil},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			srv := secretsmanagertest.NewServer()
			defer srv.Close()
			srv.CreateSecret("db", "old-value")
			c, err := secretcache.New(func(c *secretcache.Cache) {
				c.Client = srv.Client()
				c.CacheItemTTL = int64(50 * time.Millisecond)
				c.SynchronousRefresh = w.sync
				c.RetryBaseDelay = 100 * time.Millisecond
				c.RetryMaxDelay = 100 * time.Millisecond
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got, err := c.GetSecretString("db"); err != nil || got != "old-value" {
				t.Fatalf("before deletion: got %q, %v", got, err)
			}
			if _, err := srv.Client().DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("db")}); err != nil {
				t.Fatal(err)
			}
			if w.learn != nil {
				var ir *types.InvalidRequestException
				if err := w.learn(c); !errors.As(err, &ir) {
					t.Fatalf("learning of the deletion: got %v, want InvalidRequestException", err)
				}
			}
			pollUntil(t, "the deleted secret is no longer served", func() bool {
				_, err := c.GetSecretString("db")
				var ir *types.InvalidRequestException
				return errors.As(err, &ir)
			})
			for range 20 {
				if got, err := c.GetSecretString("db"); err == nil {
					t.Fatalf("a secret scheduled for deletion was served: %q", got)
				}
			}
			if _, err := srv.Client().RestoreSecret(context.Background(), &secretsmanager.RestoreSecretInput{SecretId: aws.String("db")}); err != nil {
				t.Fatal(err)
			}
			pollUntil(t, "the restored secret is served again", func() bool {
				got, err := c.GetSecretString("db")
				return err == nil && got == "old-value"
			})
		})
	}
	t.Run("Prefetch", func(t *testing.T) {
		t.Parallel()
		srv := secretsmanagertest.NewServer()
		defer srv.Close()
		srv.CreateSecret("db", "old-value")
		srv.CreateSecret("other", "other-value")
		if _, err := srv.Client().DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("db")}); err != nil {
			t.Fatal(err)
		}
		c, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var ir *types.InvalidRequestException
		if err := c.Prefetch(context.Background(), "db", "other"); !errors.As(err, &ir) {
			t.Errorf("Prefetch of a deleted secret: got %v, want InvalidRequestException", err)
		}
		calls := srv.Calls("GetSecretValue") + srv.Calls("BatchGetSecretValue")
		if got, err := c.GetSecretString("db"); !errors.As(err, &ir) {
			t.Errorf("read after Prefetch: got %q, %v; want the remembered InvalidRequestException", got, err)
		}
		if got, err := c.GetSecretString("other"); err != nil || got != "other-value" {
			t.Errorf("other: got %q, %v", got, err)
		}
		if n := srv.Calls("GetSecretValue") + srv.Calls("BatchGetSecretValue") - calls; n != 0 {
			t.Errorf("calls after Prefetch: %d, want 0", n)
		}
	})
}

// pollUntil polls cond until it holds or ten seconds pass.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestEmulatorChurn rotates secrets over HTTP without pause while
// goroutines Refresh, RefreshNow, read (with tiny TTL and MaxCacheSize) and
// Prefetch through the real SDK client. After a successful Refresh, no
// read of that secret that starts later may return a value older than the
// one the service held when Refresh was called.
func TestEmulatorChurn(t *testing.T) {
	t.Parallel()
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	ids := []string{"a", "b", "c"}
	var version atomic.Int64
	for _, id := range ids {
		srv.CreateSecret(id, "value-0")
	}
	c, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.MaxCacheSize = 2
		c.CacheItemTTL = int64(2 * time.Millisecond)
		c.MinRefreshInterval = time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()

	parse := func(s string) int64 { n, _ := strconv.ParseInt(strings.TrimPrefix(s, "value-"), 10, 64); return n }
	var mu sync.Mutex
	floor := map[string]int64{}
	var wg sync.WaitGroup
	var refreshes, reads atomic.Int64
	run := func(n int, f func()) { secretcache.LoopUntil(ctx, &wg, n, func(int) { f() }) }
	// version is raised once every secret holds it, so that a version read
	// from it is never newer than what the service holds.
	run(1, func() {
		n := version.Load() + 1
		for _, id := range ids {
			if _, err := srv.PutSecretValue(id, fmt.Sprint("value-", n)); err != nil {
				t.Error(err)
			}
		}
		version.Store(n)
		time.Sleep(200 * time.Microsecond)
	})
	run(2, func() {
		id := ids[rand.N(len(ids))]
		before := version.Load()
		if _, err := c.Refresh(ctx, id, ""); err != nil {
			return
		}
		refreshes.Add(1)
		mu.Lock()
		floor[id] = max(floor[id], before)
		mu.Unlock()
	})
	run(1, func() { c.RefreshNowWithContext(ctx, ids[rand.N(len(ids))]) })
	run(1, func() { c.Prefetch(ctx, ids...) })
	run(3, func() {
		id := ids[rand.N(len(ids))]
		mu.Lock()
		min := floor[id]
		mu.Unlock()
		got, err := c.GetSecretStringWithContext(ctx, id)
		if err != nil {
			return
		}
		reads.Add(1)
		if n := parse(got); n < min {
			t.Errorf("%s: a read returned value-%d, older than value-%d, current when an earlier successful Refresh was called", id, n, min)
		}
	})
	wg.Wait()
	if refreshes.Load() < 20 || reads.Load() < 20 {
		t.Errorf("only %d refreshes and %d reads", refreshes.Load(), reads.Load())
	}
	t.Logf("%d refreshes, %d reads, %d rotations; %+v", refreshes.Load(), reads.Load(), version.Load(), c.Stats())
}

// lateClient is the emulator's SDK client with answers delivered late: the
// service reads the secret when the request arrives, and the answer then
// spends up to a millisecond on the way back, so that answers given before
// a rotation or a deletion reach the cache after ones given later, as on a
// network with several connections.
type lateClient struct {
	*secretsmanager.Client
}

func lateDelivery() { time.Sleep(time.Duration(rand.N(1000)) * time.Microsecond) }

func (l lateClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	out, err := l.Client.GetSecretValue(ctx, in, o...)
	lateDelivery()
	return out, err
}

func (l lateClient) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	out, err := l.Client.BatchGetSecretValue(ctx, in, o...)
	lateDelivery()
	return out, err
}

// TestEmulatorLateAnswers rotates secrets over HTTP while every kind of
// fetch runs against answers delivered late: misses, background and
// synchronous refreshes of a tiny TTL, eviction (MaxCacheSize 2 for four
// secrets), Prefetch batches, and forced refreshes inside
// MinRefreshInterval, which must wait for the next fetch rather than report
// an older answer. After a successful Refresh, or a RefreshNow, the next
// read returns at least the version current when it was called, and no
// later read returns less. Then one secret is deleted with a recovery
// window: the first Refresh after that fails, and no read afterwards
// serves it, though answers given before the deletion are still arriving.
func TestEmulatorLateAnswers(t *testing.T) {
	t.Parallel()
	for _, syncRefresh := range []bool{false, true} {
		t.Run(fmt.Sprint("SynchronousRefresh=", syncRefresh), func(t *testing.T) {
			t.Parallel()
			lateAnswers(t, syncRefresh)
		})
	}
}

func lateAnswers(t *testing.T, syncRefresh bool) {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	ids := []string{"a", "b", "c", "d"}
	current := map[string]*atomic.Int64{} // the version the service holds, raised once it does
	for _, id := range ids {
		if _, err := srv.CreateSecret(id, "value-0"); err != nil {
			t.Fatal(err)
		}
		current[id] = new(atomic.Int64)
	}
	c, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = lateClient{srv.Client()}
		c.MaxCacheSize = 2
		c.CacheItemTTL = int64(2 * time.Millisecond)
		c.MinRefreshInterval = 3 * time.Millisecond
		c.SynchronousRefresh = syncRefresh
		c.RetryBaseDelay = time.Millisecond
		c.RetryMaxDelay = 2 * time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	parse := func(s string) int64 { n, _ := strconv.ParseInt(strings.TrimPrefix(s, "value-"), 10, 64); return n }
	floor := map[string]*atomic.Int64{} // raised by each successful Refresh to the version current when it was called
	for _, id := range ids {
		floor[id] = new(atomic.Int64)
	}
	raise := func(f *atomic.Int64, v int64) {
		for old := f.Load(); v > old && !f.CompareAndSwap(old, v); old = f.Load() {
		}
	}
	var deleted atomic.Bool // "a" is being deleted: set just before DeleteSecret
	var checked, refreshed atomic.Int64
	check := func(id string, min int64, got string, err error, what string) {
		if id == "a" && deleted.Load() {
			return // checked on its own below
		}
		if err != nil {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s of %s: %v", what, id, err)
			}
			return
		}
		checked.Add(1)
		if n := parse(got); n < min {
			t.Errorf("%s of %s returned value-%d, older than value-%d, current when an earlier successful refresh was called", what, id, n, min)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var slowest atomic.Int64
	run := func(n int, f func(g int)) {
		secretcache.LoopUntil(ctx, &wg, n, func(g int) {
			t0 := time.Now()
			f(g)
			raise(&slowest, int64(time.Since(t0)))
		})
	}
	run(1, func(int) { // the rotator
		for _, id := range ids {
			if id == "a" && deleted.Load() {
				continue
			}
			n := current[id].Load() + 1
			if _, err := srv.PutSecretValue(id, fmt.Sprint("value-", n)); err != nil {
				if id != "a" {
					t.Error(err)
				}
				continue
			}
			current[id].Store(n)
		}
		time.Sleep(100 * time.Microsecond)
	})
	run(3, func(g int) { // forced refreshes, each followed by a read
		id := ids[rand.N(len(ids))]
		before := current[id].Load()
		if g == 0 {
			c.RefreshNowWithContext(ctx, id) // no outcome: valid only if the ctx did not end
			if ctx.Err() != nil {
				return
			}
		} else if _, err := c.Refresh(ctx, id, ""); err != nil {
			if id != "a" || !deleted.Load() {
				check(id, 0, "", err, "Refresh")
			}
			return
		}
		if id == "a" && deleted.Load() {
			return
		}
		refreshed.Add(1)
		raise(floor[id], before)
		got, err := c.GetSecretStringWithContext(ctx, id)
		check(id, before, got, err, "a read right after a refresh")
	})
	run(3, func(g int) { // reads of every kind
		id := ids[rand.N(len(ids))]
		min := floor[id].Load()
		var got string
		var err error
		switch g {
		case 0:
			got, err = c.GetSecretString(id)
		case 1:
			got, _, err = c.GetSecretStringVersion(ctx, id, "")
		case 2:
			got, err = c.GetSecretStringWithStageWithContext(ctx, id, "AWSCURRENT")
		}
		check(id, min, got, err, "a read")
	})
	run(1, func(int) { c.Prefetch(ctx, ids...) })

	time.Sleep(300 * time.Millisecond) // churn before the deletion
	deleted.Store(true)                // from here on, reads of "a" may fail
	if _, err := srv.Client().DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	var ir *types.InvalidRequestException
	if _, err := c.Refresh(ctx, "a", ""); !errors.As(err, &ir) {
		t.Errorf("the first Refresh after the deletion: got %v, want InvalidRequestException", err)
	}
	served := 0
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
		if _, err := c.GetSecretString("a"); err == nil {
			served++
		}
		if _, _, err := c.GetSecretStringVersion(ctx, "a", ""); err == nil {
			served++
		}
	}
	if served > 0 {
		t.Errorf("a secret scheduled for deletion was served %d times after a Refresh learned of it", served)
	}
	cancel()
	wg.Wait()
	if refreshed.Load() < 10 || checked.Load() < 30 {
		t.Errorf("only %d refreshes and %d checked reads: the test exercised little", refreshed.Load(), checked.Load())
	}
	t.Logf("%d refreshes, %d checked reads, slowest %v; %+v", refreshed.Load(), checked.Load(), time.Duration(slowest.Load()), c.Stats())
}
