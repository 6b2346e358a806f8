package main

import (
	"context"
	"database/sql"
	"net"
	"net/url"
	"strconv"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/secretcache/secretcache-go/examples/internal/dbdemo"
)

// postgresEngine is PostgreSQL.
type postgresEngine struct{ dbdemo.Engine }

// driverParams turns TLS off: with pgx's default, sslmode=prefer, a server
// without TLS costs two TCP connections per login, which would make the
// relay count each login twice. The demo talks to a local server.
func (postgresEngine) driverParams() string { return "sslmode=disable" }

func (postgresEngine) whoami() string { return "SELECT current_user" }
func (postgresEngine) version() string {
	return "SELECT 'PostgreSQL ' || current_setting('server_version')"
}

func (postgresEngine) acceptsWrongPassword(ctx context.Context, a dbdemo.Addr, user string) bool {
	u := url.URL{
		Scheme: "postgres", User: url.UserPassword(user, "wrong-"+dbdemo.RandomHex(8)),
		Host: net.JoinHostPort(a.Host, strconv.Itoa(a.Port)), Path: "/" + a.Database,
		RawQuery: "sslmode=disable",
	}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return false
	}
	defer db.Close()
	return db.PingContext(ctx) == nil
}

// createAdmin makes a role with CREATEROLE that may grant membership of
// user's role (ADMIN OPTION, which PostgreSQL 16 and later require): what
// alternating-users rotation needs to create the clone as a member of it.
func (e postgresEngine) createAdmin(ctx context.Context, admin *sql.DB, name, password, user string) error {
	if err := e.CreateUser(ctx, admin, name, password, ""); err != nil {
		return err
	}
	for _, stmt := range []string{`ALTER ROLE "` + name + `" CREATEROLE`, `GRANT "` + user + `" TO "` + name + `" WITH ADMIN OPTION`} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
