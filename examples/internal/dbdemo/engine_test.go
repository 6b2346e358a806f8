package dbdemo

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestMySQLCreateUserQuotes creates a user whose password needs quoting:
// the placeholders, not the caller, must escape it.
func TestMySQLCreateUserQuotes(t *testing.T) {
	t.Parallel()
	s := testdb.MySQL(t)
	admin := s.AdminDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	user, password := "demo_"+RandomHex(4), `it's a \ "pw"`
	if err := MySQL.CreateUser(ctx, admin, user, password, s.Database()); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	defer DropUsers(ctx, MySQL, admin, user)
	db, err := sql.Open("mysql", s.DSN(user, password))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("login with the password: %v", err)
	}
}
