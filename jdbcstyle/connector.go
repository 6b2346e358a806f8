package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secretcache/secretcache-go/secretcache"
	"golang.org/x/sync/semaphore"
)

// Staging labels of the versions a Connect may log in with.
const (
	stageCurrent  = "AWSCURRENT"
	stagePending  = "AWSPENDING"
	stagePrevious = "AWSPREVIOUS"
)

// Connector opens database connections with credentials read from a secret
// through a secretcache.Cache. Build it with NewConnector and pass it to
// sql.OpenDB. It is safe for concurrent use. It implements driver.Connector
// and io.Closer; sql.DB.Close closes it.
//
// A Connector shares what its Connects learn from the database: a refusal
// seen by one is known to all, one recovery runs per refused version, and
// at most the DSN's loginConcurrency logins wait for a verdict at once (see
// the package documentation). Connectors that read the same secret through
// the same cache with the same engine and DSN share all of that too, so
// that the bounds hold for the database account whatever the number of
// pools a service opens on it.
type Connector struct {
	cfg    Config
	engine Engine
	drv    engineDriver
	parent driver.Driver // returned by Driver
	caches cacheSource
	acct   *account            // shared with the Connectors of the same account (see shared.go)
	gate   *semaphore.Weighted // acct's login gate (see gate.go)
	ladder *ladder             // acct's: what the database's verdicts taught (see ladder.go)

	// templates memoises, per stage, the template of the last version
	// seen, so that a Connect with a cached version builds nothing.
	// Written by any Connect that sees a new version; a stale entry is
	// only a rebuild.
	templates [3]atomic.Pointer[template]

	stats connectorStats

	// deadlines is the deadline context Connects on a context that never
	// ends share for a while: see deadlineFor.
	deadlines atomic.Pointer[sharedDeadline]

	// ctx is the context of the work a Connector runs for all its
	// Connects (recoveries, fetches of AWSCURRENT); Close cancels it and
	// waits for wg. mu orders every wg.Add (see spawn) before Close's Wait.
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	wg     sync.WaitGroup
	closed atomic.Bool // set under mu

	// onLogin, when a test sets it before the first Connect, is called with
	// the stage of every login attempt, after its verdict.
	onLogin func(stage string)
}

// cacheSource yields the cache a Connector reads: a caller's cache, or a
// default one built on first use.
type cacheSource interface {
	cache() (*secretcache.Cache, error)
}

// fixedCache is a cache given to NewConnector.
type fixedCache struct{ c *secretcache.Cache }

func (f fixedCache) cache() (*secretcache.Cache, error) { return f.c, nil }

// NewConnector returns a Connector that reads the secret named by dsn
// (see ParseDSN) from cache and logs in to the database with engine's
// driver. The region and endpoint params have no effect here: cache already
// has its client. The cache is the caller's: Close leaves it open.
func NewConnector(cache *secretcache.Cache, engine Engine, dsn string) (*Connector, error) {
	if cache == nil {
		return nil, errors.New("jdbcstyle: NewConnector: nil cache")
	}
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return newConnector(fixedCache{cache}, engine, cfg, nil)
}

func newConnector(caches cacheSource, engine Engine, cfg *Config, parent driver.Driver) (*Connector, error) {
	var (
		drv engineDriver
		err error
	)
	switch engine {
	case MySQL:
		drv, err = newMySQLDriver(cfg.DriverParams)
	case Postgres:
		drv, err = newPostgresDriver(cfg.DriverParams)
	default:
		err = errors.New("jdbcstyle: unknown engine " + engine.String())
	}
	if err != nil {
		return nil, err
	}
	c := &Connector{cfg: *cfg, engine: engine, drv: drv, parent: parent, caches: caches}
	if parent == nil {
		c.parent = drivers[engine]
	} else {
		c.stats.shared = &driverCounters
	}
	n := cfg.LoginConcurrency
	if n == 0 {
		n = DefaultLoginConcurrency
	}
	c.acct = joinAccount(accountKey{caches: caches, engine: engine, dsn: cfg.FormatDSN()}, n)
	c.gate, c.ladder = c.acct.gate, &c.acct.ladder
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Connect opens a connection with the credentials of the secret's AWSCURRENT
// version, recovering from a rotation as the package documentation
// describes. It gives up after the DSN's loginTimeout or when ctx ends,
// whichever comes first, with one exception: when a ctx with a deadline
// ends after a login sent the credentials, the login is not cut off, and
// Connect returns with its verdict (within loginTimeout), so that a refusal
// is recorded rather than repeated by the next Connect. A failure is a
// *ConnectError, through which the driver's own error stays reachable
// with errors.As.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	cache, err := c.caches.cache()
	if err != nil {
		return nil, &ConnectError{SecretID: c.cfg.SecretID, Err: err}
	}
	// database/sql opens pooled connections on a context that never ends.
	now := time.Now()
	deadline := now.Add(c.cfg.LoginTimeout)
	rctx := c.deadlineFor(ctx, now)
	if rctx == nil {
		var cancel context.CancelFunc
		rctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	return c.connect(rctx, cache, &attempts{c: c, deadline: deadline, limit: maxAttempts, loginCtx: ctx})
}

// sharedDeadline is a context with a deadline that Connects starting
// before reuse may take as theirs.
type sharedDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
	reuse  time.Time
}

// deadlineFor returns, for a Connect starting at now on ctx, a context that
// ends between LoginTimeout and LoginTimeout plus a sixteenth of it (at
// most a second) from now, shared with the other Connects of that sixteenth:
// creating a context with a deadline for every Connect costs more than the
// rest of what the Connector adds to a login. It does so only for a ctx
// that never ends, the one database/sql and most pools open connections
// on; for another it returns nil, and the Connect makes its own. The
// socket's deadline, which bounds the login itself, stays exact. A shared
// context is not cancelled by Close, which leaves running Connects be; it
// ends, and frees its timer, at its deadline.
func (c *Connector) deadlineFor(ctx context.Context, now time.Time) context.Context {
	if ctx.Done() != nil {
		return nil
	}
	d := c.deadlines.Load()
	if d != nil && now.Before(d.reuse) {
		return d.ctx
	}
	slack := min(c.cfg.LoginTimeout/16, time.Second)
	nctx, cancel := context.WithDeadline(context.Background(), now.Add(c.cfg.LoginTimeout+slack))
	nd := &sharedDeadline{ctx: nctx, cancel: cancel, reuse: now.Add(slack)}
	if !c.deadlines.CompareAndSwap(d, nd) {
		cancel()
		return c.deadlineFor(ctx, now)
	}
	return nctx
}

// Driver returns the registered driver of the Connector's engine, as
// database/sql requires; the Connector does not use it.
func (c *Connector) Driver() driver.Driver { return c.parent }

// Stats returns the Connector's counters.
func (c *Connector) Stats() Stats { return c.stats.own.snapshot() }

// Close makes later Connect calls fail with ErrClosed, stops the work the
// Connector runs for its Connects and waits for it, and drops what it
// learned unless another open Connector shares it (see Connector).
// Connections already open are not affected, and neither is the cache,
// which may be shared. Close is idempotent and returns nil.
func (c *Connector) Close() error {
	c.mu.Lock()
	first := !c.closed.Swap(true)
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	for i := range c.templates {
		c.templates[i].Store(nil)
	}
	if first {
		c.acct.leave()
	}
	return nil
}

// spawn runs f in a goroutine that Close waits for, unless the Connector
// is closed, and reports whether it did.
func (c *Connector) spawn(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// logger returns the cache's logger for fallback logins, or nil.
func (c *Connector) logger() *slog.Logger {
	cache, err := c.caches.cache()
	if err != nil {
		return nil
	}
	return cache.Logger
}
