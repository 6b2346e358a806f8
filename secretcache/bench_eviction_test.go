package secretcache

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// instantClient answers at once from prebuilt outputs, so that an
// eviction-heavy benchmark measures the cache, not the client.
type instantClient struct {
	SecretsManagerAPIClient
	outs map[string]*secretsmanager.GetSecretValueOutput
}

func newInstantClient(ids []string) *instantClient {
	ic := &instantClient{outs: map[string]*secretsmanager.GetSecretValueOutput{}}
	for _, id := range ids {
		ic.outs[id] = &secretsmanager.GetSecretValueOutput{Name: aws.String(id), VersionId: aws.String("v1"),
			VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("value-" + id)}
	}
	return ic
}

func (ic *instantClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return ic.outs[*in.SecretId], nil
}

// lruBaseline is what the cache is compared with under eviction: an exact
// LRU (golang-lru) behind one mutex, with misses shared through
// singleflight.
type lruBaseline struct {
	client *instantClient
	flight singleflight.Group
	loads  atomic.Int64

	mu  sync.Mutex
	lru *simplelru.LRU[string, string] // guarded by mu
}

func (b *lruBaseline) get(id string) (string, error) {
	b.mu.Lock()
	v, ok := b.lru.Get(id)
	b.mu.Unlock()
	if ok {
		return v, nil
	}
	x, err, _ := b.flight.Do(id, func() (any, error) {
		b.loads.Add(1)
		out, err := b.client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: &id})
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.lru.Add(id, *out.SecretString)
		b.mu.Unlock()
		return *out.SecretString, nil
	})
	if err != nil {
		return "", err
	}
	return x.(string), nil
}

// BenchmarkEvictionHeavy replays a Zipf(s = 1) trace of reads over 10,000
// secrets through a cache of 1,000 and through lruBaseline of the same
// size, on one goroutine and on all cores. Each reports its hit ratio and
// the heap allocations per load (per call to the client).
func BenchmarkEvictionHeavy(b *testing.B) {
	const keys, size = 10000, 1000
	ids := make([]string, keys)
	for i := range ids {
		ids[i] = fmt.Sprint("prod/service-", i, "/db")
	}
	trace := zipfTrace(1<<20, keys)
	client := newInstantClient(ids)

	type subject struct {
		get   func(string) (string, error)
		loads func() int64
	}
	cache := func(b *testing.B) subject {
		c, err := New(func(c *Cache) { c.Client = client; c.MaxCacheSize = size })
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return subject{c.GetSecretString, func() int64 { return int64(c.Stats().Loads) }}
	}
	baseline := func(b *testing.B) subject {
		l := &lruBaseline{client: client}
		l.lru, _ = simplelru.NewLRU[string, string](size, nil)
		return subject{l.get, l.loads.Load}
	}
	for _, sub := range []struct {
		name string
		make func(*testing.B) subject
	}{{"cache", cache}, {"exact-lru", baseline}} {
		b.Run(sub.name, func(b *testing.B) {
			s := sub.make(b)
			b.ReportAllocs()
			var mallocs uint64
			measure(&mallocs, func() {
				i := 0
				for b.Loop() {
					if _, err := s.get(ids[trace[i&(len(trace)-1)]]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			report(b, s.loads(), mallocs)
		})
		b.Run(sub.name+"-parallel", func(b *testing.B) {
			s := sub.make(b)
			b.ReportAllocs()
			var mallocs uint64
			var start atomic.Int64
			measure(&mallocs, func() {
				b.RunParallel(func(pb *testing.PB) {
					i := int(start.Add(int64(len(trace) / 8)))
					for pb.Next() {
						if _, err := s.get(ids[trace[i&(len(trace)-1)]]); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			})
			report(b, s.loads(), mallocs)
		})
	}
}

// measure runs f and adds the heap allocations it made to mallocs.
func measure(mallocs *uint64, f func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	*mallocs += after.Mallocs - before.Mallocs
}

func report(b *testing.B, loads int64, mallocs uint64) {
	b.ReportMetric(1-float64(loads)/float64(b.N), "hit-ratio")
	if loads > 0 {
		b.ReportMetric(float64(mallocs)/float64(loads), "allocs/load")
	}
}
