package main

import (
	"context"
	"database/sql"
	"net"
	"strconv"

	"github.com/go-sql-driver/mysql"

	"github.com/secretcache/secretcache-go/examples/internal/dbdemo"
)

// mysqlEngine is MySQL or MariaDB.
type mysqlEngine struct{ dbdemo.Engine }

func (mysqlEngine) driverParams() string { return "" }

// whoami strips the host from CURRENT_USER(), user@host.
func (mysqlEngine) whoami() string  { return "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)" }
func (mysqlEngine) version() string { return "SELECT CONCAT('MySQL/MariaDB ', VERSION())" }

func (mysqlEngine) acceptsWrongPassword(ctx context.Context, a dbdemo.Addr, user string) bool {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, "wrong-"+dbdemo.RandomHex(8)
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(a.Host, strconv.Itoa(a.Port)), a.Database
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return false
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	return db.PingContext(ctx) == nil
}

// createAdmin makes an account with every privilege, which it may grant:
// what alternating-users rotation needs to copy the first user's grants to
// the clone, at the hosts the demo users are created at.
func (e mysqlEngine) createAdmin(ctx context.Context, admin *sql.DB, name, password, _ string) error {
	if err := e.CreateUser(ctx, admin, name, password, ""); err != nil {
		return err
	}
	_, err := admin.ExecContext(ctx, "GRANT ALL PRIVILEGES ON *.* TO ?@'%', ?@'localhost', ?@'127.0.0.1' WITH GRANT OPTION", name, name, name)
	return err
}
