package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// postgresEngine is PostgreSQL.
type postgresEngine struct{}

func (postgresEngine) jdbc() jdbcstyle.Engine  { return jdbcstyle.Postgres }
func (postgresEngine) defaultAdminDSN() string { return "postgres://postgres@127.0.0.1:5432/postgres" }

// driverParams turns TLS off: with pgx's default, sslmode=prefer, a server
// without TLS costs two TCP connections per login, which would make the
// relay count each login twice. The demo talks to a local server.
func (postgresEngine) driverParams() string { return "sslmode=disable" }

func (postgresEngine) whoami() string { return "SELECT current_user" }
func (postgresEngine) version() string {
	return "SELECT 'PostgreSQL ' || current_setting('server_version')"
}

func (postgresEngine) parseAdmin(dsn string) (driver.Connector, serverAddr, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's ParseConfigError redacts the password.
		return nil, serverAddr{}, fmt.Errorf("-admin-dsn: %w", err)
	}
	return stdlib.GetConnector(*cfg), serverAddr{host: cfg.Host, port: int(cfg.Port), database: cfg.Database}, nil
}

func (postgresEngine) acceptsWrongPassword(ctx context.Context, a serverAddr, user string) bool {
	u := url.URL{
		Scheme: "postgres", User: url.UserPassword(user, "wrong-"+randomHex(8)),
		Host: net.JoinHostPort(a.host, strconv.Itoa(a.port)), Path: "/" + a.database,
		RawQuery: "sslmode=disable",
	}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return false
	}
	defer db.Close()
	return db.PingContext(ctx) == nil
}

// createUser creates a login role; the database's CONNECT privilege, which
// PUBLIC holds by default, is all the demo query needs.
func (postgresEngine) createUser(ctx context.Context, admin *sql.DB, user, password, _ string) error {
	_, err := admin.ExecContext(ctx, `CREATE ROLE "`+user+`" LOGIN PASSWORD '`+password+`'`)
	return withoutPassword(err, password)
}

func (postgresEngine) setPassword(ctx context.Context, admin *sql.DB, user, password string) error {
	_, err := admin.ExecContext(ctx, `ALTER ROLE "`+user+`" PASSWORD '`+password+`'`)
	return withoutPassword(err, password)
}

// dropUser ends the role's sessions first, which DROP ROLE does not do.
func (postgresEngine) dropUser(ctx context.Context, admin *sql.DB, user string) error {
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", user); err != nil {
		return err
	}
	_, err := admin.ExecContext(ctx, `DROP ROLE IF EXISTS "`+user+`"`)
	return err
}
