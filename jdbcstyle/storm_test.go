package jdbcstyle

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/go-sql-driver/mysql"
	"github.com/secretcache/secretcache-go/internal/loginrelay"
	"github.com/secretcache/secretcache-go/internal/testdb"
)

// These tests count what the database refused through a relay in front of
// it (internal/loginrelay), never through the Connector's own counters.

// burst runs n Connects at once and returns how many failed, and the first
// error.
func burst(ctx context.Context, c *Connector, n int) (failed int, first error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			conn, err := c.Connect(ctx)
			if err == nil {
				err = conn.Close()
			}
			if err != nil {
				mu.Lock()
				failed++
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return failed, first
}

// inRotationWindow gives a Connector on a new user of e, prefixed prefix,
// whose password is cached and proven, then plays a single-user rotation up
// to setSecret: the database now refuses the cached AWSCURRENT and lets
// AWSPENDING in. The returned relay, in front of the database, counts from
// there.
func inRotationWindow(ctx context.Context, t *testing.T, e *env, prefix string) (*Connector, *loginrelay.Relay) {
	t.Helper()
	relay := e.viaRelay(t)
	_, c, _ := e.userConnector(t, prefix, "")
	warmUp(ctx, t, c)
	e.startRotation(t, false).setSecret(t)
	relay.Reset()
	return c, relay
}

// warmUp fails t unless a Connect through c succeeds, which caches the
// current password and proves it: the state a service is in when a
// rotation begins.
func warmUp(ctx context.Context, t *testing.T, c *Connector) {
	t.Helper()
	if failed, err := burst(ctx, c, 1); failed > 0 {
		t.Fatalf("before the rotation: %v", err)
	}
}

// TestBurstInRotationWindow: 30 Connects arriving together between
// setSecret and finishSecret of a single-user rotation, with the old
// password cached and proven, cost at most 2 refused logins in all.
func TestBurstInRotationWindow(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		c, relay := inRotationWindow(ctx, t, e, "burst")

		if failed, err := burst(ctx, c, 30); failed > 0 {
			t.Fatalf("%d of 30 Connects failed; the first: %v", failed, err)
		}
		got := relay.Counts()
		if got.Total() > 2 {
			t.Errorf("the database refused %d logins (%v), want at most 2", got.Total(), got.Refused)
		}
		if got.Accepted < 30 {
			t.Errorf("the database let %d logins in, want at least 30", got.Accepted)
		}
		t.Logf("30 Connects in the window: refused %v, accepted %d", got.Refused, got.Accepted)
	})
}

// TestLockoutPolicyNeverTrips runs rotations under load against a MariaDB
// that blocks an account after 5 consecutive wrong passwords
// (max_password_errors=5), after checking that it does.
func TestLockoutPolicyNeverTrips(t *testing.T) {
	t.Parallel()
	srv := testdb.NewMySQL(t)
	srv.Exec(t, "SET GLOBAL max_password_errors = 5")
	e := &env{engine: MySQL, db: srv, id: "test/" + testdb.UniqueName("secret")}
	e.sm, e.cache = newCache(t)
	relay := e.viaRelay(t)
	ctx := testContext(t)

	// The policy works: five wrong passwords block the right one.
	victim, pw := e.newUser(t, "victim")
	for i := range 6 {
		password := "wrong"
		if i == 5 {
			password = pw
		}
		db, err := sql.Open("mysql", srv.DSNVia(relay.Host, relay.Port, victim, password))
		if err != nil {
			t.Fatal(err)
		}
		err = db.PingContext(ctx)
		db.Close()
		var me *mysql.MySQLError
		if i == 5 && (!errors.As(err, &me) || me.Number != mariadbPasswordLocked) {
			t.Fatalf("after 5 wrong passwords: got %v, want MariaDB error %d (blocked)", err, mariadbPasswordLocked)
		}
	}
	relay.Reset()

	user, c, _ := e.userConnector(t, "lockout", "")
	db := e.openDB(t, c)
	db.SetMaxIdleConns(50)
	db.SetConnMaxLifetime(200 * time.Millisecond)
	w := runWorkload(t, 50, func(ctx context.Context) (string, error) { return e.whoami(ctx, db) })
	w.advance(t, 200)
	for i := range 3 {
		r := e.startRotation(t, false)
		w.advance(t, 100)
		r.setSecret(t)
		w.advance(t, 200)
		r.testSecret(t)
		r.finishSecret(t)
		w.advance(t, 200)
		e.awaitCurrent(t, r.token)
		if got := relay.Counts(); got.Refused["4150"] > 0 {
			t.Fatalf("rotation %d: the account was blocked (%v)", i, got.Refused)
		}
	}
	// Then rotations back to back, their steps at Lambda speed, single
	// user and alternating users: a user refused in one rotation is not
	// let in again before it is refused in a later one, so its failures
	// add up across rotations.
	playShaped(t, e, relay, w, rotationShape{fast: true, rotations: 3})
	playShaped(t, e, relay, w, rotationShape{alternating: true, fast: true, createClone: true, rotations: 6})
	w.check(t, user, user+"_clone")
	t.Logf("12 rotations, %d queries", w.queries.Load())
}

// TestRotationsUnderPool plays AWS's single-user and alternating-users
// rotations step by step under a pool of 50 goroutines whose connections
// live 200ms: no query fails, none runs as a user the secret did not name
// at the time, and each rotation costs at most 3 refused logins.
func TestRotationsUnderPool(t *testing.T) {
	t.Parallel()
	forEachScheme(t, func(t *testing.T, alternating bool) {
		forEachEngine(t, func(t *testing.T, e *env) {
			relay := e.viaRelay(t)
			user, c, _ := e.userConnector(t, "pool", "")
			if alternating {
				e.db.CreateUser(t, user+"_clone", randomPassword(t))
			}
			db := e.openDB(t, c)
			db.SetMaxIdleConns(50)
			db.SetConnMaxLifetime(200 * time.Millisecond)
			w := runWorkload(t, 50, func(ctx context.Context) (string, error) { return e.whoami(ctx, db) })
			playRotations(t, e, relay, w, alternating)
			w.check(t, user, user+"_clone")
		})
	})
}

// playRotations runs two rotations step by step under w, each step after
// the workload made progress, and checks the refused logins of each.
func playRotations(t *testing.T, e *env, relay *loginrelay.Relay, w *workload, alternating bool) {
	t.Helper()
	w.advance(t, 200)
	for i := range 2 {
		relay.Reset()
		r := e.startRotation(t, alternating)
		w.advance(t, 100)
		r.setSecret(t)
		w.advance(t, 200)
		r.testSecret(t)
		w.advance(t, 100)
		r.finishSecret(t)
		w.advance(t, 300)
		if !alternating {
			// The Connector fell back to AWSPENDING; it must go back.
			// Alternating users need no fallback: the old user keeps
			// working until the cache's TTL brings the new one.
			e.awaitCurrent(t, r.token)
		}
		got := relay.Counts()
		if got.Total() > 3 {
			t.Errorf("rotation %d: the database refused %d logins (%v), want at most 3", i, got.Total(), got.Refused)
		}
		t.Logf("rotation %d: refused %v, accepted %d", i, got.Refused, got.Accepted)
	}
}

// TestBurstAcrossConnectors: a service with several pools on the same
// secret (a sql.DB per package, an ORM beside a query builder) gets the
// bound of one: 30 Connects spread over 5 Connectors of the same cache and
// DSN, arriving together in a single-user rotation window, cost at most 2
// refused logins in all.
func TestBurstAcrossConnectors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		relay := e.viaRelay(t)
		_, first, _ := e.userConnector(t, "multi", "")
		cs := []*Connector{first}
		for range 4 {
			c, _ := e.connector(t, "")
			cs = append(cs, c)
		}
		for _, c := range cs {
			warmUp(ctx, t, c)
		}
		r := e.startRotation(t, false)
		r.setSecret(t)
		relay.Reset()

		var wg sync.WaitGroup
		errs := make(chan error, len(cs))
		for _, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if failed, err := burst(ctx, c, 6); failed > 0 {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a Connect failed: %v", err)
		}
		if got := relay.Counts(); got.Total() > 2 {
			t.Errorf("the database refused %d logins (%v), want at most 2", got.Total(), got.Refused)
		}
		// Closing one Connector leaves the others what they learned.
		cs[0].Close()
		relay.Reset()
		if failed, err := burst(ctx, cs[1], 6); failed > 0 {
			t.Errorf("after another Connector closed: %v", err)
		}
		if got := relay.Counts(); got.Total() > 0 {
			t.Errorf("after another Connector closed, the database refused %d logins, want none", got.Total())
		}
	})
}

// TestBurstAfterDeletion: the secret is scheduled for deletion (the default
// recovery window) and the database no longer takes the cached password,
// when 30 Connects arrive together. The Connector learns that the secret
// is gone instead of serving what it cached: every Connect fails with the
// service's answer reachable (beside the refusal, for those that logged
// in), and the database sees at most loginConcurrency (2) refused logins.
func TestBurstAfterDeletion(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		relay := e.viaRelay(t)
		user, c, _ := e.userConnector(t, "deleted", "")
		warmUp(ctx, t, c)
		e.db.SetPassword(t, user, randomPassword(t))
		if _, err := e.sm.Client().DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(e.id)}); err != nil {
			t.Fatalf("DeleteSecret: %v", err)
		}
		relay.Reset()

		failed, err := burst(ctx, c, 30)
		if failed != 30 {
			t.Fatalf("%d of 30 Connects failed, want all", failed)
		}
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidRequestException" {
			t.Errorf("got %v, want the service's answer for a secret marked for deletion reachable", err)
		}
		if got := relay.Counts(); got.Total() > 2 || got.Accepted != 0 {
			t.Errorf("the database saw %+v, want at most 2 refused logins and none accepted", got)
		}
	}, longTTL)
}
