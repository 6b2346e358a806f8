package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// mysqlEngine is MySQL or MariaDB.
type mysqlEngine struct{}

func (mysqlEngine) jdbc() jdbcstyle.Engine  { return jdbcstyle.MySQL }
func (mysqlEngine) defaultAdminDSN() string { return "root@tcp(127.0.0.1:3306)/" }
func (mysqlEngine) driverParams() string    { return "" }

// whoami strips the host from CURRENT_USER(), user@host.
func (mysqlEngine) whoami() string  { return "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)" }
func (mysqlEngine) version() string { return "SELECT CONCAT('MySQL/MariaDB ', VERSION())" }

func (mysqlEngine) parseAdmin(dsn string) (driver.Connector, serverAddr, error) {
	var a serverAddr
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// go-sql-driver's parse errors do not quote the DSN.
		return nil, a, fmt.Errorf("-admin-dsn: %w", err)
	}
	a.database = cfg.DBName
	if cfg.Net == "tcp" {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return nil, a, fmt.Errorf("-admin-dsn address: %w", err)
		}
		a.host = host
		if a.port, err = strconv.Atoi(port); err != nil {
			return nil, a, fmt.Errorf("-admin-dsn port: %w", err)
		}
	}
	// CREATE USER and ALTER USER cannot be prepared: the driver puts the
	// arguments into the statement itself.
	cfg.InterpolateParams = true
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, a, fmt.Errorf("-admin-dsn: %w", err)
	}
	return c, a, nil
}

func (mysqlEngine) acceptsWrongPassword(ctx context.Context, a serverAddr, user string) bool {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, "wrong-"+randomHex(8)
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(a.host, strconv.Itoa(a.port)), a.database
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return false
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	return db.PingContext(ctx) == nil
}

// mysqlHosts are the hosts each demo user is created at: whichever account
// the server matches a local client to, it is the demo user's.
var mysqlHosts = []string{"%", "localhost", "127.0.0.1"}

// accounts returns "?@?<suffix>, ..." for user at every host in mysqlHosts,
// and the arguments: user, host and extra for each.
func accounts(user, suffix string, extra ...any) (string, []any) {
	list := make([]string, len(mysqlHosts))
	var args []any
	for i, h := range mysqlHosts {
		list[i] = "?@?" + suffix
		args = append(append(args, user, h), extra...)
	}
	return strings.Join(list, ", "), args
}

func (mysqlEngine) createUser(ctx context.Context, admin *sql.DB, user, password, database string) error {
	list, args := accounts(user, " IDENTIFIED BY ?", password)
	if _, err := admin.ExecContext(ctx, "CREATE USER "+list, args...); err != nil {
		return withoutPassword(err, password)
	}
	if database == "" {
		return nil
	}
	ident := "`" + strings.ReplaceAll(database, "`", "``") + "`"
	list, args = accounts(user, "")
	_, err := admin.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+ident+".* TO "+list, args...)
	return err
}

func (mysqlEngine) setPassword(ctx context.Context, admin *sql.DB, user, password string) error {
	list, args := accounts(user, " IDENTIFIED BY ?", password)
	_, err := admin.ExecContext(ctx, "ALTER USER "+list, args...)
	return withoutPassword(err, password)
}

func (mysqlEngine) dropUser(ctx context.Context, admin *sql.DB, user string) error {
	list, args := accounts(user, "")
	_, err := admin.ExecContext(ctx, "DROP USER IF EXISTS "+list, args...)
	return err
}
