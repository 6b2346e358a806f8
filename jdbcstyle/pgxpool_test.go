package jdbcstyle

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgxPool returns a pool on the test's secret, closed when t ends.
func (e *env) pgxPool(t *testing.T, params string) *pgxpool.Pool {
	t.Helper()
	cfg, err := NewPgxPoolConfig(e.cache, e.dsn(params))
	if err != nil {
		t.Fatalf("NewPgxPoolConfig: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgxpool.NewWithConfig: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func pgxWhoami(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var user string
	err := pool.QueryRow(ctx, "SELECT current_user").Scan(&user)
	return user, err
}

// TestPgxPool checks a pool's connections: they are the secret's user,
// honour the DSN's pool params, run queries with parameters, and can be
// cancelled (pgx sends the cancel request on a connection of its own).
func TestPgxPool(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Postgres)
	ctx := testContext(t)
	user, pw := e.newUser(t, "pgxpool")
	e.createSecret(t, e.secretJSON(t, user, pw))
	pool := e.pgxPool(t, "pool_max_conns=3&application_name=jdbcstyle-test")
	if got := pool.Config().MaxConns; got != 3 {
		t.Errorf("got MaxConns %d, want 3 from pool_max_conns", got)
	}
	for i := range 5 {
		if got, err := pgxWhoami(ctx, pool); err != nil || got != user {
			t.Fatalf("query %d: got %q, %v, want %q", i, got, err, user)
		}
	}
	var app string
	var sum int
	if err := pool.QueryRow(ctx, "SELECT current_setting('application_name'), $1::int + $2::int", 2, 3).Scan(&app, &sum); err != nil || app != "jdbcstyle-test" || sum != 5 {
		t.Errorf("got %q, %d, %v, want the application_name param and 5", app, sum, err)
	}
	qctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := pool.Exec(qctx, "SELECT pg_sleep(30)")
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("a query past its deadline: got %v after %v, want it cancelled promptly", err, time.Since(start))
	}
	if got, err := pgxWhoami(ctx, pool); err != nil || got != user {
		t.Fatalf("after a cancelled query: got %q, %v, want %q", got, err, user)
	}
}

// TestPgxPoolRotations is TestRotationsUnderPool with a pgxpool.Pool from
// NewPgxPoolConfig.
func TestPgxPoolRotations(t *testing.T) {
	t.Parallel()
	forEachScheme(t, func(t *testing.T, alternating bool) {
		e := newEnv(t, Postgres)
		relay := e.viaRelay(t)
		user, pw := e.newUser(t, "pgxrot")
		e.createSecret(t, e.secretJSON(t, user, pw))
		if alternating {
			e.db.CreateUser(t, user+"_clone", randomPassword(t))
		}
		pool := e.pgxPool(t, "pool_max_conns=50&pool_max_conn_lifetime=200ms&pool_max_conn_lifetime_jitter=0s")
		w := runWorkload(t, 50, func(ctx context.Context) (string, error) { return pgxWhoami(ctx, pool) })
		playRotations(t, e, relay, w, alternating)
		w.check(t, user, user+"_clone")
	})
}
