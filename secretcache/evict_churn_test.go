package secretcache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestChurnAtTinySizes mixes every kind of read and fetch of a few secrets,
// rotated all along, through caches of one and two entries, so that nearly
// every fetch lands in an evicted entry or waits for one: reads,
// reads with contexts that end within a millisecond, Refresh, RefreshNow
// and Prefetch batches, on the real clock with forced refreshes held back
// for a millisecond. Every call returns, a read after a Refresh never
// goes back from the version it returned, the evicted entries remembered
// stay bounded, and Close leaves no goroutine behind.
func TestChurnAtTinySizes(t *testing.T) {
	for _, size := range []int{1, 2} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			base := runtime.NumGoroutine()
			b := &batchFake{fakeClient: newFake()}
			c, err := newCache(realClock{}, func(c *Cache) {
				c.Client, c.MaxCacheSize, c.MinRefreshInterval = jitterClient{b}, size, time.Millisecond
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			const keys = 4
			ids := make([]string, keys)
			var latest [keys]atomic.Int64
			for k := range ids {
				ids[k] = fmt.Sprint("churn-", k)
				b.put(ids[k], "AWSCURRENT", "v1", "1")
				latest[k].Store(1)
			}
			stop := make(chan struct{})
			var writer sync.WaitGroup
			writer.Add(1)
			go func() {
				defer writer.Done()
				for n := int64(2); ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					k := int(n) % keys
					b.put(ids[k], "AWSCURRENT", "v"+strconv.FormatInt(n, 10), strconv.FormatInt(n, 10))
					latest[k].Store(n)
					runtime.Gosched()
				}
			}()
			var workers sync.WaitGroup
			errs := make(chan error, 64)
			for w := range 8 {
				workers.Add(1)
				go func() {
					defer workers.Done()
					r := rand.New(rand.NewPCG(uint64(w), 7))
					var floor [keys]int64
					check := func(k int, s string, what string) {
						n, err := strconv.ParseInt(s, 10, 64)
						if err != nil {
							errs <- fmt.Errorf("%s of %s: value %q", what, ids[k], s)
							return
						}
						if n < floor[k] {
							errs <- fmt.Errorf("%s of %s after a Refresh returned %d: got %d", what, ids[k], floor[k], n)
						}
					}
					for range 1500 {
						k := r.IntN(keys)
						switch r.IntN(6) {
						case 0:
							if s, err := c.GetSecretString(ids[k]); err == nil {
								check(k, s, "read")
							}
						case 1:
							ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(1000))*time.Microsecond)
							if s, err := c.GetSecretStringWithContext(ctx, ids[k]); err == nil {
								check(k, s, "read with a short context")
							}
							cancel()
						case 2:
							if v, err := c.Refresh(context.Background(), ids[k], ""); err == nil {
								n, _ := strconv.ParseInt(v.VersionID[1:], 10, 64)
								floor[k] = max(floor[k], n)
							}
						case 3:
							c.RefreshNow(ids[k])
						case 4:
							ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(2000))*time.Microsecond)
							c.RefreshNowWithContext(ctx, ids[k])
							cancel()
						case 5:
							c.Prefetch(context.Background(), ids[k], ids[(k+1)%keys], ids[(k+2)%keys])
						}
					}
				}()
			}
			done := make(chan struct{})
			go func() { workers.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				buf := make([]byte, 1<<20)
				t.Fatalf("calls still running after a minute:\n%s", buf[:runtime.Stack(buf, true)])
			}
			close(stop)
			writer.Wait()
			close(errs)
			n := 0
			for err := range errs {
				if n++; n <= 5 {
					t.Error(err)
				}
			}
			c.ix.mu.Lock()
			leaving := len(c.ix.leaving)
			c.ix.mu.Unlock()
			if leaving > 2*size+keys {
				t.Errorf("evicted entries remembered: %d, want at most %d", leaving, 2*size+keys)
			}
			c.Close()
			goroutinesSettle(t, base)
		})
	}
}

// jitterClient answers after a random pause of up to 200µs, so that
// fetches overlap with evictions.
type jitterClient struct{ *batchFake }

func pause() { time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond) }

func (j jitterClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	out, err := j.batchFake.GetSecretValue(ctx, in, opts...)
	pause()
	return out, err
}

func (j jitterClient) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	out, err := j.batchFake.BatchGetSecretValue(ctx, in, opts...)
	pause()
	return out, err
}
