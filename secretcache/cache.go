package secretcache

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// Cache is an in-process cache of AWS Secrets Manager secrets. Build one per
// process with New and share it; all methods are safe for concurrent use.
type Cache struct {
	CacheConfig

	// Client is the Secrets Manager client the cache calls. New builds one
	// from the standard AWS configuration when it is nil.
	Client SecretsManagerAPIClient

	cfg    settings // resolved from CacheConfig by New; read-only after
	clock  clock
	ix     *index
	flight singleflight.Group
	slots  atomic.Uint64 // numbers slots, for their singleflight keys
	stats  stats

	ctx    context.Context // the context of every fetch; cancelled by Close
	cancel context.CancelFunc

	mu     sync.Mutex     // orders wg.Add against Close
	closed atomic.Bool    // set under mu by Close
	wg     sync.WaitGroup // counts the goroutines and fetches the cache runs
}

// New returns a Cache configured by optFns, which may set Client and any
// CacheConfig field; fields they leave zero take their defaults. Without a
// Client, New loads the default AWS configuration (environment, shared files,
// IRSA, instance role). A negative size, TTL or delay is an
// *InvalidConfigError.
func New(optFns ...func(*Cache)) (*Cache, error) {
	c := &Cache{CacheConfig: CacheConfig{
		MaxCacheSize: DefaultMaxCacheSize,
		CacheItemTTL: DefaultCacheItemTTL,
		VersionStage: DefaultVersionStage,
	}}
	for _, fn := range optFns {
		fn(c)
	}
	cfg, err := c.CacheConfig.resolve()
	if err != nil {
		return nil, err
	}
	if c.Client == nil {
		client, err := defaultClient(context.Background())
		if err != nil {
			return nil, err
		}
		c.Client = client
	}
	c.cfg = cfg
	c.clock = realClock{}
	c.ix = newIndex(cfg.maxSize)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// GetSecretString returns the SecretString of the configured VersionStage
// (AWSCURRENT by default) of the secret secretId, a name or an ARN.
func (c *Cache) GetSecretString(secretId string) (string, error) {
	return c.GetSecretStringWithStageWithContext(context.Background(), secretId, "")
}

// GetSecretStringWithContext is GetSecretString with a context that bounds
// how long the caller waits for a fetch; see the package documentation.
func (c *Cache) GetSecretStringWithContext(ctx context.Context, secretId string) (string, error) {
	return c.GetSecretStringWithStageWithContext(ctx, secretId, "")
}

// GetSecretStringWithStage returns the SecretString of the version of
// secretId labelled versionStage. Each stage is cached on its own.
func (c *Cache) GetSecretStringWithStage(secretId, versionStage string) (string, error) {
	return c.GetSecretStringWithStageWithContext(context.Background(), secretId, versionStage)
}

// GetSecretStringWithStageWithContext is GetSecretStringWithStage with a
// context. An empty versionStage means the configured one. A version that
// holds only SecretBinary is an *InvalidOperationError.
func (c *Cache) GetSecretStringWithStageWithContext(ctx context.Context, secretId, versionStage string) (string, error) {
	v, err := c.get(ctx, secretId, versionStage)
	if err != nil {
		return "", err
	}
	str := v.str
	if c.cfg.hook != nil {
		if str, _, err = c.open(secretId, v); err != nil {
			return "", err
		}
	}
	if str == nil {
		return "", errNoField(secretId, "SecretString")
	}
	return *str, nil
}

// GetSecretBinary returns a copy of the SecretBinary of the configured
// VersionStage of secretId.
func (c *Cache) GetSecretBinary(secretId string) ([]byte, error) {
	return c.GetSecretBinaryWithStageWithContext(context.Background(), secretId, "")
}

// GetSecretBinaryWithContext is GetSecretBinary with a context.
func (c *Cache) GetSecretBinaryWithContext(ctx context.Context, secretId string) ([]byte, error) {
	return c.GetSecretBinaryWithStageWithContext(ctx, secretId, "")
}

// GetSecretBinaryWithStage returns a copy of the SecretBinary of the version
// of secretId labelled versionStage.
func (c *Cache) GetSecretBinaryWithStage(secretId, versionStage string) ([]byte, error) {
	return c.GetSecretBinaryWithStageWithContext(context.Background(), secretId, versionStage)
}

// GetSecretBinaryWithStageWithContext is GetSecretBinaryWithStage with a
// context. The result is a copy the caller may modify. A version that holds
// only SecretString is an *InvalidOperationError.
func (c *Cache) GetSecretBinaryWithStageWithContext(ctx context.Context, secretId, versionStage string) ([]byte, error) {
	v, err := c.get(ctx, secretId, versionStage)
	if err != nil {
		return nil, err
	}
	_, bin, err := c.open(secretId, v)
	if err != nil {
		return nil, err
	}
	if bin == nil {
		return nil, errNoField(secretId, "SecretBinary")
	}
	return slices.Clone(bin), nil
}

// get is the read path. A hit costs one atomic load of the index, a map
// lookup and three atomic loads of words that only change on slow paths, so
// concurrent hits share no written cache line. The first hit on an item after
// the index's epoch moves takes the slow path once, to mark the item used.
func (c *Cache) get(ctx context.Context, id, stage string) (*value, error) {
	if it := c.ix.load(id); it != nil {
		if s := it.slot(stage, c.cfg.stage); s != nil {
			v := s.val.Load()
			if v != nil && s.state.Load() == 0 && it.seen.Load() == c.ix.epoch.Load() {
				c.stats.hits.add()
				return v, nil
			}
		}
	}
	return c.getSlow(ctx, id, stage)
}

// getSlow handles everything but a plain hit: a closed cache, bad input, a
// first use since an insert, a stale value, and a miss.
func (c *Cache) getSlow(ctx context.Context, id, stage string) (*value, error) {
	s, err := c.slotFor(id, stage)
	if err != nil {
		return nil, err
	}
	if v := s.val.Load(); v != nil {
		c.stats.hits.add()
		st := s.state.Load()
		if st&stateStale != 0 {
			return c.serveStale(ctx, s, v)
		}
		if st&stateFailing != 0 {
			c.stats.staleServed.Add(1)
		}
		return v, nil
	}
	c.stats.misses.Add(1)
	if err := s.remembered(c.clock.Now()); err != nil {
		return nil, err
	}
	return c.wait(ctx, s)
}

// slotFor returns the slot for (id, stage), creating it, and marks the item
// used for the LRU list.
func (c *Cache) slotFor(id, stage string) (*slot, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if id == "" {
		return nil, errEmptyID()
	}
	it := c.ix.load(id)
	switch {
	case it == nil || it.gone.Load():
		var evicted []*item
		it, evicted = c.ix.add(id, func() *item { return newItem(c, id) })
		for _, e := range evicted {
			e.retire()
			c.stats.evictions.Add(1)
		}
	default:
		it.used(c.ix.epoch.Load())
	}
	return it.slotFor(c, stage), nil
}

// serveStale answers a hit on an expired value: at once, while a background
// refresh runs, or, with SynchronousRefresh, after the refresh, falling back
// to the old value if it fails.
func (c *Cache) serveStale(ctx context.Context, s *slot, old *value) (*value, error) {
	if !c.cfg.syncRefresh {
		c.stats.staleServed.Add(1)
		c.startRefresh(s)
		return old, nil
	}
	v, err := c.wait(ctx, s)
	if err == nil {
		return v, nil
	}
	if ctx.Err() != nil || c.closed.Load() {
		return nil, err
	}
	c.stats.staleServed.Add(1)
	return old, nil
}

// RefreshNow fetches the configured stage of secretId now, without waiting
// for its TTL, and returns nil if the fetch succeeded. Concurrent calls share
// one fetch, and calls within MinRefreshInterval (1 s by default) of the last
// fetch RefreshNow started for the same secret share that fetch's outcome
// instead of calling the service again, so that a burst of callers reacting
// to the same failure costs one call. A failed fetch leaves the cached value
// in place.
func (c *Cache) RefreshNow(secretId string) error {
	return c.RefreshNowWithContext(context.Background(), secretId)
}

// RefreshNowWithContext is RefreshNow with a context that bounds how long the
// caller waits; the fetch itself goes on for the other callers.
func (c *Cache) RefreshNowWithContext(ctx context.Context, secretId string) error {
	_, err := c.Refresh(ctx, secretId, "")
	return err
}

// Refresh fetches the version of secretID labelled stage (the configured
// stage if empty) now, rate-limited as RefreshNow, and returns what is cached
// afterwards. Comparing VersionID with the one before tells whether the
// secret changed.
func (c *Cache) Refresh(ctx context.Context, secretID, stage string) (Version, error) {
	s, err := c.slotFor(secretID, stage)
	if err != nil {
		return Version{}, err
	}
	if err := c.force(ctx, s); err != nil {
		return Version{}, err
	}
	v := s.val.Load()
	if v == nil { // a successful fetch stores a value; this is defensive
		return Version{}, fmt.Errorf("secretcache: secret %q (stage %s) has no cached value", secretID, s.stage)
	}
	return v.meta.clone(), nil
}

// GetSecretStringVersion returns the SecretString of the version of secretID
// labelled stage (the configured stage if empty) together with that
// version's metadata, both read from the same cached value, so that the
// string always belongs to the VersionID returned with it. Comparing
// VersionIDs, rather than keeping secret strings around to compare, tells a
// caller whether the secret changed.
func (c *Cache) GetSecretStringVersion(ctx context.Context, secretID, stage string) (string, Version, error) {
	v, err := c.get(ctx, secretID, stage)
	if err != nil {
		return "", Version{}, err
	}
	str := v.str
	if c.cfg.hook != nil {
		if str, _, err = c.open(secretID, v); err != nil {
			return "", Version{}, err
		}
	}
	if str == nil {
		return "", Version{}, errNoField(secretID, "SecretString")
	}
	return *str, v.meta.clone(), nil
}

// GetVersion returns the metadata of the cached version of secretID labelled
// stage (the configured stage if empty), fetching it on a miss.
func (c *Cache) GetVersion(ctx context.Context, secretID, stage string) (Version, error) {
	v, err := c.get(ctx, secretID, stage)
	if err != nil {
		return Version{}, err
	}
	return v.meta.clone(), nil
}

func (m Version) clone() Version {
	m.Stages = slices.Clone(m.Stages)
	return m
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	return c.stats.snapshot()
}

// Len returns the number of secrets in the cache.
func (c *Cache) Len() int {
	return c.ix.len()
}

// Close stops the cache's timers and background refreshes, cancels fetches
// in flight and waits for them to end. Later calls return ErrClosed. Close is
// idempotent and always returns nil.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil
	}
	c.closed.Store(true)
	c.mu.Unlock()
	c.cancel()
	for _, it := range c.ix.all() {
		it.retire()
	}
	c.wg.Wait()
	return nil
}

// enter registers a goroutine or fetch with wg unless the cache is closed.
// Taking mu orders every successful Add before Close's Wait.
func (c *Cache) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.wg.Add(1)
	return true
}

// String describes c by its size and configured stage. It exists so that
// printing a *Cache with %v never walks its internals, which hold secrets and
// change under concurrent use.
func (c *Cache) String() string {
	return fmt.Sprintf("secretcache.Cache{secrets: %d, stage: %s}", c.Len(), c.cfg.stage)
}

// GoString is String, for %#v.
func (c *Cache) GoString() string { return c.String() }
