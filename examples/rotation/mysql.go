package main

import (
	"context"
	"database/sql"
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

func (mysqlEngine) parseAdmin(dsn string) (string, serverAddr, error) {
	var a serverAddr
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// go-sql-driver's parse errors do not quote the DSN.
		return "", a, fmt.Errorf("-admin-dsn: %w", err)
	}
	a.database = cfg.DBName
	if cfg.Net != "tcp" {
		return "mysql", a, nil
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "", a, fmt.Errorf("-admin-dsn address: %w", err)
	}
	a.host = host
	if a.port, err = strconv.Atoi(port); err != nil {
		return "", a, fmt.Errorf("-admin-dsn port: %w", err)
	}
	return "mysql", a, nil
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

// accounts returns "'user'@'host'<suffix>, ..." for every host in mysqlHosts.
func accounts(user, suffix string) string {
	list := make([]string, len(mysqlHosts))
	for i, h := range mysqlHosts {
		list[i] = "'" + user + "'@'" + h + "'" + suffix
	}
	return strings.Join(list, ", ")
}

func (mysqlEngine) createUser(ctx context.Context, admin *sql.DB, user, password, database string) error {
	if _, err := admin.ExecContext(ctx, "CREATE USER "+accounts(user, " IDENTIFIED BY '"+password+"'")); err != nil {
		return err
	}
	if database == "" {
		return nil
	}
	ident := "`" + strings.ReplaceAll(database, "`", "``") + "`"
	_, err := admin.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+ident+".* TO "+accounts(user, ""))
	return err
}

func (mysqlEngine) setPassword(ctx context.Context, admin *sql.DB, user, password string) error {
	_, err := admin.ExecContext(ctx, "ALTER USER "+accounts(user, " IDENTIFIED BY '"+password+"'"))
	return err
}

func (mysqlEngine) dropUser(ctx context.Context, admin *sql.DB, user string) error {
	_, err := admin.ExecContext(ctx, "DROP USER IF EXISTS "+accounts(user, ""))
	return err
}
