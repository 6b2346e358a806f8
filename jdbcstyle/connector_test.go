package jdbcstyle

import (
	"database/sql"
	"errors"
	"testing"
)

func TestWrongPasswordRejected(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		user, _ := e.newUser(t, "wrong")
		db, err := sql.Open(e.db.DriverName(), e.db.DSN(user, "not-the-password"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.PingContext(testContext(t)); !e.db.IsAuthError(err) {
			t.Fatalf("plain driver with a wrong password: got %v, want an authentication error", err)
		}
	})
}

func TestConnectAndQuery(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, pw := e.newUser(t, "plain")
		e.createSecret(t, e.secretJSON(t, user, pw))
		c, logins := e.connector(t, "")
		db := e.openDB(t, c)
		for i := 0; i < 3; i++ {
			got, err := e.whoami(ctx, db)
			if err != nil || got != user {
				t.Fatalf("query %d: got %q, %v, want %q", i, got, err, user)
			}
		}
		if got := logins.take(); !equalStages(got, []string{"AWSCURRENT", "AWSCURRENT", "AWSCURRENT"}) {
			t.Errorf("got logins %v, want three with AWSCURRENT", got)
		}
		if got := e.sm.Calls("GetSecretValue"); got != 1 {
			t.Errorf("got %d GetSecretValue calls, want 1 (cached)", got)
		}
	})
}

func TestConnectorClose(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		user, pw := e.newUser(t, "close")
		e.createSecret(t, e.secretJSON(t, user, pw))
		c, _ := e.connector(t, "")
		conn, err := c.Connect(testContext(t))
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		defer conn.Close()
		for i := 0; i < 2; i++ {
			if err := c.Close(); err != nil {
				t.Fatalf("Close %d: got %v, want nil", i, err)
			}
		}
		if _, err := c.Connect(testContext(t)); !errors.Is(err, ErrClosed) {
			t.Errorf("Connect after Close: got %v, want ErrClosed", err)
		}
		if _, err := e.cache.GetSecretString(e.id); err != nil {
			t.Errorf("cache after Close: got %v, want it still open", err)
		}
	})
}
