package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/secretcache/secretcache-go/secretcache"
)

// These tests play the rotation function against real servers: they change
// the database (setSecret) and the secret's labels (createSecret,
// finishSecret) in the order AWS's templates do.

// finishSecret moves AWSCURRENT to versionID, as the last rotation step does.
func (e *env) finishSecret(t testing.TB, versionID string) {
	t.Helper()
	stages, err := e.sm.VersionStages(e.id)
	if err != nil {
		t.Fatal(err)
	}
	var current string
	for v, labels := range stages {
		if slices.Contains(labels, stageCurrent) {
			current = v
		}
	}
	_, err = e.sm.Client().UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(e.id), VersionStage: aws.String(stageCurrent),
		MoveToVersionId: aws.String(versionID), RemoveFromVersionId: aws.String(current),
	})
	if err != nil {
		t.Fatalf("UpdateSecretVersionStage: %v", err)
	}
}

func TestSingleUserRotation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, pw := e.newUser(t, "single")
		e.createSecret(t, e.secretJSON(t, user, pw))
		c, logins := e.connector(t, "")
		db := e.openDB(t, c)
		held, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("open a session before the rotation: %v", err)
		}
		defer held.Close()

		newPW := randomPassword(t)
		e.db.SetPassword(t, user, newPW)
		if _, err := e.sm.Rotate(ctx, e.id, e.secretJSON(t, user, newPW)); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
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
		if got := logins.take(); !equalStages(got, []string{stageCurrent}) {
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
		user, pw := e.newUser(t, "window")
		e.createSecret(t, e.secretJSON(t, user, pw))
		c, logins := e.connector(t, "")
		db := e.openDB(t, c)
		if _, err := e.whoami(ctx, db); err != nil {
			t.Fatalf("before the rotation: %v", err)
		}

		// createSecret and setSecret done; finishSecret not yet.
		newPW := randomPassword(t)
		pending := e.putSecret(t, e.secretJSON(t, user, newPW), stagePending)
		e.db.SetPassword(t, user, newPW)
		logins.take()
		e.sm.ResetCalls()

		if got, err := e.whoami(ctx, db); err != nil || got != user {
			t.Fatalf("in the window: got %q, %v, want %q and no error", got, err, user)
		}
		if got, want := logins.take(), []string{stageCurrent, stagePending}; !equalStages(got, want) {
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
		if got, want := logins.take(), []string{stagePending, stagePending, stagePending}; !equalStages(got, want) {
			t.Errorf("in the window, later connections: got logins %v, want %v", got, want)
		}

		e.finishSecret(t, pending)
		if got, err := e.whoami(ctx, db); err != nil || got != user {
			t.Fatalf("after finishSecret: got %q, %v, want %q and no error", got, err, user)
		}
	})
}

func TestAlternatingUsers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		// A short TTL stands for time passing: new connections must pick
		// up the new user once the cache refreshes, with no error.
		e = newEnv(t, e.engine, func(c *secretcache.Cache) { c.CacheItemTTL = int64(50 * time.Millisecond) })
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
	})
}

func TestAlternatingUsersNewUserNotReady(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		userA, pwA := e.newUser(t, "reada")
		userB, _ := e.newUser(t, "readb")
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
		if got, want := logins.take(), []string{stageCurrent, stagePrevious}; !equalStages(got, want) {
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
				if _, err := e.cache.GetSecretString(e.id); err != nil { // cached before the change
					t.Fatal(err)
				}
				e.putSecret(t, e.secretJSON(t, user, wrong[1]))
				e.putSecret(t, e.secretJSON(t, user, wrong[2]), stagePending)
				e.sm.ResetCalls()

				_, err := c.Connect(ctx)
				if got := logins.take(); !equalStages(got, tt.wantLogins) {
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
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, pw := range passwords {
			if strings.Contains(text, pw) {
				t.Fatalf("error text contains a password")
			}
		}
	}
}

func TestConcurrentConnectsAfterRotation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, pw := e.newUser(t, "storm")
		e.createSecret(t, e.secretJSON(t, user, pw))
		c, _ := e.connector(t, "")
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()

		newPW := randomPassword(t)
		e.db.SetPassword(t, user, newPW)
		if _, err := e.sm.Rotate(ctx, e.id, e.secretJSON(t, user, newPW)); err != nil {
			t.Fatal(err)
		}
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
		// The refused connects share one forced refresh of AWSCURRENT;
		// those that come after it find the new version cached.
		got := e.sm.Calls("GetSecretValue")
		if got != 1 {
			t.Errorf("got %d GetSecretValue calls for %d connects, want 1", got, n)
		}
		t.Logf("%d concurrent connects after a rotation made %d GetSecretValue calls", n, got)
	})
}
