package dbdemo

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// postgresEngine is PostgreSQL.
type postgresEngine struct{}

func (postgresEngine) JDBC() jdbcstyle.Engine  { return jdbcstyle.Postgres }
func (postgresEngine) GoName() string          { return "jdbcstyle.Postgres" }
func (postgresEngine) DefaultAdminDSN() string { return "postgres://postgres@127.0.0.1:5432/postgres" }

func (postgresEngine) demo() demo {
	return demo{
		driver:        jdbcstyle.DriverPostgres,
		adminDSNUsage: "postgres URL of a role that can CREATE ROLE, for the embedded demo",
		account:       "role",
		whoami:        "SELECT current_user, current_setting('server_version')",
		whoamiShown:   "SELECT current_user, server_version",
	}
}

func (postgresEngine) parseAdmin(dsn string) (driver.Connector, Addr, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's ParseConfigError redacts the password.
		return nil, Addr{}, fmt.Errorf("-admin-dsn: %w", err)
	}
	return stdlib.GetConnector(*cfg), Addr{Host: cfg.Host, Port: int(cfg.Port), Database: cfg.Database}, nil
}

// CreateUser creates a login role; the database's CONNECT privilege, which
// PUBLIC holds by default, is all the demo queries need.
func (postgresEngine) CreateUser(ctx context.Context, admin *sql.DB, user, password, _ string) error {
	_, err := admin.ExecContext(ctx, `CREATE ROLE "`+user+`" LOGIN PASSWORD '`+password+`'`)
	return WithoutPassword(err, password)
}

func (postgresEngine) SetPassword(ctx context.Context, admin *sql.DB, user, password string) error {
	_, err := admin.ExecContext(ctx, `ALTER ROLE "`+user+`" PASSWORD '`+password+`'`)
	return WithoutPassword(err, password)
}

// DropUser ends the role's sessions first, which DROP ROLE does not do.
func (postgresEngine) DropUser(ctx context.Context, admin *sql.DB, user string) error {
	_, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", user)
	_, dropErr := admin.ExecContext(ctx, `DROP ROLE IF EXISTS "`+user+`"`)
	return errors.Join(err, dropErr)
}
