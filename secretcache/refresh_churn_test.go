package secretcache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// churnClient is a Secrets Manager whose secrets are rotated all the time:
// every secret's current version is the number in version. An answer is
// decided when the call arrives and delivered after a random delay, so
// answers overtake each other as they do on a network.
type churnClient struct {
	SecretsManagerAPIClient
	version atomic.Int64
}

func (cc *churnClient) answer(id string) (int64, *secretsmanager.GetSecretValueOutput) {
	v := cc.version.Load()
	n := strconv.FormatInt(v, 10)
	return v, &secretsmanager.GetSecretValueOutput{Name: aws.String(id), VersionId: aws.String(n), SecretString: aws.String("value-" + n), VersionStages: []string{"AWSCURRENT"}}
}

func latency() { time.Sleep(time.Duration(rand.N(300)) * time.Microsecond) }

func (cc *churnClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	_, out := cc.answer(aws.ToString(in.SecretId))
	latency()
	return out, nil
}

func (cc *churnClient) BatchGetSecretValue(_ context.Context, in *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, id := range in.SecretIdList {
		_, o := cc.answer(id)
		out.SecretValues = append(out.SecretValues, batchEntry(o))
	}
	latency()
	return out, nil
}

// TestRefreshChurn runs forced refreshes, reads, background refreshes,
// evictions and prefetch batches against a service that rotates without
// pause. After every successful Refresh, no read may return a version older
// than the one the service held when Refresh was called, and no reader may
// see a secret's version go backwards.
func TestRefreshChurn(t *testing.T) {
	t.Parallel()
	cc := &churnClient{}
	c, err := New(func(c *Cache) {
		c.Client = cc
		c.MaxCacheSize = 4 // six secrets: eviction all the time
		c.CacheItemTTL = int64(2 * time.Millisecond)
		c.MinRefreshInterval = time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = fmt.Sprint("secret-", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()

	var wg sync.WaitGroup
	run := func(f func()) { LoopUntil(ctx, &wg, 1, func(int) { f() }) }
	run(func() { cc.version.Add(1); time.Sleep(50 * time.Microsecond) })
	// floor[i] is the newest version of ids[i] that a Refresh, completed,
	// saw current when it was called: no read of that secret that starts
	// later may return an older one.
	floor := make([]atomic.Int64, len(ids))
	var refreshes atomic.Int64
	raise := func(i int, v int64) {
		for f := floor[i].Load(); v > f && !floor[i].CompareAndSwap(f, v); f = floor[i].Load() {
		}
	}
	version := func(value string) int64 {
		n, _ := strconv.ParseInt(value[len("value-"):], 10, 64)
		return n
	}
	for range 4 {
		run(func() {
			i := rand.N(len(ids))
			id := ids[i]
			before := cc.version.Load()
			v, err := c.Refresh(ctx, id, "")
			if err != nil {
				return // ctx ended
			}
			refreshes.Add(1)
			if n, _ := strconv.ParseInt(v.VersionID, 10, 64); n < before {
				t.Errorf("Refresh returned version %d, older than %d, current when it was called", n, before)
			}
			if got, err := c.GetSecretString(id); err == nil && version(got) < before {
				t.Errorf("a read after a successful Refresh returned version %d, older than %d", version(got), before)
			}
			raise(i, before)
		})
	}
	for range 3 {
		run(func() {
			i := rand.N(len(ids))
			id := ids[i]
			min := floor[i].Load()
			got, err := c.GetSecretString(id)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			if n := version(got); n < min {
				t.Errorf("%s: a read returned version %d, older than %d, seen current by an earlier Refresh", id, n, min)
			}
		})
	}
	run(func() { c.Prefetch(ctx, ids...) })
	wg.Wait()
	t.Logf("%d successful refreshes; %+v", refreshes.Load(), c.Stats())
	if refreshes.Load() < 50 {
		t.Errorf("only %d successful refreshes: the test did not exercise anything", refreshes.Load())
	}
}

func batchEntry(o *secretsmanager.GetSecretValueOutput) types.SecretValueEntry {
	return types.SecretValueEntry{Name: o.Name, VersionId: o.VersionId, SecretString: o.SecretString, VersionStages: o.VersionStages}
}
