package jdbcstyle

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/loginrelay"
	"github.com/secretcache/secretcache-go/secretcache"
)

// These tests run rotations under a pool much smaller than its workload:
// 32 goroutines share 4 connections that live 20ms, so that Connects queue
// in the pool and new connections are opened all the time, while the cache
// holds AWSCURRENT for a day and only the Connector's own fetches can tell
// it that the rotation finished. Refused logins are counted at a relay.

// longTTL makes the cache serve a version for a day, as a service that
// rotates daily might configure it.
func longTTL(c *secretcache.Cache) { c.CacheItemTTL = int64(24 * time.Hour) }

// playPaused runs rotations under w with a pause between setSecret and
// finishSecret, during which the workload runs pause queries, and checks
// that each rotation costs at most 3 refused logins (the login gate's 2
// for the password that stopped working, and one for a login that read it
// just before) and that the cache comes back to AWSCURRENT.
func playPaused(t *testing.T, e *env, relay *loginrelay.Relay, w *workload, alternating bool, rotations int, pause int64) {
	t.Helper()
	w.advance(t, 200)
	for i := range rotations {
		relay.Reset()
		r := e.startRotation(t, alternating)
		w.advance(t, 50)
		r.setSecret(t)
		w.advance(t, pause)
		r.testSecret(t)
		r.finishSecret(t)
		w.advance(t, 100)
		if !alternating {
			e.awaitCurrent(t, r.token)
		}
		w.advance(t, 100)
		got := relay.Counts()
		if got.Total() > 3 {
			t.Errorf("rotation %d: the database refused %d logins (%v), want at most 3", i, got.Total(), got.Refused)
		}
		t.Logf("rotation %d: refused %v, accepted %d", i, got.Refused, got.Accepted)
	}
}

// TestRotationsUnderSmallPool: no query fails and each rotation costs at
// most 3 refused logins with a sql.DB of 4 connections shared by 32
// goroutines.
func TestRotationsUnderSmallPool(t *testing.T) {
	t.Parallel()
	forEachScheme(t, func(t *testing.T, alternating bool) {
		forEachEngine(t, func(t *testing.T, e *env) {
			relay := e.viaRelay(t)
			user, c, _ := e.userConnector(t, "small", "")
			if alternating {
				e.db.CreateUser(t, user+"_clone", randomPassword(t))
			}
			db := e.openDB(t, c)
			db.SetMaxOpenConns(4)
			db.SetMaxIdleConns(4)
			db.SetConnMaxLifetime(20 * time.Millisecond)
			w := runWorkload(t, 32, func(ctx context.Context) (string, error) { return e.whoami(ctx, db) })
			playPaused(t, e, relay, w, alternating, 3, 500)
			w.check(t, user, user+"_clone")
		}, longTTL)
	})
}

// TestPgxPoolRotationsUnderSmallPool is TestRotationsUnderSmallPool with a
// pgxpool.Pool from NewPgxPool.
func TestPgxPoolRotationsUnderSmallPool(t *testing.T) {
	t.Parallel()
	forEachScheme(t, func(t *testing.T, alternating bool) {
		e := newEnv(t, Postgres, longTTL)
		relay := e.viaRelay(t)
		user, pw := e.newUser(t, "pgxsmall")
		e.createSecret(t, e.secretJSON(t, user, pw))
		if alternating {
			e.db.CreateUser(t, user+"_clone", randomPassword(t))
		}
		pool, err := NewPgxPool(testContext(t), e.cache, e.dsn("pool_max_conns=4&pool_max_conn_lifetime=20ms&pool_max_conn_lifetime_jitter=0s"))
		if err != nil {
			t.Fatalf("NewPgxPool: %v", err)
		}
		t.Cleanup(pool.Close)
		w := runWorkload(t, 32, func(ctx context.Context) (string, error) { return pgxWhoami(ctx, pool) })
		playPaused(t, e, relay, w, alternating, 3, 500)
		w.check(t, user, user+"_clone")
	})
}

// TestStalePendingPace: a failed rotation left an AWSPENDING of the same
// user whose password the database never got, and AWSCURRENT's password
// was changed by hand. Connects keep coming for 12s from 8 goroutines. The
// account's refused logins follow the documented pace, AWSPENDING costing
// one: the gate's 2 for AWSCURRENT, one for AWSPENDING, and one probe of
// AWSCURRENT after 10s, 4 in all, which a lockout policy of five
// failures (MariaDB's max_password_errors=5) survives.
func TestStalePendingPace(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		if e.engine == MySQL {
			e.db.Exec(t, "SET GLOBAL max_password_errors = 5")
		}
		relay := e.viaRelay(t)
		user, c, _ := e.userConnector(t, "stalepace", "")
		e.putSecret(t, e.secretJSON(t, user, randomPassword(t)), stagePending)
		pw := randomPassword(t)
		e.db.SetPassword(t, user, pw)
		relay.Reset()
		db := e.openDB(t, c)
		w := runWorkload(t, 8, func(ctx context.Context) (string, error) { return e.whoami(ctx, db) })
		deadline := time.Now().Add(12 * time.Second)
		for time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // Connects keep coming for 12s
		}
		got := relay.Counts()
		if got.Total() > 4 {
			t.Errorf("12s of Connects: the database refused %d logins (%v), want at most 4", got.Total(), got.Refused)
		}
		// The account is not blocked: its password still lets a login in.
		direct, err := sql.Open(e.db.DriverName(), e.db.DSN(user, pw))
		if err != nil {
			t.Fatal(err)
		}
		defer direct.Close()
		if err := direct.PingContext(testContext(t)); err != nil {
			t.Errorf("after 12s of Connects, the account's password: %v", err)
		}
		t.Logf("12s, %d queries: refused %v", w.queries.Load(), got.Refused)
	})
}

