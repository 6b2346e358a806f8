package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// postgresDialect speaks to PostgreSQL through pgx's database/sql driver.
type postgresDialect struct {
	base url.URL // scheme, host and query, without user or database
}

func (d postgresDialect) driverName() string { return "pgx" }

func (d postgresDialect) dsn(user, password, database string) string {
	u := d.base
	u.User = url.UserPassword(user, password)
	u.Path = "/" + database
	return u.String()
}

func (d postgresDialect) adminDSN(user, password, database string) string {
	return d.dsn(user, password, database)
}

func (d postgresDialect) ensureDatabase(ctx context.Context, db *sql.DB, name string) error {
	var exists bool
	err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		return err
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+quotePgIdent(name))
	if pe, ok := errorsAs[*pgconn.PgError](err); ok && pe.Code == "42P04" {
		return nil // duplicate_database: another test binary made it meanwhile
	}
	return err
}

// createUser runs on a connection to database, where the grant on schema
// public must be made (PostgreSQL 15 no longer lets everyone create there).
func (d postgresDialect) createUser(ctx context.Context, db *sql.DB, user, password, database string) error {
	role := quotePgIdent(user)
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN PASSWORD " + quotePgLiteral(password),
		"GRANT ALL PRIVILEGES ON DATABASE " + quotePgIdent(database) + " TO " + role,
		"GRANT ALL ON SCHEMA public TO " + role,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

func (d postgresDialect) setPassword(ctx context.Context, db *sql.DB, user, password string) error {
	_, err := db.ExecContext(ctx, "ALTER ROLE "+quotePgIdent(user)+" PASSWORD "+quotePgLiteral(password))
	return err
}

// dropUser ends the user's sessions, drops what it owns in the test database
// and revokes its grants, then drops the role.
func (d postgresDialect) dropUser(ctx context.Context, db *sql.DB, user string) error {
	if err := d.killSessions(ctx, db, user); err != nil {
		return err
	}
	var exists bool
	err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", user).Scan(&exists)
	if err != nil || !exists {
		return err
	}
	role := quotePgIdent(user)
	if _, err := db.ExecContext(ctx, "DROP OWNED BY "+role); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "DROP ROLE IF EXISTS "+role)
	return err
}

func (d postgresDialect) killSessions(ctx context.Context, db *sql.DB, user string) error {
	_, err := db.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", user)
	return err
}

func (d postgresDialect) countSessions(ctx context.Context, db *sql.DB, user string) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = $1", user).Scan(&n)
	return n, err
}

// isAuthError reports SQLSTATE 28P01, invalid_password.
func (d postgresDialect) isAuthError(err error) bool {
	pe, ok := errorsAs[*pgconn.PgError](err)
	return ok && pe.Code == "28P01"
}

func quotePgIdent(name string) string { return pgx.Identifier{name}.Sanitize() }

// quotePgLiteral quotes s as an escape string constant, which means the same
// whatever standard_conforming_strings says.
func quotePgLiteral(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `''`)
	return "E'" + s + "'"
}

// postgresFromEnv uses the server named by an admin URL.
func postgresFromEnv(dsn string) (*Server, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.User == nil {
		// url.Parse's error quotes the whole URL, password included.
		return nil, errors.New("testdb: " + EnvPostgresDSN + " is not a postgres://user:password@host:port/db URL")
	}
	password, _ := u.User.Password()
	s := &Server{Engine: EnginePostgres, Host: u.Hostname(), Port: 5432,
		adminUser: u.User.Username(), adminPassword: newSecret(password)}
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("testdb: %s has a bad port", EnvPostgresDSN)
		}
	}
	bootstrapDB := strings.TrimPrefix(u.Path, "/")
	if bootstrapDB == "" {
		bootstrapDB = "postgres"
	}
	base := *u
	base.User, base.Path, base.RawPath = nil, "", ""
	s.dialect = postgresDialect{base: base}
	if err := s.open(bootstrapDB); err != nil {
		return nil, err
	}
	return s, nil
}
