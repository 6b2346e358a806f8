package secretcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
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

// goexitClient ends the goroutine of its first call with runtime.Goexit, as
// a mock that calls t.Fatal from inside GetSecretValue does, and answers
// every later call.
type goexitClient struct {
	SecretsManagerAPIClient
	calls atomic.Int64
}

func (g *goexitClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if g.calls.Add(1) == 1 {
		runtime.Goexit()
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v1"),
		VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("value")}, nil
}

// TestReviewGoexitInClientDoesNotWedgeTheKey: a client (or hook) that ends
// its goroutine with runtime.Goexit — t.Fatal in a mock does — never
// returns, so the fetch is never settled. Later reads of the key must not
// wait forever for it: they must get a fetch of their own.
func TestReviewGoexitInClientDoesNotWedgeTheKey(t *testing.T) {
	t.Parallel()
	paths := []struct {
		name  string
		first func(c *Cache)
	}{
		{"miss in a goroutine of the cache", func(c *Cache) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			c.GetSecretStringWithContext(ctx, "db")
		}},
		{"miss in the caller's goroutine", func(c *Cache) {
			done := make(chan struct{})
			go func() { defer close(done); c.GetSecretString("db") }()
			<-done
		}},
		{"Refresh", func(c *Cache) {
			done := make(chan struct{})
			go func() { defer close(done); c.Refresh(context.Background(), "db", "") }()
			<-done
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			g := &goexitClient{}
			c, _, _ := newTestCache(t, func(c *Cache) { c.Client = g })
			p.first(c)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			got, err := c.GetSecretStringWithContext(ctx, "db")
			if err != nil || got != "value" {
				t.Errorf("read after the client's goroutine exited: got %q, %v (client calls: %d); want the value from a new call", got, err, g.calls.Load())
			}
		})
	}
}

// ctxClient is a fakeClient that, like the SDK, fails at once on a context
// that is already done.
type ctxClient struct{ *fakeClient }

func (c ctxClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if err := ctx.Err(); err != nil {
		c.calls.Add(1)
		return nil, err
	}
	return c.fakeClient.GetSecretValue(ctx, in, o...)
}

// TestReviewFetchTimeoutExtremes: FetchTimeout accepts any non-negative
// duration. The largest ones mean "no timeout"; they must not overflow into
// a deadline in the past, which fails every fetch.
func TestReviewFetchTimeoutExtremes(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 - time.Millisecond, 1<<63 - 1 - time.Second + 1} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			t.Parallel()
			f := newFake()
			c, err := New(func(c *Cache) { c.Client = ctxClient{f}; c.FetchTimeout = d })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			f.put("db", "AWSCURRENT", "v1", "value")
			if got, err := c.GetSecretString("db"); err != nil || got != "value" {
				t.Errorf("FetchTimeout %d: got %q, %v; want the value", d, got, err)
			}
		})
	}
	t.Run("1ns", func(t *testing.T) {
		t.Parallel()
		f := newFake()
		c, err := New(func(c *Cache) { c.Client = ctxClient{f}; c.FetchTimeout = 1 })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		f.put("db", "AWSCURRENT", "v1", "value")
		if _, err := c.GetSecretString("db"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("FetchTimeout 1ns: got %v, want a deadline error", err)
		}
	})
}

// mutatingClient hands out outputs and then, like a client that reuses its
// buffers, overwrites them after returning.
type mutatingClient struct {
	SecretsManagerAPIClient
	last atomic.Pointer[secretsmanager.GetSecretValueOutput]
}

func (m *mutatingClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	out := &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v1"),
		VersionStages: []string{aws.ToString(in.VersionStage)}}
	if aws.ToString(in.SecretId) == "bin" {
		out.SecretBinary = []byte("binary-value")
	} else {
		out.SecretString = aws.String("string-value")
	}
	m.last.Store(out)
	return out, nil
}

func (m *mutatingClient) scribble() {
	out := m.last.Load()
	if out.SecretString != nil {
		*out.SecretString = "scribbled"
	}
	for i := range out.SecretBinary {
		out.SecretBinary[i] = 'X'
	}
	for i := range out.VersionStages {
		out.VersionStages[i] = "SCRIBBLED"
	}
}

// TestReviewClientMutatesItsOutputLater: what the cache serves must be what
// the service answered, even if the client reuses the output's memory
// after returning it.
func TestReviewClientMutatesItsOutputLater(t *testing.T) {
	t.Parallel()
	m := &mutatingClient{}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = m })
	if _, err := c.GetSecretString("str"); err != nil {
		t.Fatal(err)
	}
	m.scribble()
	if got, _ := c.GetSecretString("str"); got != "string-value" {
		t.Errorf("GetSecretString after the client reused its output: got %q, want string-value", got)
	}
	if v, _ := c.GetVersion(context.Background(), "str", ""); len(v.Stages) != 1 || v.Stages[0] != "AWSCURRENT" {
		t.Errorf("GetVersion after the client reused its output: got stages %q, want [AWSCURRENT]", v.Stages)
	}
	if _, err := c.GetSecretBinary("bin"); err != nil {
		t.Fatal(err)
	}
	m.scribble()
	if got, _ := c.GetSecretBinary("bin"); string(got) != "binary-value" {
		t.Errorf("GetSecretBinary after the client reused its output: got %q, want binary-value", got)
	}
}

// TestReviewDoneContextOnAHit: a hit is served whatever its context, as in
// AWS's library (checking the context would cost every hit); what a done
// context prevents is waiting: no call, no fetch, nothing new cached.
func TestReviewDoneContextOnAHit(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", `{"password":"`+hunter+`"}`)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte(hunter))
	c.GetSecretString("db")
	c.GetSecretBinary("bin")
	calls, entries := f.calls.Load(), c.Len()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"GetSecretStringWithContext", func() error { _, err := c.GetSecretStringWithContext(ctx, "db"); return err }},
		{"GetSecretStringWithStageWithContext", func() error {
			_, err := c.GetSecretStringWithStageWithContext(ctx, "db", "AWSCURRENT")
			return err
		}},
		{"GetSecretBinaryWithContext", func() error { _, err := c.GetSecretBinaryWithContext(ctx, "bin"); return err }},
		{"GetSecretJSON", func() error { return c.GetSecretJSON(ctx, "db", new(any)) }},
		{"GetVersion", func() error { _, err := c.GetVersion(ctx, "db", ""); return err }},
		{"GetSecretStringVersion", func() error { _, _, err := c.GetSecretStringVersion(ctx, "db", ""); return err }},
	} {
		if err := tt.call(); err != nil {
			t.Errorf("%s on a cached secret with a done context: got %v, want the hit", tt.name, err)
		}
	}
	if _, err := c.GetSecretStringWithContext(ctx, "uncached"); !errors.Is(err, context.Canceled) {
		t.Errorf("a miss with a done context: got %v, want context.Canceled", err)
	}
	if f.calls.Load() != calls || c.Len() != entries {
		t.Errorf("calls with a done context called or cached: calls %d → %d, entries %d → %d", calls, f.calls.Load(), entries, c.Len())
	}
}

// junkHook is a CacheHook whose methods do what put and get say.
type junkHook struct{ put, get func(any) any }

func (h junkHook) Put(d interface{}) interface{} { return h.put(d) }
func (h junkHook) Get(d interface{}) interface{} { return h.get(d) }

// TestReviewHookJunkIsAnError: whatever a hook returns or panics with, on
// whichever path it runs (a miss, Refresh, Prefetch, a read of an expired
// value with its background refresh), the caller gets an error where the
// hook failed, never a crash, and the error does not quote the secret.
// Refresh and Prefetch report only what Put did: they never call Get.
func TestReviewHookJunkIsAnError(t *testing.T) {
	t.Parallel()
	id := func(d any) any { return d }
	hooks := []struct {
		name     string
		hook     junkHook
		putFails bool
	}{
		{"Put returns nil", junkHook{func(any) any { return nil }, id}, false},
		{"Put returns a typed nil", junkHook{func(any) any { return (*secretsmanager.GetSecretValueOutput)(nil) }, id}, false},
		{"Put returns an error", junkHook{func(any) any { return errors.New("cannot seal") }, id}, true},
		{"Put panics with the secret", junkHook{func(d any) any { panic("cannot seal " + hunter) }, id}, true},
		{"Put panics with an error", junkHook{func(d any) any { panic(fmt.Errorf("cannot seal %s", hunter)) }, id}, true},
		{"Put panics with the output", junkHook{func(d any) any { panic(d) }, id}, true},
		{"Get returns nil", junkHook{id, func(any) any { return nil }}, false},
		{"Get returns a string", junkHook{id, func(any) any { return hunter }}, false},
		{"Get returns the output by value", junkHook{id, func(d any) any { return *d.(*secretsmanager.GetSecretValueOutput) }}, false},
		{"Get returns an empty output", junkHook{id, func(any) any { return &secretsmanager.GetSecretValueOutput{} }}, false},
		{"Get panics with the secret", junkHook{id, func(any) any { panic(hunter) }}, false},
		{"Get panics with the output", junkHook{id, func(d any) any { panic(d) }}, false},
	}
	for _, h := range hooks {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			c, f, clk := newTestCache(t, func(c *Cache) { c.Hook = h.hook; c.CacheItemTTL = int64(time.Minute) })
			f.put("db", "AWSCURRENT", "v1", hunter)
			check := func(what string, err error, wantErr bool) {
				t.Helper()
				if (err != nil) != wantErr {
					t.Errorf("%s: got error %v, want an error: %v", what, err, wantErr)
				}
				if err == nil {
					return
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
					if strings.Contains(s, hunter) {
						t.Errorf("%s: the error reveals the secret: %s", what, s)
					}
				}
			}
			_, err := c.GetSecretString("db")
			check("miss", err, true)
			_, err = c.Refresh(context.Background(), "db", "")
			check("Refresh", err, h.putFails)
			check("Prefetch", c.Prefetch(context.Background(), "db"), h.putFails)
			clk.Advance(time.Minute) // a background refresh, if anything is cached
			_, err = c.GetSecretString("db")
			check("read after the TTL", err, true)
			_, err = c.GetSecretBinary("db")
			check("GetSecretBinary", err, true)
		})
	}
}

// TestReviewHookErrorIsNotQuoted: a hook's panic value is kept out of the
// error text because "it may hold the secret"; an error value the hook
// returns may hold it just as well (a failing cipher or encoder quoting its
// input), and the package promises that no error contains a secret value.
func TestReviewHookErrorIsNotQuoted(t *testing.T) {
	t.Parallel()
	hook := junkHook{func(d any) any {
		return fmt.Errorf("cannot seal %q", aws.ToString(d.(*secretsmanager.GetSecretValueOutput).SecretString))
	}, func(d any) any { return d }}
	var buf bytes.Buffer
	var mu sync.Mutex
	c, f, _ := newTestCache(t, func(c *Cache) {
		c.Hook = hook
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	})
	f.put("db", "AWSCURRENT", "v1", hunter)
	_, err := c.GetSecretString("db")
	var he *HookError
	if !errors.As(err, &he) {
		t.Fatalf("got %v, want a *HookError", err)
	}
	if strings.Contains(err.Error(), hunter) {
		t.Errorf("the error reveals the secret: %s", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(buf.String(), hunter) {
		t.Errorf("the log reveals the secret: %s", buf.String())
	}
}

// panicHandler is a slog.Handler that panics, in Enabled or in Handle.
type panicHandler struct{ inEnabled bool }

func (h panicHandler) Enabled(context.Context, slog.Level) bool {
	if h.inEnabled {
		panic("Enabled " + hunter)
	}
	return true
}
func (h panicHandler) Handle(context.Context, slog.Record) error { panic("Handle " + hunter) }
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h panicHandler) WithGroup(string) slog.Handler             { return h }

// TestReviewPanickingLoggerCrashesNothing: a Logger whose handler panics
// is called on the cache's own goroutines (background refreshes, scheduled
// forced refreshes); the process must survive and the cache keep working.
func TestReviewPanickingLoggerCrashesNothing(t *testing.T) {
	t.Parallel()
	for _, inEnabled := range []bool{false, true} {
		t.Run(fmt.Sprint("in Enabled: ", inEnabled), func(t *testing.T) {
			t.Parallel()
			c, f, clk := newTestCache(t, func(c *Cache) {
				c.Logger = slog.New(panicHandler{inEnabled})
				c.CacheItemTTL = int64(time.Minute)
			})
			f.put("db", "AWSCURRENT", "v1", "good")
			if _, err := c.GetSecretString("db"); err != nil {
				t.Fatal(err)
			}
			f.fail(errOutage)
			clk.Advance(time.Minute)
			c.GetSecretString("db") // a background refresh that fails and logs
			eventually(t, "the failure is counted", func() bool { return c.Stats().LoadErrors == 1 })
			f.fail(nil)
			go c.Refresh(context.Background(), "db", "") // a forced fetch: recovers and logs
			eventually(t, "the recovery", func() bool { return f.calls.Load() == 3 })
			eventually(t, "the value is fresh again", func() bool { return !c.inFlight("db", "") })
			if got, err := c.GetSecretString("db"); err != nil || got != "good" {
				t.Errorf("after a panicking logger: got %q, %v", got, err)
			}
		})
	}
}

// TestReviewExtremeDurations runs a cache at each extreme of every duration
// setting. Nothing may crash, hang beyond its context, or turn "never" into
// "always".
func TestReviewExtremeDurations(t *testing.T) {
	t.Parallel()
	t.Run("CacheItemTTL 1ns", func(t *testing.T) {
		t.Parallel()
		for _, syncRefresh := range []bool{false, true} {
			c, f, clk := newTestCache(t, func(c *Cache) { c.CacheItemTTL = 1; c.SynchronousRefresh = syncRefresh })
			f.put("db", "AWSCURRENT", "v1", "old")
			c.GetSecretString("db")
			f.put("db", "AWSCURRENT", "v2", "new")
			clk.Advance(time.Millisecond)
			if syncRefresh {
				if got, _ := c.GetSecretString("db"); got != "new" {
					t.Errorf("synchronous, TTL 1ns: got %q, want new", got)
				}
			} else {
				eventually(t, "the background refresh brings v2", func() bool {
					got, _ := c.GetSecretString("db")
					clk.Advance(time.Millisecond)
					return got == "new"
				})
			}
		}
	})
	t.Run("MinRefreshInterval 1ns", func(t *testing.T) {
		t.Parallel()
		c, f, clk := newTestCache(t, func(c *Cache) { c.MinRefreshInterval = 1 })
		f.put("db", "AWSCURRENT", "v1", "value")
		for i := range 10 {
			clk.Advance(time.Nanosecond)
			if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
				t.Fatal(err)
			}
			if n := f.calls.Load(); n != int64(i+1) {
				t.Fatalf("after %d refreshes 1ns apart: %d calls", i+1, n)
			}
		}
	})
	t.Run("MinRefreshInterval max", func(t *testing.T) {
		t.Parallel()
		c, f, _ := newTestCache(t, func(c *Cache) { c.MinRefreshInterval = math.MaxInt64 })
		f.put("db", "AWSCURRENT", "v1", "value")
		if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := c.Refresh(ctx, "db", ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second Refresh within an endless interval: got %v, want its context's error", err)
		}
		waiting := make(chan error, 1)
		go func() { _, err := c.Refresh(context.Background(), "db", ""); waiting <- err }()
		eventually(t, "the third Refresh waits", func() bool { return c.Stats().RefreshesDelayed == 2 })
		c.Close()
		if err := <-waiting; !errors.Is(err, ErrClosed) {
			t.Errorf("Refresh waiting across Close: got %v, want ErrClosed", err)
		}
		if n := f.calls.Load(); n != 1 {
			t.Errorf("calls: got %d, want 1", n)
		}
	})
	t.Run("retry delays max", func(t *testing.T) {
		t.Parallel()
		c, f, clk := newTestCache(t, func(c *Cache) { c.RetryBaseDelay = math.MaxInt64; c.RetryMaxDelay = math.MaxInt64 })
		f.fail(errOutage)
		for range 3 {
			if _, err := c.GetSecretString("db"); !errors.Is(err, errOutage) {
				t.Fatalf("got %v, want errOutage", err)
			}
			clk.Advance(40 * 365 * 24 * time.Hour) // 120 years in all: the delay is at least MaxInt64/2, 146 years
		}
		if n := f.calls.Load(); n != 1 {
			t.Errorf("calls with an endless retry delay: got %d, want 1", n)
		}
		f.fail(nil)
		f.put("db", "AWSCURRENT", "v1", "value")
		if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
			t.Errorf("Refresh bypasses the retry delay: got %v", err)
		}
	})
	t.Run("retry delays 1ns", func(t *testing.T) {
		t.Parallel()
		c, f, clk := newTestCache(t, func(c *Cache) { c.RetryBaseDelay = 1; c.RetryMaxDelay = 1 })
		f.fail(errOutage)
		for i := range 5 {
			c.GetSecretString("db")
			clk.Advance(time.Nanosecond)
			if n := f.calls.Load(); n != int64(i+1) {
				t.Fatalf("after %d reads 1ns apart: %d calls", i+1, n)
			}
		}
	})
}

// TestReviewRetryBaseDelayAlone: the CacheConfig documentation says of
// RetryBaseDelay only "negative is invalid". Setting it above the default
// RetryMaxDelay, without setting RetryMaxDelay, is a valid configuration by
// that text.
func TestReviewRetryBaseDelayAlone(t *testing.T) {
	t.Parallel()
	c, err := New(func(c *Cache) { c.Client = newFake(); c.RetryBaseDelay = 10 * time.Minute })
	if err != nil {
		t.Fatalf("New with RetryBaseDelay 10m and the default RetryMaxDelay: %v", err)
	}
	c.Close()
}

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

// TestReviewConcurrentCloseStopsEverything closes, from many goroutines at
// once, a cache with every kind of work pending: misses in the caller's
// goroutine and in the cache's, a background refresh, a synchronous one,
// a forced refresh in flight and one scheduled by the rate limit, and a
// Prefetch batch. Each Close must return only when no client call is
// running; then every caller returns and every goroutine the cache started
// is gone. Later calls fail with ErrClosed and call nothing.
func TestReviewConcurrentCloseStopsEverything(t *testing.T) {
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

// TestReviewCloseDuringFetchesWithLogger closes a cache while failing
// fetches log: Close must not wait for, nor race with, logging.
func TestReviewCloseDuringFetchesWithLogger(t *testing.T) {
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

// orderedBatchClient answers BatchGetSecretValue with entries in the order
// it is given, whatever was asked: the service does not promise an order.
type orderedBatchClient struct {
	SecretsManagerAPIClient
	entries []*secretsmanager.GetSecretValueOutput
}

func (o orderedBatchClient) BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, e := range o.entries {
		out.SecretValues = append(out.SecretValues, types.SecretValueEntry{ARN: e.ARN, Name: e.Name,
			VersionId: e.VersionId, VersionStages: e.VersionStages, SecretString: e.SecretString})
	}
	return out, nil
}

func (o orderedBatchClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	for _, e := range o.entries {
		if aws.ToString(e.ARN) == aws.ToString(in.SecretId) || aws.ToString(e.Name) == aws.ToString(in.SecretId) {
			return e, nil
		}
	}
	return nil, errOutage
}

// TestReviewPrefetchNeverCachesAnotherSecret: secret "db" has the full ARN
// …:secret:db-AbCdEf; another secret is named "db-AbCdEf" (a name AWS
// allows), so its ARN is …:secret:db-AbCdEf-XyZ123, which looks like a
// full ARN whose partial form is db's full ARN. Prefetching both, with the
// other secret's entry first in the answer, must still cache each secret's
// own value under its own ID: an exact match wins over a partial one.
func TestReviewPrefetchNeverCachesAnotherSecret(t *testing.T) {
	t.Parallel()
	const prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	db := &secretsmanager.GetSecretValueOutput{ARN: aws.String(prefix + "db-AbCdEf"), Name: aws.String("db"),
		VersionId: aws.String("v1"), VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("db-value")}
	other := &secretsmanager.GetSecretValueOutput{ARN: aws.String(prefix + "db-AbCdEf-XyZ123"), Name: aws.String("db-AbCdEf"),
		VersionId: aws.String("v1"), VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("other-value")}
	c, _, _ := newTestCache(t, func(c *Cache) {
		c.Client = orderedBatchClient{entries: []*secretsmanager.GetSecretValueOutput{other, db}}
	})
	if err := c.Prefetch(context.Background(), prefix+"db-AbCdEf", "db-AbCdEf"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetSecretString(prefix + "db-AbCdEf"); got != "db-value" {
		t.Errorf("db, by its full ARN: got %q, want db-value", got)
	}
	if got, _ := c.GetSecretString("db-AbCdEf"); got != "other-value" {
		t.Errorf("db-AbCdEf, by name: got %q, want other-value", got)
	}
}

// TestReviewCallerMutationsStayWithTheCaller: what a getter returns is the
// caller's: changing it does not change the cache.
func TestReviewCallerMutationsStayWithTheCaller(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte("binary"))
	b, _ := c.GetSecretBinary("bin")
	clear(b)
	v, _ := c.GetVersion(context.Background(), "bin", "")
	v.Stages[0] = "CHANGED"
	if got, _ := c.GetSecretBinary("bin"); string(got) != "binary" {
		t.Errorf("GetSecretBinary after the caller cleared its copy: got %q", got)
	}
	if v, _ := c.GetVersion(context.Background(), "bin", ""); v.Stages[0] != "AWSCURRENT" {
		t.Errorf("GetVersion after the caller changed its copy: got %q", v.Stages)
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

// TestReviewCloseUnderChurn closes, from several goroutines, caches in the
// middle of churn — misses, background and synchronous refreshes, forced
// refreshes with rate-limit timers firing, Prefetch batches, evictions —
// many times over. Every Close must return only once no client call runs,
// nothing may panic, and in the end every goroutine is gone.
func TestReviewCloseUnderChurn(t *testing.T) {
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

// hangingClient never answers: it returns only when its context ends, or,
// if ignoreCtx, never (until released).
type hangingClient struct {
	SecretsManagerAPIClient
	ignoreCtx bool
	release   chan struct{}
	calls     atomic.Int64
}

func (h *hangingClient) GetSecretValue(ctx context.Context, _ *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	h.calls.Add(1)
	if h.ignoreCtx {
		<-h.release
		return nil, errOutage
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestReviewHangingClient: FetchTimeout bounds a fetch for callers without
// a deadline, and a caller's context bounds its wait even when the client
// ignores contexts; the key is usable again afterwards.
func TestReviewHangingClient(t *testing.T) {
	t.Parallel()
	t.Run("honours its context", func(t *testing.T) {
		t.Parallel()
		h := &hangingClient{}
		c, _, _ := newTestCache(t, func(c *Cache) { c.Client = h; c.FetchTimeout = 50 * time.Millisecond })
		start := time.Now()
		if _, err := c.GetSecretString("db"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want DeadlineExceeded from FetchTimeout", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("GetSecretString took %v with FetchTimeout 50ms", took)
		}
	})
	t.Run("ignores its context", func(t *testing.T) {
		t.Parallel()
		h := &hangingClient{ignoreCtx: true, release: make(chan struct{})}
		c, _, _ := newTestCache(t, func(c *Cache) { c.Client = h; c.FetchTimeout = 50 * time.Millisecond })
		defer close(h.release) // before Close, which waits for the fetch
		for range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			_, err := c.GetSecretStringWithContext(ctx, "db")
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want the caller's DeadlineExceeded", err)
			}
		}
		if n := h.calls.Load(); n != 1 {
			t.Errorf("calls: got %d, want 1: later callers join the hung fetch", n)
		}
	})
}
