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
)

// stepClient is a Secrets Manager whose every call the test steps through:
// a call arrives (and is handed to the test on arrivals), waits for
// decide, reads the secret's current version, then waits for deliver
// before returning it. So the test chooses both when the service reads
// the version and when the answer reaches the cache, as a network with
// several connections does.
type stepClient struct {
	SecretsManagerAPIClient
	version  atomic.Int64
	arrivals chan *stepCall
}

type stepCall struct {
	id, stage string
	decide    chan struct{}
	decided   chan struct{} // closed once the version is read
	deliver   chan struct{}
	version   int64
}

func newStepClient() *stepClient {
	sc := &stepClient{arrivals: make(chan *stepCall, 64)}
	sc.version.Store(1)
	return sc
}

func (sc *stepClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	call := &stepCall{id: aws.ToString(in.SecretId), stage: aws.ToString(in.VersionStage),
		decide: make(chan struct{}), decided: make(chan struct{}), deliver: make(chan struct{})}
	sc.arrivals <- call
	select {
	case <-call.decide:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	call.version = sc.version.Load()
	close(call.decided)
	select {
	case <-call.deliver:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	n := strconv.FormatInt(call.version, 10)
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v" + n),
		VersionStages: []string{call.stage}, SecretString: aws.String("value-" + n)}, nil
}

func (sc *stepClient) next(t *testing.T) *stepCall {
	t.Helper()
	select {
	case call := <-sc.arrivals:
		return call
	case <-time.After(10 * time.Second):
		t.Fatal("no call arrived")
		return nil
	}
}

// run lets call through at once.
func (call *stepCall) run() {
	close(call.decide)
	<-call.decided
	close(call.deliver)
}

// TestNoReadGoesBackwards: two forced fetches of one key, the second
// called while the first is in flight. Were both at the service at once,
// the first could reach it last, after a rotation, and answer first, and
// the second, answered before the rotation, would land last and put the old
// version back. A slot never has two fetches at the service: the second
// waits for the first to land, then asks, so the answer that lands last is
// the newest.
func TestNoReadGoesBackwards(t *testing.T) {
	t.Parallel()
	sc := newStepClient()
	clk := newFakeClock()
	c, err := newCache(clk, func(c *Cache) { c.Client = sc })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	go c.GetSecretString("db")
	sc.next(t).run()
	eventually(t, "v1 is cached", func() bool { s := c.ix.lookup("db", ""); return s != nil && s.val.Load() != nil })

	type result struct {
		v   Version
		err error
	}
	refresh := func(out chan<- result) {
		v, err := c.Refresh(context.Background(), "db", "")
		out <- result{v, err}
	}
	first, second := make(chan result, 1), make(chan result, 1)
	go refresh(first)
	a := sc.next(t) // in flight, not yet answered
	clk.Advance(DefaultMinRefreshInterval)
	go refresh(second)
	eventually(t, "the second fetch waits its turn", func() bool {
		s := c.ix.lookup("db", "")
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.queued != nil
	})
	select {
	case <-sc.arrivals:
		t.Fatal("a second fetch of the key reached the service while the first was in flight")
	default:
	}

	sc.version.Store(2) // a rotation
	a.run()             // the first fetch reads v2
	if r := <-first; r.err != nil || r.v.VersionID != "v2" {
		t.Fatalf("first Refresh: got %q, %v; want v2", r.v.VersionID, r.err)
	}
	if got, _ := c.GetSecretString("db"); got != "value-2" {
		t.Fatalf("read after the first Refresh: got %q, want value-2", got)
	}
	b := sc.next(t) // only now does the second fetch ask
	sc.version.Store(3)
	b.run()
	if r := <-second; r.err != nil || r.v.VersionID != "v3" {
		t.Fatalf("second Refresh: got %q, %v; want v3", r.v.VersionID, r.err)
	}
	if got, _ := c.GetSecretString("db"); got != "value-3" {
		t.Errorf("after both Refreshes: got %q, want value-3", got)
	}
}

// versionedClient rotates its secrets all the time. Every (secret,
// stage) has the same current version number, decided when a call arrives
// and delivered after a random delay. It also answers BatchGetSecretValue.
type versionedClient struct {
	SecretsManagerAPIClient
	version atomic.Int64
	calls   atomic.Int64
}

func (cc *versionedClient) output(id, stage string) *secretsmanager.GetSecretValueOutput {
	n := strconv.FormatInt(cc.version.Load(), 10)
	return &secretsmanager.GetSecretValueOutput{Name: aws.String(id), VersionId: aws.String(n),
		SecretString: aws.String(stage + "-" + n), VersionStages: []string{stage}}
}

func (cc *versionedClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	cc.calls.Add(1)
	out := cc.output(aws.ToString(in.SecretId), aws.ToString(in.VersionStage))
	latency()
	return out, nil
}

func (cc *versionedClient) BatchGetSecretValue(_ context.Context, in *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	cc.calls.Add(1)
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, id := range in.SecretIdList {
		out.SecretValues = append(out.SecretValues, batchEntry(cc.output(id, "AWSCURRENT")))
	}
	latency()
	return out, nil
}

// passHook is a CacheHook that wraps what it keeps, so that a value read
// through it must have gone through Put and Get.
type passHook struct{}

type passKept struct {
	out *secretsmanager.GetSecretValueOutput
}

func (passHook) Put(d interface{}) interface{} {
	return passKept{d.(*secretsmanager.GetSecretValueOutput)}
}
func (passHook) Get(d interface{}) interface{} { return d.(passKept).out }

// TestChurnFreshness runs, against a service that rotates without
// pause, every kind of fetch at once on a few secrets and two stages:
// misses, background refreshes (tiny TTL), evictions (tiny MaxCacheSize),
// Prefetch batches, Refresh and RefreshNow, with SynchronousRefresh off and
// on, with and without a hook. After every successful Refresh, no read of
// that (secret, stage) that starts later may return a version older than
// the one current when Refresh was called, whichever goroutine reads.
func TestChurnFreshness(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		sync bool
		hook CacheHook
	}{
		{"background", false, nil},
		{"synchronous", true, nil},
		{"background with hook", false, passHook{}},
		{"synchronous with hook", true, passHook{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			churnFreshness(t, tt.sync, tt.hook)
		})
	}
}

func churnFreshness(t *testing.T, syncRefresh bool, hook CacheHook) {
	cc := &versionedClient{}
	c, err := New(func(c *Cache) {
		c.Client = cc
		c.MaxCacheSize = 5 // 4 secrets × 2 stages: eviction all the time
		c.CacheItemTTL = int64(time.Millisecond)
		c.MinRefreshInterval = 500 * time.Microsecond
		c.SynchronousRefresh = syncRefresh
		c.Hook = hook
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids := []string{"s0", "s1", "s2", "s3"}
	stages := []string{"AWSCURRENT", "AWSPENDING"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	// floor[k] is the newest version a completed Refresh of key k saw
	// current when it was called.
	type key struct{ id, stage string }
	var mu sync.Mutex
	floor := map[key]int64{}
	raise := func(k key, v int64) {
		mu.Lock()
		defer mu.Unlock()
		if v > floor[k] {
			floor[k] = v
		}
	}
	floorOf := func(k key) int64 {
		mu.Lock()
		defer mu.Unlock()
		return floor[k]
	}
	parse := func(k key, s string) int64 {
		n, err := strconv.ParseInt(s[len(k.stage)+1:], 10, 64)
		if err != nil {
			t.Errorf("unparsable value %q for %v", s, k)
		}
		return n
	}
	pick := func() key { return key{ids[rand.N(len(ids))], stages[rand.N(len(stages))]} }

	var wg sync.WaitGroup
	var refreshes, reads atomic.Int64
	run := func(n int, f func()) { LoopUntil(ctx, &wg, n, func(int) { f() }) }
	run(1, func() { cc.version.Add(1); time.Sleep(20 * time.Microsecond) })
	run(3, func() {
		k := pick()
		before := cc.version.Load()
		v, err := c.Refresh(ctx, k.id, k.stage)
		if err != nil {
			return // ctx ended
		}
		refreshes.Add(1)
		if n, _ := strconv.ParseInt(v.VersionID, 10, 64); n < before {
			t.Errorf("%v: Refresh returned version %d, older than %d, current when it was called", k, n, before)
		}
		raise(k, before)
	})
	run(1, func() { k := pick(); c.RefreshNowWithContext(ctx, k.id) })
	run(3, func() {
		k := pick()
		min := floorOf(k)
		var got string
		var err error
		if rand.N(2) == 0 {
			got, err = c.GetSecretStringWithStageWithContext(ctx, k.id, k.stage)
		} else {
			got, err = c.GetSecretStringWithStage(k.id, k.stage) // in the caller's goroutine
		}
		if err != nil {
			return // ctx ended
		}
		reads.Add(1)
		if n := parse(k, got); n < min {
			t.Errorf("%v: a read returned version %d, older than %d, current when an earlier successful Refresh was called", k, n, min)
		}
	})
	run(1, func() { c.Prefetch(ctx, ids...) })
	wg.Wait()
	if refreshes.Load() < 50 || reads.Load() < 50 {
		t.Errorf("only %d refreshes and %d reads: the test exercised nothing", refreshes.Load(), reads.Load())
	}
	t.Logf("%d refreshes, %d reads, %d calls; %+v", refreshes.Load(), reads.Load(), cc.calls.Load(), c.Stats())
}

// perKeyClient counts calls per secret and answers every call at once.
type perKeyClient struct {
	SecretsManagerAPIClient
	mu    sync.Mutex
	calls map[string]int // guarded by mu
}

func (p *perKeyClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	id := aws.ToString(in.SecretId)
	p.mu.Lock()
	p.calls[id]++
	n := p.calls[id]
	p.mu.Unlock()
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String(fmt.Sprint(n)),
		VersionStages: []string{aws.ToString(in.VersionStage)}, SecretString: aws.String(fmt.Sprint("value-", n))}, nil
}

func (p *perKeyClient) count(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[id]
}

// TestOneForcedFetchPerIntervalAcrossEviction: in each interval, one
// Refresh of a secret fetches at once; then many goroutines force a refresh
// of it while other secrets evict it over and over. Only Refresh ever reads
// that secret, so every call for it is a forced fetch: no other fetch may
// happen before the interval passes, then exactly one, and every waiting
// caller must get that one's answer, not the answer from before it called.
func TestOneForcedFetchPerIntervalAcrossEviction(t *testing.T) {
	t.Parallel()
	p := &perKeyClient{calls: map[string]int{}}
	clk := newFakeClock()
	c, err := newCache(clk, func(c *Cache) { c.Client = p; c.MaxCacheSize = 1 })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const intervals, callers = 5, 16
	for i := range intervals {
		before := p.count("hot")
		if v, err := c.Refresh(context.Background(), "hot", ""); err != nil || v.VersionID != fmt.Sprint(before+1) {
			t.Fatalf("interval %d: the first Refresh: got %q, %v; want a fetch of its own", i, v.VersionID, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		versions := make(chan string, callers)
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := c.Refresh(context.Background(), "hot", "")
				errs <- err
				versions <- v.VersionID
			}()
		}
		for j := range 20 {
			c.GetSecretString(fmt.Sprint("cold-", i, "-", j)) // evicts hot
		}
		eventually(t, "the callers of this interval wait", func() bool {
			return c.Stats().RefreshesDelayed >= uint64((i+1)*callers) || p.count("hot") > before+1
		})
		if got := p.count("hot") - before; got != 1 {
			t.Fatalf("interval %d: %d fetches of hot before the interval passed, want 1", i, got)
		}
		clk.Advance(DefaultMinRefreshInterval)
		wg.Wait()
		close(errs)
		close(versions)
		for err := range errs {
			if err != nil {
				t.Errorf("interval %d: Refresh: %v", i, err)
			}
		}
		for v := range versions {
			if v != fmt.Sprint(before+2) {
				t.Errorf("interval %d: a waiting caller got version %s, want %d, from the fetch made when the interval passed", i, v, before+2)
			}
		}
		if got := p.count("hot") - before; got != 2 {
			t.Errorf("interval %d: %d fetches of hot, want 2", i, got)
		}
		clk.Advance(DefaultMinRefreshInterval)
	}
}

// TestNoReadGoesBackwardsAcrossEviction: a Refresh is in flight when its
// key is evicted, and a read of the key, missing, fetches it again into a
// new entry. Were both fetches at the service at once, the read's could
// reach it first, before a rotation, and land last, so that a read after
// the Refresh returned the version the Refresh replaced. The key's new
// entry waits for the fetch in flight of the evicted one, as one entry's
// fetches do.
func TestNoReadGoesBackwardsAcrossEviction(t *testing.T) {
	t.Parallel()
	sc := newStepClient()
	clk := newFakeClock()
	c, err := newCache(clk, func(c *Cache) { c.Client = sc; c.MaxCacheSize = 1 })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	go c.GetSecretString("db")
	sc.next(t).run()
	eventually(t, "v1 is cached", func() bool { s := c.ix.lookup("db", ""); return s != nil && s.val.Load() != nil })

	refreshed := make(chan Version, 1)
	go func() {
		v, err := c.Refresh(context.Background(), "db", "")
		if err != nil {
			t.Errorf("Refresh: %v", err)
		}
		refreshed <- v
	}()
	forced := sc.next(t) // in flight, not yet answered
	go c.GetSecretString("other")
	sc.next(t).run()
	eventually(t, "db is evicted", func() bool { return c.Stats().Evictions == 1 })

	missed := make(chan string, 1)
	go func() {
		got, err := c.GetSecretString("db")
		if err != nil {
			t.Errorf("read of db: %v", err)
		}
		missed <- got
	}()
	eventually(t, "the read registered its fetch in the new slot", func() bool { return c.inFlight("db", "") })
	var miss *stepCall
	select {
	case miss = <-sc.arrivals:
		// Both fetches are at the service: the miss reads v1, the
		// Refresh, after a rotation, v2, and the miss lands last.
		close(miss.decide)
		<-miss.decided
	case <-time.After(100 * time.Millisecond):
		// The miss waits for the Refresh's fetch to land.
	}
	sc.version.Store(2)
	forced.run()
	if v := <-refreshed; v.VersionID != "v2" {
		t.Fatalf("Refresh: got %q, want v2", v.VersionID)
	}
	if miss != nil {
		close(miss.deliver)
	} else {
		sc.next(t).run() // only now does the miss ask
	}
	<-missed
	if got, _ := c.GetSecretString("db"); got != "value-2" {
		t.Errorf("a read after the Refresh returned v2: got %q, want value-2", got)
	}
}
