package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
	"time"

	"github.com/secretcache/secretcache-go/secretcache"
)

// Staging labels of the versions a Connect may log in with.
const (
	stageCurrent  = "AWSCURRENT"
	stagePending  = "AWSPENDING"
	stagePrevious = "AWSPREVIOUS"
)

// maxAttempts bounds the logins of one Connect, so that a wrong password
// everywhere cannot lock an account or flood the database's logs.
const maxAttempts = 3

// Connector opens database connections with credentials read from a secret
// through a secretcache.Cache. Build it with NewConnector and pass it to
// sql.OpenDB. It is safe for concurrent use. It implements driver.Connector
// and io.Closer; sql.DB.Close closes it.
type Connector struct {
	cfg    Config
	engine Engine
	drv    engineDriver
	parent driver.Driver // returned by Driver
	caches cacheSource

	// logins memoises, per stage, the credentials and underlying connector built from the
	// last secret string seen, so that a Connect with cached credentials
	// parses nothing and builds nothing. Written by any Connect that sees a
	// new string; a stale entry is only a rebuild.
	logins [3]atomic.Pointer[creds]

	// detour remembers the fallback that last let a Connect in while
	// AWSCURRENT was refused, so that the Connects after it, for a short
	// while, log in with it first instead of repeating a refused login each.
	detour atomic.Pointer[detour]

	closed atomic.Bool

	// onLogin, when a test sets it before the first Connect, is called with
	// the stage of every login attempt.
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
	if parent == nil {
		parent = drivers[engine]
	}
	return &Connector{cfg: *cfg, engine: engine, drv: drv, parent: parent, caches: caches}, nil
}

// Connect opens a connection with the credentials of the secret's AWSCURRENT
// version, recovering from a rotation as the package documentation
// describes. It gives up after the DSN's loginTimeout or when ctx ends,
// whichever comes first. A failure is a *ConnectError, through which the
// driver's own error stays reachable with errors.As.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	cache, err := c.caches.cache()
	if err != nil {
		return nil, &ConnectError{SecretID: c.cfg.SecretID, Err: err}
	}
	// database/sql opens pooled connections on a context that never ends.
	deadline := time.Now().Add(c.cfg.LoginTimeout)
	rctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	l, err := c.resolve(rctx, cache, stageCurrent)
	if err != nil {
		return nil, err
	}
	r := &attempts{c: c, deadline: deadline}
	if d := c.detourFor(l); d != nil {
		conn, err := r.try(ctx, d.stage, d.creds)
		if err == nil || c.drv.classify(err) != authFailure {
			return conn, r.done(rctx, err)
		}
		c.detour.CompareAndSwap(d, nil)
	}
	conn, err := r.try(ctx, stageCurrent, l)
	if err == nil {
		return conn, nil
	}
	return c.recover(rctx, r, cache, l, err)
}

// Driver returns the registered driver of the Connector's engine, as
// database/sql requires; the Connector does not use it.
func (c *Connector) Driver() driver.Driver { return c.parent }

// Close makes later Connect calls fail with ErrClosed and drops the
// credentials the Connector holds. Connections already open are not
// affected, and neither is the cache, which may be shared. Close is
// idempotent and returns nil.
func (c *Connector) Close() error {
	c.closed.Store(true)
	for i := range c.logins {
		c.logins[i].Store(nil)
	}
	c.detour.Store(nil) // it holds a password too
	return nil
}

// resolve returns the credentials for the version of the secret labelled stage,
// from the cache, rebuilding it only when the cached string changed.
func (c *Connector) resolve(ctx context.Context, cache *secretcache.Cache, stage string) (*creds, error) {
	raw, err := cache.GetSecretStringWithStageWithContext(ctx, c.cfg.SecretID, stage)
	if err != nil {
		return nil, &ConnectError{SecretID: c.cfg.SecretID, Stage: stage, Err: err}
	}
	slot := &c.logins[stageIndex(stage)]
	if l := slot.Load(); l != nil && l.raw == raw {
		return l, nil
	}
	l, err := c.build(raw)
	if err != nil {
		return nil, &ConnectError{SecretID: c.cfg.SecretID, Stage: stage, Err: err}
	}
	slot.Store(l)
	return l, nil
}

func stageIndex(stage string) int {
	switch stage {
	case stagePending:
		return 1
	case stagePrevious:
		return 2
	}
	return 0
}

// build parses a secret string and applies the DSN overrides.
func (c *Connector) build(raw string) (*creds, error) {
	s, err := ParseSecret([]byte(raw))
	if err != nil {
		return nil, err
	}
	if !c.engine.accepts(s.Engine) {
		return nil, errors.New("jdbcstyle: the secret is for engine " + s.Engine + ", not " + c.engine.String())
	}
	a := address{host: s.Host, port: s.Port, dbname: s.DBName}
	if c.cfg.Host != "" {
		a.host = c.cfg.Host
	}
	if c.cfg.Port != 0 {
		a.port = c.cfg.Port
	}
	if c.cfg.DBName != "" {
		a.dbname = c.cfg.DBName
	}
	if a.host == "" {
		return nil, errors.New("jdbcstyle: no host: the secret has none (RDS-managed secrets hold only username and password), add a host param to the DSN")
	}
	if a.port == 0 {
		a.port = c.engine.defaultPort()
	}
	conn, err := c.drv.connector(a, s.Username, string(s.Password))
	if err != nil {
		return nil, err
	}
	return &creds{raw: raw, username: s.Username, password: string(s.Password), conn: conn}, nil
}
