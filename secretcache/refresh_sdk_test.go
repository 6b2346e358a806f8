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
	run := func(n int, f func()) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					f()
				}
			}()
		}
	}
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
