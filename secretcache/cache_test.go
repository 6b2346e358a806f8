package secretcache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const hunter = "hunter2-do-not-print"

func TestGetSecretStringHitMakesNoCall(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	for i := range 100 {
		got, err := c.GetSecretString("db")
		if err != nil || got != hunter {
			t.Fatalf("call %d: got %q, %v; want the secret, nil", i, got, err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("GetSecretValue calls: got %d, want 1", n)
	}
	st := c.Stats()
	if st.Hits != 99 || st.Misses != 1 || st.Loads != 1 {
		t.Errorf("stats: got %+v, want 99 hits, 1 miss, 1 load", st)
	}
}

func TestConcurrentMissSharesOneCall(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	release := f.hold()
	const callers = 1000
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.GetSecretString("db")
			if err == nil && got != hunter {
				err = errors.New("wrong value")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	eventually(t, "1000 callers miss", func() bool { return c.Stats().Misses == callers })
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("GetSecretValue calls: got %d, want 1", n)
	}
}

func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	release := f.hold()
	defer release()

	patient := make(chan error, 1)
	go func() {
		_, err := c.GetSecretString("db")
		patient <- err
	}()
	eventually(t, "the patient caller waits", func() bool { return f.calls.Load() == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	impatient := make(chan error, 1)
	go func() {
		_, err := c.GetSecretStringWithContext(ctx, "db")
		impatient <- err
	}()
	eventually(t, "the impatient caller waits", func() bool { return c.Stats().Misses == 2 })
	cancel()
	if err := <-impatient; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: got %v, want an error matching context.Canceled", err)
	}

	release()
	if err := <-patient; err != nil {
		t.Fatalf("other caller: got %v, want nil", err)
	}
	got, err := c.GetSecretString("db")
	if err != nil || got != hunter {
		t.Fatalf("after cancellation: got %q, %v; want the secret", got, err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("GetSecretValue calls: got %d, want 1", n)
	}
}

func TestDeadContextMakesNoCall(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetSecretStringWithContext(ctx, "db"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("GetSecretValue calls: got %d, want 0", n)
	}
}

func TestHitDoesNotAllocate(t *testing.T) {
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	if _, err := c.GetSecretString("db"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.GetSecretString("db") // settle the index snapshot and LRU epoch
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := c.GetSecretString("db"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("allocations per hit: got %v, want 0", allocs)
	}
}

func TestVersionStage(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, func(c *Cache) { c.VersionStage = "AWSPREVIOUS" })
	f.put("db", "AWSCURRENT", "v2", "current")
	f.put("db", "AWSPREVIOUS", "v1", "previous")
	f.put("db", "AWSPENDING", "v3", "pending")
	f.put("db", "custom", "v4", "custom-label")

	tests := []struct {
		name string
		get  func() (string, error)
		want string
	}{
		{"configured stage", func() (string, error) { return c.GetSecretString("db") }, "previous"},
		{"configured stage with context", func() (string, error) { return c.GetSecretStringWithContext(context.Background(), "db") }, "previous"},
		{"empty stage means configured", func() (string, error) { return c.GetSecretStringWithStage("db", "") }, "previous"},
		{"AWSCURRENT", func() (string, error) { return c.GetSecretStringWithStage("db", "AWSCURRENT") }, "current"},
		{"AWSPENDING", func() (string, error) { return c.GetSecretStringWithStage("db", "AWSPENDING") }, "pending"},
		{"custom label", func() (string, error) { return c.GetSecretStringWithStage("db", "custom") }, "custom-label"},
	}
	for _, tt := range tests {
		got, err := tt.get()
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	// Each stage is its own key: a second round is all hits.
	before := f.calls.Load()
	for _, tt := range tests {
		tt.get()
	}
	if after := f.calls.Load(); after != before {
		t.Errorf("second round: got %d calls, want 0", after-before)
	}
	if before != 4 {
		t.Errorf("first round: got %d calls, want 4 (one per stage)", before)
	}
}

func TestMissingStageIsVersionNotFound(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	_, err := c.GetSecretStringWithStage("db", "AWSPENDING")
	var vnf *VersionNotFoundError
	if !errors.As(err, &vnf) {
		t.Fatalf("got %v, want *VersionNotFoundError", err)
	}
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("got %v, want the SDK's *types.ResourceNotFoundException reachable", err)
	}
}

func TestBinarySecrets(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.putBinary("key", "AWSCURRENT", "v1", []byte{1, 2, 3})
	f.put("text", "AWSCURRENT", "v1", hunter)

	got, err := c.GetSecretBinary("key")
	if err != nil || string(got) != "\x01\x02\x03" {
		t.Fatalf("GetSecretBinary: got %v, %v", got, err)
	}
	got[0] = 9 // the caller's copy: must not reach the cache
	again, _ := c.GetSecretBinaryWithContext(context.Background(), "key")
	if again[0] != 1 {
		t.Errorf("cached binary changed through a returned slice: got %v", again)
	}

	var op *InvalidOperationError
	if _, err := c.GetSecretString("key"); !errors.As(err, &op) {
		t.Errorf("GetSecretString on a binary secret: got %v, want *InvalidOperationError", err)
	}
	if _, err := c.GetSecretBinaryWithStage("text", "AWSCURRENT"); !errors.As(err, &op) {
		t.Errorf("GetSecretBinary on a string secret: got %v, want *InvalidOperationError", err)
	} else if strings.Contains(err.Error(), hunter) {
		t.Errorf("error reveals the secret: %v", err)
	}
}

func TestEmptySecretID(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	calls := []struct {
		name string
		call func() error
	}{
		{"GetSecretString", func() error { _, err := c.GetSecretString(""); return err }},
		{"GetSecretBinary", func() error { _, err := c.GetSecretBinary(""); return err }},
		{"RefreshNow", func() error { return c.refreshNowErr("") }},
		{"GetVersion", func() error { _, err := c.GetVersion(context.Background(), "", ""); return err }},
		{"Prefetch", func() error { return c.Prefetch(context.Background(), "") }},
	}
	for _, tt := range calls {
		var op *InvalidOperationError
		if err := tt.call(); !errors.As(err, &op) {
			t.Errorf("%s(\"\"): got %v, want *InvalidOperationError", tt.name, err)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("GetSecretValue calls: got %d, want 0", n)
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  func(*Cache)
	}{
		{"negative size", func(c *Cache) { c.MaxCacheSize = -1 }},
		{"negative TTL", func(c *Cache) { c.CacheItemTTL = -1 }},
		{"negative retry base", func(c *Cache) { c.RetryBaseDelay = -1 }},
		{"negative retry max", func(c *Cache) { c.RetryMaxDelay = -1 }},
		{"negative refresh interval", func(c *Cache) { c.MinRefreshInterval = -1 }},
		{"negative fetch timeout", func(c *Cache) { c.FetchTimeout = -1 }},
		{"max below base", func(c *Cache) { c.RetryBaseDelay = 10; c.RetryMaxDelay = 5 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(func(c *Cache) { c.Client = newFake() }, tt.opt)
			var ice *InvalidConfigError
			if !errors.As(err, &ice) || c != nil {
				t.Fatalf("New: got %v, %v; want nil, *InvalidConfigError", c, err)
			}
		})
	}
}

func TestZeroConfigMeansDefaults(t *testing.T) {
	t.Parallel()
	c, err := New(func(c *Cache) {
		c.Client = newFake()
		c.CacheConfig = CacheConfig{}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := settings{maxSize: DefaultMaxCacheSize, ttl: time.Duration(DefaultCacheItemTTL), stage: DefaultVersionStage,
		retryBase: DefaultRetryBaseDelay, retryMax: DefaultRetryMaxDelay, minRefresh: DefaultMinRefreshInterval,
		fetchTimeout: DefaultFetchTimeout, tick: time.Second}
	if c.cfg != want {
		t.Errorf("settings: got %+v, want %+v", c.cfg, want)
	}
}

func TestNewSeesDefaultsInOptions(t *testing.T) {
	t.Parallel()
	// AWS's library fills CacheConfig before running options; code that
	// reads a field in an option must see the default.
	var seen CacheConfig
	c, err := New(func(c *Cache) { c.Client = newFake(); seen = c.CacheConfig })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if seen.MaxCacheSize != DefaultMaxCacheSize || seen.CacheItemTTL != DefaultCacheItemTTL || seen.VersionStage != DefaultVersionStage {
		t.Errorf("config seen by option: got %+v", seen)
	}
}

func TestSecretNeverFormatted(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	if _, err := c.GetSecretString("db"); err != nil {
		t.Fatal(err)
	}
	v, _ := c.GetVersion(context.Background(), "db", "")
	for _, s := range []string{
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprintf("%v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%+v", c.Stats()),
	} {
		if strings.Contains(s, hunter) {
			t.Fatalf("formatted value reveals the secret: %s", s)
		}
	}
}

func TestGetVersion(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	v, err := c.GetVersion(context.Background(), "db", "")
	if err != nil {
		t.Fatal(err)
	}
	if v.VersionID != "v1" || v.Name != "db" || len(v.Stages) != 1 || v.Stages[0] != "AWSCURRENT" || v.CreatedDate.IsZero() {
		t.Errorf("got %+v, want version v1 of db labelled AWSCURRENT", v)
	}
	v.Stages[0] = "mutated"
	again, _ := c.GetVersion(context.Background(), "db", "AWSCURRENT")
	if again.Stages[0] != "AWSCURRENT" {
		t.Errorf("cached stages changed through a returned slice: %v", again.Stages)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("GetSecretValue calls: got %d, want 1", n)
	}
}

func TestSDKErrorReachable(t *testing.T) {
	t.Parallel()
	c, _, _ := newTestCache(t, nil)
	_, err := c.GetSecretString("missing")
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("got %v, want *types.ResourceNotFoundException reachable", err)
	}
	if !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("error does not name the secret: %v", err)
	}
}

// sdkShapedClient implements the six-method interface of AWS's library.
type sdkShapedClient struct{ *fakeClient }

func (sdkShapedClient) CreateSecret(context.Context, *secretsmanager.CreateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error) {
	return nil, nil
}
func (sdkShapedClient) DeleteSecret(context.Context, *secretsmanager.DeleteSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error) {
	return nil, nil
}
func (sdkShapedClient) DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	return nil, nil
}
func (sdkShapedClient) ListSecrets(context.Context, *secretsmanager.ListSecretsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	return nil, nil
}
func (sdkShapedClient) UpdateSecret(context.Context, *secretsmanager.UpdateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error) {
	return nil, nil
}

func TestClientInterfaceFits(t *testing.T) {
	t.Parallel()
	var _ SecretsManagerAPIClient = (*secretsmanager.Client)(nil)
	var _ BatchGetSecretValueAPIClient = (*secretsmanager.Client)(nil)
	f := newFake()
	f.put("db", "AWSCURRENT", "v1", hunter)
	c, err := New(func(c *Cache) { c.Client = sdkShapedClient{f} })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := c.GetSecretString("db"); err != nil || got != hunter {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestGetSecretStringVersion(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", "one")
	s, v, err := c.GetSecretStringVersion(context.Background(), "db", "")
	if err != nil || s != "one" || v.VersionID != "v1" {
		t.Fatalf("got (%q, %q, %v), want (one, v1, nil)", s, v.VersionID, err)
	}
	f.put("db", "AWSCURRENT", "v2", "two")
	if _, err := c.Refresh(context.Background(), "db", ""); err != nil {
		t.Fatal(err)
	}
	s, v, err = c.GetSecretStringVersion(context.Background(), "db", "AWSCURRENT")
	if err != nil || s != "two" || v.VersionID != "v2" {
		t.Fatalf("after refresh got (%q, %q, %v), want (two, v2, nil)", s, v.VersionID, err)
	}
	f.putBinary("bin", "AWSCURRENT", "b1", []byte{1})
	var inv *InvalidOperationError
	if _, _, err := c.GetSecretStringVersion(context.Background(), "bin", ""); !errors.As(err, &inv) {
		t.Fatalf("binary secret: got %v, want *InvalidOperationError", err)
	}
}

// blockingClient holds every call until its context ends, and counts the
// calls still inside GetSecretValue.
type blockingClient struct {
	SecretsManagerAPIClient
	inside atomic.Int64
	calls  atomic.Int64
}

func (b *blockingClient) GetSecretValue(ctx context.Context, _ *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	b.calls.Add(1)
	b.inside.Add(1)
	defer b.inside.Add(-1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestConcurrentCloseWaitsForEverything: every Close, not only the first,
// returns only once no fetch is running: misses, background refreshes and
// forced refreshes, including one waiting on the rate limit.
func TestConcurrentCloseWaitsForEverything(t *testing.T) {
	t.Parallel()
	b := &blockingClient{}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = b })
	errs := make(chan error, 3)
	go func() { _, err := c.GetSecretString("a"); errs <- err }()
	go func() { _, err := c.Refresh(context.Background(), "b", ""); errs <- err }()
	eventually(t, "two fetches are in flight", func() bool { return b.calls.Load() == 2 })
	go func() { _, err := c.Refresh(context.Background(), "b", ""); errs <- err }()
	eventually(t, "a refresh waits on the rate limit", func() bool { return c.Stats().RefreshesDelayed == 1 })

	const closers = 8
	var wg sync.WaitGroup
	for range closers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close()
			if n := b.inside.Load(); n != 0 {
				t.Errorf("Close returned with %d fetches still in the client", n)
			}
		}()
	}
	wg.Wait()
	for range 3 {
		if err := <-errs; !errors.Is(err, ErrClosed) {
			t.Errorf("caller across Close: got %v, want ErrClosed", err)
		}
	}
}

// TestDroppedCacheIsCollected: code written for AWS's library never calls
// Close. A cache it drops must not be kept alive by its own ticker.
func TestDroppedCacheIsCollected(t *testing.T) {
	t.Parallel()
	c, err := New(func(c *Cache) { c.Client = newFake() })
	if err != nil {
		t.Fatal(err)
	}
	tk := c.tk
	c = nil
	eventually(t, "the dropped cache's ticker stops", func() bool {
		runtime.GC()
		tk.mu.Lock()
		defer tk.mu.Unlock()
		return tk.stopped
	})
}
