package secretcache

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Cache is an in-process cache of AWS Secrets Manager secrets. Build one per
// process with New and share it; all methods are safe for concurrent use.
//
// # Locks
//
// No lock is held across a call to the client, a hook or a logger. Locks
// nest only in one order: index.mu, then slot.mu (to mark a slot evicted).
type Cache struct {
	CacheConfig

	// Client is the Secrets Manager client the cache calls. New builds one
	// from the standard AWS configuration when it is nil.
	Client SecretsManagerAPIClient

	cfg    settings // resolved from CacheConfig by New; read-only after
	clock  clock
	ix     *index
	limits *limiter
	seq    atomic.Uint64 // numbers fetches in the order they call the service
	tk     *ticker       // renews the hit path's clock reading: see tickFor
	stats  stats

	ctx    context.Context // the parent of every fetch's context; cancelled by Close
	cancel context.CancelFunc
	fctx   atomic.Pointer[fetchCtx] // the fetch context shared now: see fetchContext

	closed    atomic.Bool // set by Close before it closes work
	work      *gate       // counts the fetches, goroutines and armed timers of the cache
	closeOnce sync.Once
}

// New returns a Cache configured by optFns, which may set Client and any
// CacheConfig field; fields they leave zero take their defaults. Without a
// Client, New loads the default AWS configuration (environment, shared files,
// IRSA, instance role). A negative size, TTL or delay is an
// *InvalidConfigError. New reads the configuration once: changing it later
// has no effect.
func New(optFns ...func(*Cache)) (*Cache, error) {
	return newCache(realClock{}, optFns...)
}

func newCache(clk clock, optFns ...func(*Cache)) (*Cache, error) {
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
	c.clock = clk
	c.ix = newIndex(cfg.maxSize, cfg.stage)
	c.limits = newLimiter(cfg.minRefresh, cfg.maxSize)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.work = newGate()
	c.tk = startTicker(clk, cfg.tick)
	runtime.AddCleanup(c, (*ticker).stop, c.tk) // for a cache dropped without Close
	return c, nil
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
	str, err := c.openString(secretID, v)
	if err != nil {
		return "", Version{}, err
	}
	return str, v.meta.clone(), nil
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

// getString is the read path of the string getters.
func (c *Cache) getString(ctx context.Context, id, stage string) (string, error) {
	v, err := c.get(ctx, id, stage)
	if err != nil {
		return "", err
	}
	return c.openString(id, v)
}

// getBinary is the read path of the binary getters: a slice the caller may
// modify, a copy unless the hook made it for this call (FreshBinaryHook).
func (c *Cache) getBinary(ctx context.Context, id, stage string) ([]byte, error) {
	v, err := c.get(ctx, id, stage)
	if err != nil {
		return nil, err
	}
	_, bin, err := c.open(id, v)
	if err != nil {
		return nil, err
	}
	if bin == nil {
		return nil, errNoField(id, "SecretBinary")
	}
	if c.cfg.freshBinary {
		return bin, nil
	}
	return slices.Clone(bin), nil
}

// openString returns the SecretString held in v.
func (c *Cache) openString(id string, v *value) (string, error) {
	if c.cfg.hook == nil {
		if !v.hasStr {
			return "", errNoField(id, "SecretString")
		}
		return v.str, nil
	}
	str, _, err := c.open(id, v)
	if err != nil {
		return "", err
	}
	if str == nil {
		return "", errNoField(id, "SecretString")
	}
	return *str, nil
}

// get is the read path. A hit costs a sync.Map lookup, two atomic loads and
// a comparison with the clock reading of the last tick; it writes nothing
// shared but a striped counter, and slot.freq while it is below its cap.
func (c *Cache) get(ctx context.Context, id, stage string) (*value, error) {
	s := c.ix.lookup(id, stage)
	if s != nil {
		if v := s.val.Load(); v != nil && c.tk.now.Load() < v.freshUntil {
			s.touch()
			c.stats.hits.add()
			return v, nil
		}
	}
	return c.getSlow(ctx, id, stage, s)
}

// getSlow handles everything but a plain hit: a closed cache, bad input, a
// stale or failing value, and a miss. s is the slot the hit path found, if
// any. A ctx that is already done returns its error before anything
// changes: no entry is created, none evicted.
func (c *Cache) getSlow(ctx context.Context, id, stage string, s *slot) (*value, error) {
	stage = c.stageOf(stage)
	if err := ctx.Err(); err != nil {
		return nil, ctxError(id, stage, err)
	}
	if s == nil {
		var err error
		if s, err = c.insert(id, stage); err != nil {
			return nil, err
		}
	} else if c.closed.Load() {
		return nil, ErrClosed
	}
	now := c.tk.reading() // like the hit path; failures read the clock itself
	if v := s.val.Load(); v != nil {
		s.touch()
		c.stats.hits.add()
		if nanos(now) < v.freshUntil {
			return v, nil // inserted since the hit path looked
		}
		return c.serveStale(ctx, s, v, now)
	}
	c.stats.misses.Add(1)
	return c.load(ctx, s, now)
}

// slotFor returns the slot for (id, stage), creating it, which may evict
// others. An empty stage is the configured one.
func (c *Cache) slotFor(id, stage string) (*slot, error) {
	stage = c.stageOf(stage)
	if s := c.ix.lookup(id, stage); s != nil {
		if c.closed.Load() {
			return nil, ErrClosed
		}
		return s, nil
	}
	return c.insert(id, stage)
}

// insert returns the slot for (id, stage), which a lookup did not find,
// creating it.
func (c *Cache) insert(id, stage string) (*slot, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if id == "" {
		return nil, errEmptyID()
	}
	s, evicted, err := c.ix.insert(id, stage)
	if evicted > 0 {
		c.stats.evictions.Add(uint64(evicted))
	}
	return s, err
}

// stageOf returns stage, or the configured stage if it is empty.
func (c *Cache) stageOf(stage string) string {
	if stage == "" {
		return c.cfg.stage
	}
	return stage
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	return c.stats.snapshot()
}

// Len returns the number of entries in the cache: (secret, stage) pairs,
// with a value or a remembered failure.
func (c *Cache) Len() int {
	return c.ix.len()
}

// Close stops the cache's timers and background refreshes, cancels fetches
// in flight, fails forced refreshes waiting on the rate limit, and waits for
// all of them to end. Later calls return ErrClosed. Close is idempotent and
// always returns nil; every call, concurrent ones included, returns only
// once the cache has stopped. Close must not be called from a Hook, a
// Client or a Logger the cache is running, which it would wait for.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.tk.stop()
		c.limits.close(c)
		c.cancel()
		c.ix.close()
		c.work.close()
	})
	return nil
}

// enter registers a fetch, goroutine or timer with the work Close waits
// for, unless the cache is closed; exit ends it.
func (c *Cache) enter() bool { return c.work.enter() }

func (c *Cache) exit() { c.work.exit() }

// String describes c by its size and configured stage. It exists so that
// printing a *Cache with %v never walks its internals, which hold secrets and
// change under concurrent use.
func (c *Cache) String() string {
	return fmt.Sprintf("secretcache.Cache{entries: %d, stage: %s}", c.Len(), c.cfg.stage)
}

// GoString is String, for %#v.
func (c *Cache) GoString() string { return c.String() }
