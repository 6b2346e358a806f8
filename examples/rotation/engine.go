package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// engine is what the story needs to know about a database engine: how to
// reach its admin account and how the rotation function changes users.
//
// MySQL's statements take the names and passwords as arguments. PostgreSQL
// takes no parameters in CREATE or ALTER ROLE: its statements are built as
// text, which is safe because user names come from randomHex and passwords
// from rand.Text. Either way the password is in the text the server parses
// (MySQL's driver interpolates it), so createUser and setPassword return
// errors without it: see withoutPassword.
type engine interface {
	jdbc() jdbcstyle.Engine
	defaultAdminDSN() string
	// parseAdmin returns a connector for the admin pool on dsn and the
	// server address and database it names.
	parseAdmin(dsn string) (c driver.Connector, a serverAddr, err error)
	// driverParams are appended to the Connector's DSN for the driver.
	driverParams() string
	// whoami is a query returning the session's user name alone.
	whoami() string
	// version is a query returning the server's name and version.
	version() string
	// acceptsWrongPassword reports whether user can log in with a wrong
	// password, as with PostgreSQL's trust authentication.
	acceptsWrongPassword(ctx context.Context, a serverAddr, user string) bool
	createUser(ctx context.Context, admin *sql.DB, user, password, database string) error
	setPassword(ctx context.Context, admin *sql.DB, user, password string) error
	dropUser(ctx context.Context, admin *sql.DB, user string) error
}

func engineNamed(name string) (engine, error) {
	switch name {
	case "mysql", "mariadb":
		return mysqlEngine{}, nil
	case "postgres", "postgresql":
		return postgresEngine{}, nil
	}
	return nil, fmt.Errorf("-engine %q: want mysql or postgres", name)
}

// serverAddr is where the server listens and the database the demo users
// log in to.
type serverAddr struct {
	host     string
	port     int
	database string
}

// openAdmin returns the admin pool, which the caller closes unless it is
// opts.adminDB, and the server's address: opts' with opts.adminDB, else the
// admin DSN's overridden by opts'.
func openAdmin(eng engine, opts options) (*sql.DB, serverAddr, error) {
	a := serverAddr{host: opts.host, port: opts.port, database: opts.database}
	if opts.adminDB != nil {
		if a.host == "" || a.port == 0 {
			return nil, a, errors.New("an admin pool needs the server's host and port")
		}
		return opts.adminDB, a, nil
	}
	dsn := opts.adminDSN
	if dsn == "" {
		dsn = eng.defaultAdminDSN()
	}
	connector, parsed, err := eng.parseAdmin(dsn)
	if err != nil {
		return nil, a, err
	}
	a.host = cmp(a.host, parsed.host)
	a.port = cmp(a.port, parsed.port)
	a.database = cmp(a.database, parsed.database)
	if a.host == "" || strings.HasPrefix(a.host, "/") || a.port == 0 {
		return nil, a, errors.New("the server must be reached over TCP: give -admin-dsn a host and port")
	}
	return sql.OpenDB(connector), a, nil
}

// cmp returns v unless it is the zero value, else def.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
