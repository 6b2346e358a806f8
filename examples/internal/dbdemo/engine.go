package dbdemo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"time"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// Engine is what the demos need to know about a database engine: how to
// reach its admin account and how to create, change and drop users. MySQL
// and Postgres are the two there are.
//
// MySQL's statements take the names and passwords as arguments. PostgreSQL
// takes no parameters in CREATE or ALTER ROLE: its statements are built as
// text, which is safe because user names come from RandomHex and passwords
// from rand.Text. Either way the password is in the text the server parses
// (MySQL's driver interpolates it), so CreateUser and SetPassword return
// errors without it: see WithoutPassword.
type Engine interface {
	// JDBC returns the engine of jdbcstyle Connectors; its String names the
	// example and is the "engine" of the demo secrets.
	JDBC() jdbcstyle.Engine
	// GoName returns how Go code names JDBC(), as the demos print it.
	GoName() string
	// DefaultAdminDSN returns the DSN of a local server's password-less
	// admin account.
	DefaultAdminDSN() string
	// CreateUser creates user with password, with all rights on database
	// when the engine grants them per database and database is not "".
	CreateUser(ctx context.Context, admin *sql.DB, user, password, database string) error
	// SetPassword changes user's password.
	SetPassword(ctx context.Context, admin *sql.DB, user, password string) error
	// DropUser drops user if it exists, ending its sessions where the server
	// would not.
	DropUser(ctx context.Context, admin *sql.DB, user string) error

	// parseAdmin returns a connector for an admin pool on dsn and the
	// address dsn names; a field it does not name is zero.
	parseAdmin(dsn string) (driver.Connector, Addr, error)
	// demo returns what the example program says and asks for the engine.
	demo() demo
}

var (
	// MySQL is MySQL or MariaDB.
	MySQL Engine = mysqlEngine{}
	// Postgres is PostgreSQL.
	Postgres Engine = postgresEngine{}
)

// DropUsers drops users, even when ctx has ended, so that a demo leaves
// nothing behind. A failure leaves only users with forgotten random
// passwords, so it is not reported.
func DropUsers(ctx context.Context, eng Engine, admin *sql.DB, users ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, u := range users {
		_ = eng.DropUser(ctx, admin, u)
	}
}

// RandomHex returns n random bytes in hex, for user names.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
