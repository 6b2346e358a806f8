package jdbcstyle

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/secretcache/secretcache-go/internal/testlog"
	"github.com/secretcache/secretcache-go/secretcache"
)

// TestEmergencyFix: the database gets a new password, then the secret. The
// Connects in between fail; the first one after the secret is fixed
// succeeds, however soon it comes: the recovery it triggers reads the
// secret fresh, never an answer fetched before the refusal.
func TestEmergencyFix(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, c, _ := e.userConnector(t, "emergency", "")
		if conn, err := c.Connect(ctx); err != nil {
			t.Fatalf("before: %v", err)
		} else {
			conn.Close()
		}
		pw := randomPassword(t)
		e.db.SetPassword(t, user, pw)
		if _, err := c.Connect(ctx); err == nil {
			t.Fatal("with the old password in the secret: got a connection, want a refusal")
		}
		e.putSecret(t, e.secretJSON(t, user, pw))
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatalf("first Connect after the secret was fixed: got %v, want a connection", err)
		}
		conn.Close()
	})
}

// TestStalePendingNotRetried: a failed rotation left an AWSPENDING whose
// password the database never got, and AWSCURRENT is refused too (its
// password was changed by hand). Connects keep failing, but each version
// costs one refused login, not one per Connect.
func TestStalePendingNotRetried(t *testing.T) {
	t.Parallel()
	quickRefresh := func(c *secretcache.Cache) { c.MinRefreshInterval = 10 * time.Millisecond }
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		relay := e.viaRelay(t)
		user, c, _ := e.userConnector(t, "stale", "")
		e.putSecret(t, e.secretJSON(t, user, randomPassword(t)), stagePending)
		e.db.SetPassword(t, user, randomPassword(t))
		relay.Reset()
		for i := range 8 {
			_, err := c.Connect(ctx)
			if err == nil {
				t.Fatalf("Connect %d: got a connection, want a refusal", i)
			}
			if !e.db.IsAuthError(err) {
				t.Fatalf("Connect %d: got %v, want the refusal reachable", i, err)
			}
		}
		if got := relay.Counts(); got.Total() != 2 {
			t.Errorf("8 Connects: the database refused %d logins (%v), want 2: AWSCURRENT and AWSPENDING once each", got.Total(), got.Refused)
		}
	}, quickRefresh)
}

// TestAccountRefusalStopsLadder: a user the database refuses to let in
// whatever the password (MySQL/MariaDB ACCOUNT LOCK, PostgreSQL NOLOGIN or
// a pg_hba.conf reject) is not replaced by its alternating partner, even
// though AWSPREVIOUS holds the partner's working credentials, and is not
// tried again by the next Connect.
func TestAccountRefusalStopsLadder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		engine Engine
		deny   func(t *testing.T, e *env, user string)
		code   string
	}{
		{"mysql ACCOUNT LOCK", MySQL, func(t *testing.T, e *env, user string) { e.db.DenyLogin(t, user) }, "4151"},
		{"postgres NOLOGIN", Postgres, func(t *testing.T, e *env, user string) { e.db.DenyLogin(t, user) }, "28000"},
		{"postgres pg_hba.conf reject", Postgres, func(t *testing.T, e *env, user string) { e.db.RejectByHBA(t, user) }, "28000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.engine)
			ctx := testContext(t)
			relay := e.viaRelay(t)
			user, pw := e.newUser(t, "denied")
			clone, clonePW := user+"_clone", randomPassword(t)
			e.db.CreateUser(t, clone, clonePW)
			e.createSecret(t, e.secretJSON(t, clone, clonePW))
			e.putSecret(t, e.secretJSON(t, user, pw)) // AWSPREVIOUS: the clone
			c, logins := e.connector(t, "")
			tt.deny(t, e, user)
			relay.Reset()

			_, err := c.Connect(ctx)
			if err == nil {
				t.Fatal("got a connection, want the account refused")
			}
			var me *mysql.MySQLError
			var pe *pgconn.PgError
			if !errors.As(err, &me) && !errors.As(err, &pe) {
				t.Errorf("got %v, want the driver's error reachable", err)
			}
			if got := logins.take(); len(got) != 1 {
				t.Errorf("got logins %v, want one: no fallback after an account refusal", got)
			}
			got := relay.Counts()
			if got.Accepted != 0 || got.Total() != 1 || got.Refused[tt.code] != 1 {
				t.Errorf("the database saw %+v, want one login refused with %s and none accepted", got, tt.code)
			}

			_, err = c.Connect(ctx)
			var ce *ConnectError
			if !errors.As(err, &ce) || !ce.Withheld {
				t.Errorf("second Connect: got %v, want a ConnectError that withheld the refused credentials", err)
			}
			if got := relay.Counts(); got.Total() != 1 || got.Accepted != 0 {
				t.Errorf("after a second Connect the database saw %+v, want nothing more", got)
			}
			if s := c.Stats(); s.Denied != 1 || s.Withheld != 1 || s.FallbackLogins() != 0 {
				t.Errorf("got stats %+v, want 1 denied, 1 withheld, no fallback", s)
			}
		})
	}
}

// TestFallbackLoggedAndCounted: a login with AWSPENDING is logged at WARN
// through the cache's logger, with the secret, the stage and the user and
// no password, and counted in the Connector's statistics.
func TestFallbackLoggedAndCounted(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, c, _ := e.userConnector(t, "logged", "")
		r := e.startRotation(t, false)
		r.setSecret(t)
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatalf("in the window: %v", err)
		}
		conn.Close()
		if s := c.Stats(); s.PendingLogins != 1 || s.FallbackLogins() != 1 || s.Refused != 1 || s.Recoveries != 1 {
			t.Errorf("got stats %+v, want 1 refused, 1 recovery, 1 AWSPENDING login", s)
		}
		var found bool
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, r.password) {
				t.Fatal("a log line holds the password")
			}
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["secret_id"] != e.id {
				continue
			}
			found = rec["level"] == "WARN" && rec["stage"] == stagePending && rec["username"] == user
		}
		if !found {
			t.Errorf("no WARN record with secret_id, stage AWSPENDING and username in %s", logs.String())
		}
	}, func(c *secretcache.Cache) { c.Logger = logger })
}

// TestLoginGateAbandons: logins queued at the gate behind a refused one
// are abandoned before they send the refused credentials.
func TestLoginGateAbandons(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeSecret("app", "p1"))
	db := &fakeDB{accounts: map[string]string{"app": "p2"}}
	c, _ := e.fakeConnector(t, "?loginConcurrency=1", db)
	l := &login{deadline: time.Now().Add(time.Minute), gate: c.gate, ladder: c.ladder, version: "v1"}
	if err := l.send(context.Background()); err != nil {
		t.Fatal(err)
	}
	queued := &login{deadline: time.Now().Add(time.Minute), gate: c.gate, ladder: c.ladder, version: "v1"}
	done := make(chan error)
	go func() { done <- queued.send(context.Background()) }()
	c.ladder.refuse("v1", authFailure, errors.New("refused"), time.Now())
	l.release()
	if err := <-done; !errors.Is(err, errAbandoned) || !queued.abandoned {
		t.Errorf("queued login: got %v, want it abandoned", err)
	}
	queued.release()
	if !c.gate.TryAcquire(1) {
		t.Error("the gate's slot was not given back")
	}
}

// TestLadderForgetsOldRefusals: every single-user rotation leaves a
// refused version behind; the ladder does not keep them forever.
func TestLadderForgetsOldRefusals(t *testing.T) {
	t.Parallel()
	var l ladder
	now := time.Now()
	for i := range 100 {
		l.refuse(strconv.Itoa(i), authFailure, errors.New("refused"), now)
		now = now.Add(time.Hour)
	}
	l.mu.Lock()
	n := len(l.refused)
	l.mu.Unlock()
	if n > maxRefused {
		t.Errorf("got %d refused versions remembered, want at most %d", n, maxRefused)
	}
	if !l.isRefused("99", now.Add(-time.Hour)) {
		t.Error("the last refusal was forgotten")
	}
}

// TestRefusalPace pins the pace of the refused logins that a password that
// stays wrong costs while Connects keep coming (one per second here), which
// the package documentation states: loginConcurrency at once, then one at
// each backoff (10s, doubling): the fifth comes after 70s, the tenth after
// half an hour.
func TestRefusalPace(t *testing.T) {
	t.Parallel()
	var l ladder
	start := time.Now()
	var at []time.Duration // when each refusal happened
	for range DefaultLoginConcurrency {
		l.refuse("v", authFailure, errors.New("refused"), start)
		at = append(at, 0)
	}
	for now := start; now.Sub(start) < time.Hour; now = now.Add(time.Second) {
		if p := l.planFor("v", now); p.probe {
			l.refuse("v", authFailure, errors.New("refused"), now)
			at = append(at, now.Sub(start))
		}
	}
	if got, want := at[4], 70*time.Second; got != want {
		t.Errorf("the fifth refusal came after %v, want %v", got, want)
	}
	if got, want := at[9], 1830*time.Second; got != want {
		t.Errorf("the tenth refusal came after %v, want %v", got, want)
	}
}

// TestFallbackRefusalPace: a fallback version the database refused waits
// retryRefusedMax (10 minutes) since its refusal before a recovery sends it
// again, not its own backoff, which AWSCURRENT's probes already pay; one
// refused by something that does not know it yet waits for its backoff.
func TestFallbackRefusalPace(t *testing.T) {
	t.Parallel()
	var l ladder
	start := time.Now()
	if l.fallbackRefused("pending", start) {
		t.Fatal("a version never refused is skipped")
	}
	l.refuse("pending", authFailure, errors.New("refused"), start)
	for _, after := range []time.Duration{0, retryRefused, 9 * time.Minute} {
		if !l.fallbackRefused("pending", start.Add(after)) {
			t.Errorf("%v after its refusal, the fallback would be sent again", after)
		}
	}
	if l.fallbackRefused("pending", start.Add(retryRefusedMax)) {
		t.Errorf("%v after its refusal, the fallback is still skipped", retryRefusedMax)
	}
	l.refuse("proxy", unknownCredentials, errors.New("unknown"), start)
	if !l.fallbackRefused("proxy", start) || l.fallbackRefused("proxy", start.Add(retryUnknown)) {
		t.Errorf("a fallback refused as unknown credentials waits for its backoff, %v", retryUnknown)
	}
}

// TestEmergencyFixUnderLoad is TestEmergencyFix under a pool of 50
// goroutines that keep failing between the two changes: recoveries run and
// wait for the refresh rate limit when the secret is fixed, yet the first
// Connect started after the fix gets in.
func TestEmergencyFixUnderLoad(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		relay := e.viaRelay(t)
		user, c, _ := e.userConnector(t, "emergload", "")
		db := e.openDB(t, c)
		db.SetMaxIdleConns(50)
		db.SetConnMaxLifetime(200 * time.Millisecond)
		w := runWorkload(t, 50, func(ctx context.Context) (string, error) { return e.whoami(ctx, db) })
		w.advance(t, 200)
		pw := randomPassword(t)
		relay.Reset()
		e.db.SetPassword(t, user, pw)
		deadline := time.Now().Add(time.Minute)
		for relay.Counts().Total() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no login was refused after the password changed")
			}
			time.Sleep(5 * time.Millisecond) // polling a counter
		}
		w.advance(t, 20) // failing queries: recoveries run
		e.putSecret(t, e.secretJSON(t, user, pw))
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatalf("first Connect after the secret was fixed: got %v, want a connection", err)
		}
		conn.Close()
		if got := relay.Counts(); got.Total() > 3 {
			t.Errorf("the database refused %d logins (%v), want at most 3", got.Total(), got.Refused)
		}
	})
}

// TestLateAcceptKeepsRefusal: two logins with the same version in flight
// together; the database checked one before a rotation changed the
// password and the other after. The refusal is recorded first, the
// acceptance second: the version stays refused.
func TestLateAcceptKeepsRefusal(t *testing.T) {
	t.Parallel()
	var l ladder
	now := time.Now()
	gen := l.generation("v") // both logins planned now
	l.refuse("v", authFailure, errors.New("refused"), now)
	l.accept("v", gen)
	if !l.isRefused("v", now) {
		t.Error("a login planned before the refusal made the ladder forget it")
	}
	l.accept("v", l.generation("v"))
	if l.isRefused("v", now) {
		t.Error("a login planned after the refusal, accepted, left the version refused")
	}
}
