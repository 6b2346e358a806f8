package jdbcstyle

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"
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

// TestPendingOnlyForTheSameUser: AWSCURRENT is refused (the database got
// another password) and AWSPENDING, though a rotation seems in progress,
// names another user with working credentials, another database, or is
// not a usable secret. No login is made with it: the Connect fails after
// AWSCURRENT's one refused login, and the database lets nobody in.
func TestPendingOnlyForTheSameUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pending func(t *testing.T, e *env, user, pw string) string
	}{
		{"privileged user", func(t *testing.T, e *env, _, _ string) string {
			admin, adminPW := e.newUser(t, "admin")
			return e.secretJSON(t, admin, adminPW)
		}},
		{"alternating partner", func(t *testing.T, e *env, user, _ string) string {
			pw := randomPassword(t)
			e.db.CreateUser(t, user+"_clone", pw)
			return e.secretJSON(t, user+"_clone", pw)
		}},
		{"another database", func(t *testing.T, e *env, user, pw string) string {
			var v map[string]any
			if err := json.Unmarshal([]byte(e.secretJSON(t, user, pw)), &v); err != nil {
				t.Fatal(err)
			}
			v["dbname"] = map[Engine]string{MySQL: "mysql", Postgres: "postgres"}[e.engine]
			b, _ := json.Marshal(v)
			return string(b)
		}},
		{"not JSON", func(t *testing.T, e *env, user, pw string) string {
			return strings.TrimSuffix(e.secretJSON(t, user, pw), "}")
		}},
		{"no password", func(t *testing.T, e *env, user, pw string) string {
			return strings.Replace(e.secretJSON(t, user, pw), `"password":`, `"passwd":`, 1)
		}},
		{"no username", func(t *testing.T, e *env, user, pw string) string {
			return strings.Replace(e.secretJSON(t, user, pw), `"username":`, `"user":`, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				ctx := testContext(t)
				relay := e.viaRelay(t)
				user, c, logins := e.userConnector(t, "pendsame", "")
				warmUp(ctx, t, c)
				pw := randomPassword(t)
				e.db.SetPassword(t, user, pw)
				e.putSecret(t, tt.pending(t, e, user, pw), stagePending)
				relay.Reset()
				logins.take()
				conn, err := c.Connect(ctx)
				if err == nil {
					db := sql.OpenDB(fixedConn{conn})
					defer db.Close()
					who, _ := e.whoami(ctx, db)
					t.Fatalf("got a connection as %q, want the refusal", who)
				}
				if !e.db.IsAuthError(err) {
					t.Errorf("got %v, want the refusal reachable", err)
				}
				if got := relay.Counts(); got.Accepted != 0 || got.Total() != 1 {
					t.Errorf("the database saw %+v, want one refused login and none accepted", got)
				}
				if got := logins.take(); len(got) != 1 || got[0] != stageCurrent {
					t.Errorf("got logins %v, want AWSCURRENT's only", got)
				}
			})
		})
	}
}

// TestShortContextsInRotation: in a single-user rotation window, 32
// goroutines make Connects whose contexts end after 1 to 32ms, while
// recoveries and gated logins are under way. Each either gets a
// connection or fails; the rotation costs at most 2 refused logins; a
// Connect with time to spare then gets in, before and after finishSecret;
// and once the Connector is closed none of its goroutines is left.
func TestShortContextsInRotation(t *testing.T) {
	// Not parallel: it counts goroutines.
	for _, engine := range []Engine{MySQL, Postgres} {
		t.Run(engine.String(), func(t *testing.T) {
			e := newEnv(t, engine, longTTL)
			ctx := testContext(t)
			relay := e.viaRelay(t)
			_, c, _ := e.userConnector(t, "shortctx", "")
			warmUp(ctx, t, c)
			for i := range 2 {
				r := e.startRotation(t, false)
				r.setSecret(t)
				relay.Reset()
				var wg sync.WaitGroup
				for g := range 32 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for j := range 10 {
							d := time.Duration(1+(g+j)%32) * time.Millisecond
							cctx, cancel := context.WithTimeout(ctx, d)
							conn, err := c.Connect(cctx)
							cancel()
							if err == nil {
								conn.Close()
							}
						}
					}()
				}
				wg.Wait()
				if failed, err := burst(ctx, c, 4); failed > 0 {
					t.Errorf("rotation %d, in the window: %v", i, err)
				}
				r.testSecret(t)
				r.finishSecret(t)
				if failed, err := burst(ctx, c, 4); failed > 0 {
					t.Errorf("rotation %d, after finishSecret: %v", i, err)
				}
				// Connects that use the fallback fetch AWSCURRENT again
				// now and then: the cache learns that the rotation finished.
				deadline := time.Now().Add(30 * time.Second)
				for {
					if failed, err := burst(ctx, c, 1); failed > 0 {
						t.Fatalf("rotation %d, after finishSecret: %v", i, err)
					}
					v, err := e.cache.GetVersion(ctx, e.id, stageCurrent)
					if err == nil && v.VersionID == r.token {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("rotation %d: the cache still holds AWSCURRENT %q 30s after finishSecret", i, v.VersionID)
					}
					time.Sleep(10 * time.Millisecond) // Connects keep coming, as in a service
				}
				if got := relay.Counts(); got.Total() > 2 {
					t.Errorf("rotation %d: the database refused %d logins (%v), want at most 2", i, got.Total(), got.Refused)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			checkNoOwnGoroutines(t)
		})
	}
}

// TestRefusalOutlivesItsConnect: in a single-user rotation window, against
// a server whose verdicts come 300ms after the credentials, six Connects
// one after the other each give up after 100ms, while their logins wait.
// Each login that sent the refused password still learns the refusal, so
// the next ones do not send it again: the window costs at most
// loginConcurrency (2) refused logins, not one per Connect, and a Connect
// with time to spare then gets in.
func TestRefusalOutlivesItsConnect(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		c, relay := inRotationWindow(ctx, t, e, "outlive")
		relay.SetVerdictDelay(300 * time.Millisecond)

		for i := range 6 {
			cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			conn, err := c.Connect(cctx)
			cancel()
			if err == nil {
				conn.Close() // a recovery's connection, taken in time
			} else if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Connect %d: got %v, want the context's deadline", i, err)
			}
		}
		if failed, err := burst(ctx, c, 1); failed > 0 {
			t.Fatalf("a Connect with time to spare: %v", err)
		}
		if got := relay.Counts(); got.Total() > 2 {
			t.Errorf("the database refused %d logins (%v), want at most 2", got.Total(), got.Refused)
		}
	}, longTTL)
}

// TestShortContextsLeaveNothingOpen makes many Connects with contexts of
// 1 to 40ms against a server whose verdicts take 20ms, in and out of a
// rotation's window: logins whose Connect's deadline passed after they
// sent the credentials wait for the verdict. Once the Connector is closed, no
// session of the user is left open at the server, the login gate is free,
// and every Connect returned by its context's end plus the login timeout.
func TestShortContextsLeaveNothingOpen(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		relay := e.viaRelay(t)
		user, c, _ := e.userConnector(t, "shortctx", "")
		warmUp(ctx, t, c)
		relay.SetVerdictDelay(20 * time.Millisecond)
		run := func() {
			var wg sync.WaitGroup
			for g := range 12 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 8 {
						d := time.Duration(1+(g*7+i*13)%40) * time.Millisecond
						cctx, cancel := context.WithTimeout(ctx, d)
						start := time.Now()
						conn, err := c.Connect(cctx)
						cancel()
						if took := time.Since(start); took > d+c.cfg.LoginTimeout {
							t.Errorf("a Connect with a %v context took %v", d, took)
						}
						if err == nil {
							conn.Close()
						}
					}
				}()
			}
			wg.Wait()
		}
		run()
		r := e.startRotation(t, false)
		r.setSecret(t)
		run()
		c.Close()
		n, size := int64(0), int64(c.cfg.LoginConcurrency)
		if size == 0 {
			size = DefaultLoginConcurrency
		}
		if !c.gate.TryAcquire(size) {
			t.Errorf("after Close, the login gate's %d slots are not all free", size)
		} else {
			c.gate.Release(size)
		}
		admin := e.db.AdminDB(t)
		q := "SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = ?"
		if e.engine == Postgres {
			q = "SELECT count(*) FROM pg_stat_activity WHERE usename = $1"
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if err := admin.QueryRowContext(ctx, q, user).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if n != 0 {
			t.Errorf("%d sessions of the user still open at the server after Close", n)
		}
		t.Logf("relay: %+v", relay.Counts())
	}, longTTL)
}
