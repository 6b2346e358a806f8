package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/secretcache/secretcache-go/examples/internal/dbdemo"
)

// engine is what the story needs to know about a database engine: what
// package dbdemo knows (the admin account, how the rotation function changes
// users) and what the story's workload and checks ask the server.
type engine interface {
	dbdemo.Engine
	// driverParams are appended to the Connector's DSN for the driver.
	driverParams() string
	// whoami is a query returning the session's user name alone.
	whoami() string
	// version is a query returning the server's name and version.
	version() string
	// createAdmin creates the account that alternating-users rotation logs
	// in with (the masterarn secret's), able to create users with the
	// rights of user and to set their passwords.
	createAdmin(ctx context.Context, admin *sql.DB, name, password, user string) error
	// acceptsWrongPassword reports whether user can log in with a wrong
	// password, as with PostgreSQL's trust authentication.
	acceptsWrongPassword(ctx context.Context, a dbdemo.Addr, user string) bool
}

func engineNamed(name string) (engine, error) {
	switch name {
	case "mysql", "mariadb":
		return mysqlEngine{dbdemo.MySQL}, nil
	case "postgres", "postgresql":
		return postgresEngine{dbdemo.Postgres}, nil
	}
	return nil, fmt.Errorf("-engine %q: want mysql or postgres", name)
}
