package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// mysqlHosts are the hosts every created user exists for. '%' alone is not
// enough: on a server that resolves names, an anonymous ”@'localhost' would
// win over 'user'@'%' for a client on 127.0.0.1, and the more specific host
// entries put the user first.
var mysqlHosts = []string{"%", "localhost", "127.0.0.1"}

// mysqlDialect speaks to MySQL and MariaDB through go-sql-driver/mysql.
type mysqlDialect struct {
	base *mysql.Config // address and parameters, without user, password or database
}

func (d mysqlDialect) driverName() string { return "mysql" }

func (d mysqlDialect) dsn(user, password, database string) string {
	return d.config(user, password, database).FormatDSN()
}

// adminDSN is dsn with client-side interpolation, so that user names and
// passwords can be placeholders in statements the server cannot prepare
// (CREATE USER, ALTER USER, GRANT) and the driver does the quoting.
func (d mysqlDialect) adminDSN(user, password, database string) string {
	c := d.config(user, password, database)
	c.InterpolateParams = true
	return c.FormatDSN()
}

// config is a copy of base that logs user in to database.
func (d mysqlDialect) config(user, password, database string) *mysql.Config {
	c := d.base.Clone()
	c.User, c.Passwd, c.DBName = user, password, database
	return c
}

func (d mysqlDialect) ensureDatabase(ctx context.Context, db *sql.DB, name string) error {
	_, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteMySQLIdent(name))
	return err
}

// userList returns "?@?, ?@?, ..." and its arguments for user at every host.
func userList(user string, suffix string, extra ...any) (string, []any) {
	specs := make([]string, len(mysqlHosts))
	var args []any
	for i, host := range mysqlHosts {
		specs[i] = "?@?" + suffix
		args = append(args, user, host)
		args = append(args, extra...)
	}
	return strings.Join(specs, ", "), args
}

func (d mysqlDialect) createUser(ctx context.Context, db *sql.DB, user, password, database string) error {
	users, args := userList(user, " IDENTIFIED BY ?", password)
	if _, err := db.ExecContext(ctx, "CREATE USER "+users, args...); err != nil {
		return err
	}
	users, args = userList(user, "")
	_, err := db.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+quoteMySQLIdent(database)+".* TO "+users, args...)
	return err
}

func (d mysqlDialect) setPassword(ctx context.Context, db *sql.DB, user, password string) error {
	users, args := userList(user, " IDENTIFIED BY ?", password)
	_, err := db.ExecContext(ctx, "ALTER USER "+users, args...)
	return err
}

func (d mysqlDialect) dropUser(ctx context.Context, db *sql.DB, user string) error {
	users, args := userList(user, "")
	_, err := db.ExecContext(ctx, "DROP USER IF EXISTS "+users, args...)
	return err
}

func (d mysqlDialect) killSessions(ctx context.Context, db *sql.DB, user string) error {
	ids, err := d.sessions(ctx, db, user)
	if err != nil {
		return err
	}
	for _, id := range ids {
		_, err := db.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatUint(id, 10))
		if me, ok := errorsAs[*mysql.MySQLError](err); ok && me.Number == 1094 {
			continue // unknown thread: it ended meanwhile
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d mysqlDialect) countSessions(ctx context.Context, db *sql.DB, user string) (int, error) {
	ids, err := d.sessions(ctx, db, user)
	return len(ids), err
}

// sessions lists the connection IDs of user.
func (d mysqlDialect) sessions(ctx context.Context, db *sql.DB, user string) ([]uint64, error) {
	rows, err := db.QueryContext(ctx, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// isAuthError reports ER_ACCESS_DENIED_ERROR.
func (d mysqlDialect) isAuthError(err error) bool {
	me, ok := errorsAs[*mysql.MySQLError](err)
	return ok && me.Number == 1045
}

func quoteMySQLIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// mysqlFromEnv uses the server named by an admin DSN.
func mysqlFromEnv(dsn string) (*Server, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The driver's message does not echo the DSN, but be sure.
		return nil, fmt.Errorf("testdb: %s is not a go-sql-driver DSN: %s", EnvMySQLDSN, redact(err.Error(), dsn))
	}
	s := &Server{Engine: EngineMySQL, adminUser: cfg.User, adminPassword: newSecret(cfg.Passwd)}
	if cfg.Net == "tcp" {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err == nil {
			s.Host = host
			s.Port, _ = strconv.Atoi(port)
		}
	}
	base := cfg.Clone()
	base.User, base.Passwd, base.DBName = "", "", ""
	s.dialect = mysqlDialect{base: base}
	if err := s.open(""); err != nil {
		return nil, err
	}
	return s, nil
}
