package jdbcstyle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
)

// Names under which the drivers are registered with database/sql.
const (
	// DriverMySQL is the driver name for MySQL, MariaDB and Aurora MySQL.
	DriverMySQL = "secretsmanager-mysql"
	// DriverPostgres is the driver name for PostgreSQL, Aurora PostgreSQL
	// and Redshift.
	DriverPostgres = "secretsmanager-postgres"
)

// drivers are the registered drivers, by engine.
var drivers = map[Engine]*sqlDriver{
	MySQL:    {engine: MySQL},
	Postgres: {engine: Postgres},
}

func init() {
	sql.Register(DriverMySQL, drivers[MySQL])
	sql.Register(DriverPostgres, drivers[Postgres])
}

// sqlDriver is a registered database/sql driver whose DSN names a secret
// (see ParseDSN). It implements driver.Driver and driver.DriverContext; sql.Open
// uses OpenConnector, so the connections of one sql.DB share one Connector.
// The Connectors of both drivers read secrets through one default
// secretcache.Cache per (region, endpoint) of their DSNs, built on first use
// from the standard AWS configuration and kept for the life of the process.
type sqlDriver struct {
	engine Engine
}

// Open opens one connection, through a Connector made for this call alone.
// database/sql calls OpenConnector instead.
func (d *sqlDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses dsn and returns a *Connector on the default cache
// for the DSN's region and endpoint. It makes no network call; the cache is
// built by the first Connect.
func (d *sqlDriver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return newConnector(defaultCache(cfg.Region, cfg.Endpoint), d.engine, cfg, d)
}

// cacheKey identifies a default cache.
type cacheKey struct{ region, endpoint string }

var (
	defaultCachesMu sync.Mutex
	defaultCaches   = map[cacheKey]*lazyCache{}
)

// defaultCache returns the shared lazily built cache for a region and
// endpoint; "" leaves each to the standard AWS configuration.
func defaultCache(region, endpoint string) *lazyCache {
	defaultCachesMu.Lock()
	defer defaultCachesMu.Unlock()
	k := cacheKey{region, endpoint}
	l := defaultCaches[k]
	if l == nil {
		l = &lazyCache{key: k}
		defaultCaches[k] = l
	}
	return l
}

// lazyCache builds its cache on first use. A failed build is not
// remembered: the next Connect tries again, e.g. after a profile is fixed.
type lazyCache struct {
	key cacheKey
	c   atomic.Pointer[secretcache.Cache] // set once; read without a lock on every Connect
	mu  sync.Mutex                        // serialises builds
}

func (l *lazyCache) cache() (*secretcache.Cache, error) {
	if c := l.c.Load(); c != nil {
		return c, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.c.Load(); c != nil {
		return c, nil
	}
	var opts []func(*config.LoadOptions) error
	if l.key.region != "" {
		opts = append(opts, config.WithRegion(l.key.region))
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, err
	}
	// AppendUserAgent tags the requests as secretcache.New does for the
	// client it builds, which this one replaces.
	client := secretsmanager.NewFromConfig(awsCfg, secretcache.AppendUserAgent, func(o *secretsmanager.Options) {
		if l.key.endpoint != "" {
			o.BaseEndpoint = aws.String(l.key.endpoint)
		}
	})
	c, err := secretcache.New(func(c *secretcache.Cache) { c.Client = client })
	if err != nil {
		return nil, err
	}
	l.c.Store(c)
	return c, nil
}
