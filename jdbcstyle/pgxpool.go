package jdbcstyle

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/secretcache/secretcache-go/secretcache"
)

// NewPgxPool returns a pgxpool.Pool for the secret that dsn names (see
// ParseDSN), read through cache: NewPgxPoolConfig, then
// pgxpool.NewWithConfig. Close the pool as usual; the cache is the caller's.
func NewPgxPool(ctx context.Context, cache *secretcache.Cache, dsn string) (*pgxpool.Pool, error) {
	cfg, err := NewPgxPoolConfig(cache, dsn)
	if err != nil {
		return nil, err
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// NewPgxPoolConfig returns a pgxpool configuration whose new connections
// log in with credentials from the secret that dsn names, read through
// cache, exactly as a Connector's Connect does: the same recovery after a
// rotation, the same login gate and bounds on refused logins, the same
// logging and statistics (counted in DriverStats). The DSN's pgxpool params
// (pool_max_conns, pool_max_conn_lifetime, ...) configure the pool; the
// others go to pgx as for DriverPostgres.
//
// pgxpool's hooks cannot retry a login: BeforeConnect runs before it, and
// a failed login fails the Acquire. So the configuration's BeforeConnect
// runs the whole login itself, recovery included, and hands the
// authenticated connection to pgx through ConnConfig's DialFunc: pgx's own
// startup exchange on it is answered locally with what the server said to
// the real login (AuthenticationOk, the ParameterStatus messages,
// BackendKeyData, ReadyForQuery), after which pgx talks to the server
// directly. Every rung of the ladder therefore applies, and a rotation
// costs the pool's callers no error. This relies on pgconn's Hijack, which
// pgx exempts from its compatibility promise; the module pins pgx and the
// tests run the pool through rotations against a real server.
//
// What follows from it: ConnConfig's Host, Port, User, Password, Database,
// TLSConfig, Fallbacks, LookupFunc and DialFunc are set per connection by
// BeforeConnect, and the connection's session settings come from the DSN's
// params at the login, so edits to those fields and to RuntimeParams have
// no effect (set session state in AfterConnect instead). The connections
// pgx holds carry no password. A caller that sets its own BeforeConnect must
// call the one it replaces first. Pool settings and the other hooks
// (AfterConnect, BeforeAcquire, Tracer, ...) are the caller's to set.
func NewPgxPoolConfig(cache *secretcache.Cache, dsn string) (*pgxpool.Config, error) {
	if cache == nil {
		return nil, errors.New("jdbcstyle: NewPgxPoolConfig: nil cache")
	}
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	poolParams, connParams := splitPoolParams(cfg.DriverParams)
	checkPool := func(params string) error {
		_, err := pgxpool.ParseConfig("postgres://check@localhost:5432/?" + params)
		return err
	}
	all := strings.Trim(connParams+"&"+poolParams, "&")
	poolCfg, err := pgxpool.ParseConfig("postgres://check@localhost:5432/?" + all)
	if err != nil {
		return nil, driverParamError(all, "postgres", checkPool)
	}
	connCfg := *cfg
	connCfg.DriverParams = connParams
	c, err := newConnector(fixedCache{cache}, Postgres, &connCfg, nil)
	if err != nil {
		return nil, err
	}
	c.stats.shared = &driverCounters
	poolCfg.BeforeConnect = c.beforePgxConnect
	return poolCfg, nil
}

// splitPoolParams separates pgxpool's params (pool_*) from pgx's.
func splitPoolParams(params string) (pool, conn string) {
	var p, o []string
	for _, seg := range strings.Split(params, "&") {
		if seg == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(seg), "pool_") {
			p = append(p, seg)
		} else {
			o = append(o, seg)
		}
	}
	return strings.Join(p, "&"), strings.Join(o, "&")
}

// beforePgxConnect logs in through the Connector and points cc at the
// authenticated connection (see NewPgxPoolConfig).
func (c *Connector) beforePgxConnect(ctx context.Context, cc *pgx.ConnConfig) error {
	conn, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return errors.New("jdbcstyle: pgxpool: the login did not return a pgx connection")
	}
	hc, err := sc.Conn().PgConn().Hijack()
	if err != nil {
		conn.Close()
		return err
	}
	handed := newHandedConn(hc)
	inner := hc.Config
	cc.Host, cc.Port, cc.User, cc.Database = inner.Host, inner.Port, inner.User, inner.Database
	cc.Password = ""
	cc.TLSConfig, cc.Fallbacks = nil, nil
	cc.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	// The first dial is the connection's: the handed one. Later dials
	// from the same config are pgx's cancel requests, to the server's
	// address, which need a connection of their own.
	var used atomic.Bool
	cc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if used.CompareAndSwap(false, true) {
			return handed, nil
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return nil
}
