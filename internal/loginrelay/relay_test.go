package loginrelay_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/loginrelay"
	"github.com/secretcache/secretcache-go/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestCounts checks the relay against real servers: a right password counts
// as accepted, a wrong one as refused with the engine's code, and a plain
// query after the login does not disturb the counts.
func TestCounts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		engine    string
		server    func(testing.TB) *testdb.Server
		wrongCode string
	}{
		{loginrelay.MySQL, testdb.MySQL, "1045"},
		{loginrelay.Postgres, testdb.Postgres, "28P01"},
	} {
		t.Run(tt.engine, func(t *testing.T) {
			t.Parallel()
			srv := tt.server(t)
			relay := loginrelay.Start(t, tt.engine, srv.Host+":"+strconv.Itoa(srv.Port))
			user := testdb.UniqueName("relay")
			srv.CreateUser(t, user, "right-password")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			for i, password := range []string{"right-password", "wrong-password", "right-password", "wrong-password", "wrong-password"} {
				db, err := sql.Open(srv.DriverName(), srv.DSNVia(relay.Host, relay.Port, user, password))
				if err != nil {
					t.Fatal(err)
				}
				var one int
				err = db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
				db.Close()
				if wantOK := password == "right-password"; (err == nil) != wantOK {
					t.Fatalf("login %d: got %v, want success %v", i, err, wantOK)
				}
			}
			got := relay.Counts()
			if got.Accepted != 2 || got.Total() != 3 || got.Refused[tt.wrongCode] != 3 || got.Unread != 0 {
				t.Errorf("got %+v, want 2 accepted and 3 refused with %s", got, tt.wrongCode)
			}
			relay.Reset()
			if got := relay.Counts(); got.Accepted != 0 || got.Total() != 0 {
				t.Errorf("after Reset: got %+v, want zeros", got)
			}
		})
	}
}

// TestVerdictDelay checks that a login through a relay with a verdict delay
// takes at least that long, and that its verdict is still counted.
func TestVerdictDelay(t *testing.T) {
	t.Parallel()
	srv := testdb.MySQL(t)
	relay := loginrelay.Start(t, loginrelay.MySQL, srv.Host+":"+strconv.Itoa(srv.Port))
	user := testdb.UniqueName("relay")
	srv.CreateUser(t, user, "right-password")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const delay = 300 * time.Millisecond
	relay.SetVerdictDelay(delay)
	db, err := sql.Open(srv.DriverName(), srv.DSNVia(relay.Host, relay.Port, user, "wrong-password"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if err := db.PingContext(ctx); err == nil {
		t.Fatal("a wrong password got in")
	}
	if took := time.Since(start); took < delay {
		t.Errorf("the refusal came after %v, want at least %v", took, delay)
	}
	if got := relay.Counts(); got.Refused["1045"] == 0 {
		t.Errorf("got %+v, want the refusal counted", got)
	}
}
