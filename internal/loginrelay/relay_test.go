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
