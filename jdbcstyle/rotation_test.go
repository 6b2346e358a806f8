package jdbcstyle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/secretcache/secretcache-go/secretcache"
)

// These tests play the rotation function against real servers: they change
// the database (setSecret) and the secret's labels (createSecret,
// finishSecret) in the order AWS's templates do.

func TestSingleUserRotation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, db, logins := e.userDB(t, "single")
		held, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("open a session before the rotation: %v", err)
		}
		defer held.Close()

		e.rotatePassword(t, user)
		logins.take()
		e.sm.ResetCalls()

		if got, err := e.whoami(ctx, db); err != nil || got != user {
			t.Fatalf("first query after the rotation: got %q, %v, want %q and no error", got, err, user)
		}
		gotLogins, gotCalls := logins.take(), e.sm.Calls("GetSecretValue")
		if len(gotLogins) > 2 {
			t.Errorf("got logins %v, want at most 2", gotLogins)
		}
		if gotCalls > 2 {
			t.Errorf("got %d GetSecretValue calls, want at most 2", gotCalls)
		}
		t.Logf("first connection after the rotation: logins %v, %d GetSecretValue calls", gotLogins, gotCalls)
		if got, err := e.whoami(ctx, db); err != nil || got != user {
			t.Fatalf("second query: got %q, %v", got, err)
		}
		if got := logins.take(); !slices.Equal(got, []string{stageCurrent}) {
			t.Errorf("second query: got logins %v, want one with AWSCURRENT", got)
		}
		if _, err := e.whoami(ctx, held); err != nil {
			t.Errorf("session opened before the rotation: got %v, want it still working", err)
		}
	})
}

func TestRotationWindow(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, db, logins := e.userDB(t, "window")
		if _, err := e.whoami(ctx, db); err != nil {
			t.Fatalf("before the rotation: %v", err)
		}

		// createSecret and setSecret done; finishSecret not yet.
		newPW := randomPassword(t)
		e.putSecret(t, e.secretJSON(t, user, newPW), stagePending)
		e.db.SetPassword(t, user, newPW)
		logins.take()
		e.sm.ResetCalls()

		if got, err := e.whoami(ctx, db); err != nil || got != user {
			t.Fatalf("in the window: got %q, %v, want %q and no error", got, err, user)
		}
		if got, want := logins.take(), []string{stageCurrent, stagePending}; !slices.Equal(got, want) {
			t.Errorf("in the window: got logins %v, want %v", got, want)
		}
		if got := e.sm.Calls("GetSecretValue"); got > 2 {
			t.Errorf("in the window: got %d GetSecretValue calls, want at most 2", got)
		}
		// The connections after it go straight to AWSPENDING: a burst of
		// new connections costs one refused login, not one each.
		for i := range 3 {
			if got, err := e.whoami(ctx, db); err != nil || got != user {
				t.Fatalf("in the window, connection %d: got %q, %v, want %q", i+2, got, err, user)
			}
		}
		if got, want := logins.take(), []string{stagePending, stagePending, stagePending}; !slices.Equal(got, want) {
			t.Errorf("in the window, later connections: got logins %v, want %v", got, want)
		}

		e.moveCurrent(t, stagePending)
		if got, err := e.whoami(ctx, db); err != nil || got != user {
			t.Fatalf("after finishSecret: got %q, %v, want %q and no error", got, err, user)
		}
	})
}

func TestAlternatingUsers(t *testing.T) {
	t.Parallel()
	// A short TTL stands for time passing: new connections must pick up the
	// new user once the cache refreshes, with no error.
	shortTTL := func(c *secretcache.Cache) { c.CacheItemTTL = int64(50 * time.Millisecond) }
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		userA, pwA := e.newUser(t, "alta")
		userB, pwB := e.newUser(t, "altb")
		e.createSecret(t, e.secretJSON(t, userA, pwA))
		c, _ := e.connector(t, "")
		db := e.openDB(t, c)
		held, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()

		if _, err := e.sm.Rotate(ctx, e.id, e.secretJSON(t, userB, pwB)); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := e.whoami(ctx, db)
			if err != nil {
				t.Fatalf("query during the switch: %v", err)
			}
			if got == userB {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("new connections still log in as %q, want %q", got, userB)
			}
		}
		if got, err := e.whoami(ctx, held); err != nil || got != userA {
			t.Errorf("session opened before the rotation: got %q, %v, want %q still working", got, err, userA)
		}
	}, shortTTL)
}

func TestAlternatingUsersNewUserNotReady(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		userA, pwA := e.newUser(t, "ready")
		userB := userA + "_clone"
		e.db.CreateUser(t, userB, randomPassword(t))
		e.createSecret(t, e.secretJSON(t, userA, pwA))
		// AWSCURRENT names a user whose password the database does not
		// have yet (a failed setSecret, a lagging replica): AWSPREVIOUS
		// still works.
		e.putSecret(t, e.secretJSON(t, userB, randomPassword(t)))
		c, logins := e.connector(t, "")
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatalf("Connect: got %v, want AWSPREVIOUS to work", err)
		}
		defer conn.Close()
		if got, want := logins.take(), []string{stageCurrent, stagePrevious}; !slices.Equal(got, want) {
			t.Errorf("got logins %v, want %v", got, want)
		}
	})
}

func TestWrongCredentialsEverywhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		params     string
		wantLogins []string
		maxCalls   int
	}{
		{"fallbacks", "", []string{stageCurrent, stageCurrent, stagePending}, 3},
		{"no fallback", "?fallback=false", []string{stageCurrent, stageCurrent}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				ctx := testContext(t)
				user, realPW := e.newUser(t, "wrong")
				wrong := []string{randomPassword(t), randomPassword(t), randomPassword(t)}
				e.createSecret(t, e.secretJSON(t, user, wrong[0]))
				c, logins := e.connector(t, tt.params)
				e.cacheCurrent(t) // before the change
				e.putSecret(t, e.secretJSON(t, user, wrong[1]))
				e.putSecret(t, e.secretJSON(t, user, wrong[2]), stagePending)
				e.sm.ResetCalls()

				_, err := c.Connect(ctx)
				if got := logins.take(); !slices.Equal(got, tt.wantLogins) {
					t.Errorf("got logins %v, want %v", got, tt.wantLogins)
				}
				if got := e.sm.Calls("GetSecretValue"); got > tt.maxCalls {
					t.Errorf("got %d GetSecretValue calls, want at most %d", got, tt.maxCalls)
				}
				checkAuthError(t, e, err, append(wrong, realPW))

				// Through database/sql, which must not multiply the attempts.
				db := e.openDB(t, c)
				err = db.PingContext(ctx)
				if got := logins.take(); len(got) > maxAttempts {
					t.Errorf("db.Ping: got %d logins, want at most %d", len(got), maxAttempts)
				}
				checkAuthError(t, e, err, append(wrong, realPW))
			})
		})
	}
}

// checkAuthError checks that err is the driver's authentication error,
// reachable with errors.As, not driver.ErrBadConn, and free of passwords.
func checkAuthError(t *testing.T, e *env, err error, passwords []string) {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want an authentication failure")
	}
	var me *mysql.MySQLError
	var pe *pgconn.PgError
	switch {
	case e.engine == MySQL && (!errors.As(err, &me) || me.Number != mysqlAccessDenied):
		t.Errorf("got %v, want a *mysql.MySQLError 1045", err)
	case e.engine == Postgres && (!errors.As(err, &pe) || pe.Code != pgInvalidPassword):
		t.Errorf("got %v, want a *pgconn.PgError 28P01", err)
	}
	if errors.Is(err, driver.ErrBadConn) {
		t.Errorf("got driver.ErrBadConn, which database/sql retries")
	}
	// %#v does not follow pointers: look at the copy of the config that
	// pgx keeps in its error, which a debugger or a dump would show.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Config != nil && ce.Config.Password != "" {
		t.Errorf("got a *pgconn.ConnectError whose Config holds a password, want it scrubbed")
	}
	checkNoPassword(t, err, passwords...)
}

func TestConcurrentConnectsAfterRotation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, c, _ := e.userConnector(t, "storm", "")
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()

		e.rotatePassword(t, user)
		e.sm.ResetCalls()

		const n = 100
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, err := c.Connect(ctx)
				if err != nil {
					errs <- err
					return
				}
				errs <- conn.Close()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a concurrent Connect failed: %v", err)
			}
		}
		// The refused connects share one forced refresh of AWSCURRENT, and
		// those that come after it find the new version cached: one call in
		// almost every run. On a loaded machine 100 SCRAM logins can take
		// seconds, longer than the refresh rate limit, and a second refresh
		// has been seen (once in about 15 full runs); the bound is
		// "a few calls, not 100".
		got := e.sm.Calls("GetSecretValue")
		if got > 3 {
			t.Errorf("got %d GetSecretValue calls for %d connects, want at most 3", got, n)
		}
		t.Logf("%d concurrent connects after a rotation made %d GetSecretValue calls", n, got)
	})
}

// TestFallbackKeepsTheServer: a fallback version that names another server
// (host, port or database) than the refused AWSCURRENT is not tried, even
// for the same user or its alternating partner with working credentials: a
// stale or tampered AWSPENDING must not send the Connector, and the
// password, somewhere else.
func TestFallbackKeepsTheServer(t *testing.T) {
	t.Parallel()
	for _, stage := range []string{stagePending, stagePrevious} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				ctx := testContext(t)
				elsewhere := e.viaRelay(t) // the fallback's address
				user, pw := e.newUser(t, "server")
				fallbackUser := user
				if stage == stagePrevious {
					fallbackUser = user + "_clone"
					e.db.CreateUser(t, fallbackUser, pw)
				}
				e.createSecret(t, e.secretJSON(t, fallbackUser, pw))
				relay := e.viaRelay(t) // AWSCURRENT's address
				switch stage {
				case stagePending:
					e.relay = elsewhere
					pending := e.secretJSON(t, user, pw)
					e.relay = relay
					e.putSecret(t, e.secretJSON(t, user, randomPassword(t)))
					e.putSecret(t, pending, stagePending)
				case stagePrevious:
					// AWSPREVIOUS, the clone, keeps the address it was
					// created with; AWSCURRENT moves to relay.
					e.relay = elsewhere
					e.putSecret(t, e.secretJSON(t, fallbackUser, pw))
					e.relay = relay
					e.putSecret(t, e.secretJSON(t, user, randomPassword(t)))
				}
				c, logins := e.connector(t, "")
				elsewhere.Reset()
				_, err := c.Connect(ctx)
				if err == nil {
					t.Errorf("got a connection, want the refusal: %s is on another server", stage)
				}
				if got := logins.take(); len(got) != 1 {
					t.Errorf("got logins %v, want AWSCURRENT's only", got)
				}
				if got := elsewhere.Counts(); got.Accepted+got.Total() != 0 {
					t.Errorf("the other server saw %+v, want no login", got)
				}
			})
		})
	}
}

// TestPreviousOnlyForThePair: AWSCURRENT names a user the database refuses
// (a wrong password) and AWSPREVIOUS a user with working credentials. Only
// the alternating partner of the refused user stands in, and only under
// the default policy: a team that moved the secret from a privileged user
// to a least-privilege one must not be logged in as the privileged one.
func TestPreviousOnlyForThePair(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		previous func(user string) string // AWSPREVIOUS's user, from AWSCURRENT's
		params   string
		wantIn   bool
	}{
		{"partner", func(u string) string { return u + "_clone" }, "", true},
		{"partner, fallbackPrevious=never", func(u string) string { return u + "_clone" }, "fallbackPrevious=never", false},
		{"partner, fallback=false", func(u string) string { return u + "_clone" }, "fallback=false", false},
		{"another user", func(u string) string { return u + "_admin" }, "", false},
		{"another user, fallbackPrevious=any", func(u string) string { return u + "_admin" }, "fallbackPrevious=any", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				ctx := testContext(t)
				relay := e.viaRelay(t)
				user, _ := e.newUser(t, "leastpriv")
				prev, prevPW := tt.previous(user), randomPassword(t)
				e.db.CreateUser(t, prev, prevPW)
				e.createSecret(t, e.secretJSON(t, prev, prevPW))
				e.putSecret(t, e.secretJSON(t, user, randomPassword(t)))
				c, _ := e.connector(t, tt.params)
				relay.Reset()
				conn, err := c.Connect(ctx)
				if got := err == nil; got != tt.wantIn {
					t.Fatalf("got a connection %v (%v), want %v", got, err, tt.wantIn)
				}
				got := relay.Counts()
				if tt.wantIn {
					db := sql.OpenDB(fixedConn{conn}) // closes conn
					defer db.Close()
					if who, err := e.whoami(ctx, db); err != nil || who != prev {
						t.Errorf("logged in as %q (%v), want %q", who, err, prev)
					}
					return
				}
				if got.Accepted != 0 || got.Total() != 1 {
					t.Errorf("the database saw %+v, want one refused login and none accepted", got)
				}
			})
		})
	}
}

// fixedConn is a driver.Connector that returns one connection.
type fixedConn struct{ conn driver.Conn }

func (f fixedConn) Connect(context.Context) (driver.Conn, error) { return f.conn, nil }
func (f fixedConn) Driver() driver.Driver                        { return nil }
