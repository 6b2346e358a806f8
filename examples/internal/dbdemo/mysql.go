package dbdemo

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

func (mysqlEngine) JDBC() jdbcstyle.Engine  { return jdbcstyle.MySQL }
func (mysqlEngine) GoName() string          { return "jdbcstyle.MySQL" }
func (mysqlEngine) DefaultAdminDSN() string { return "root@tcp(127.0.0.1:3306)/" }

func (mysqlEngine) demo() demo {
	return demo{
		driver:        jdbcstyle.DriverMySQL,
		adminDSNUsage: "go-sql-driver DSN of an account that can CREATE USER, for the embedded demo",
		account:       "user",
		whoami:        "SELECT CURRENT_USER(), VERSION()",
		whoamiShown:   "SELECT CURRENT_USER(), VERSION()",
	}
}

func (mysqlEngine) parseAdmin(dsn string) (driver.Connector, Addr, error) {
	var a Addr
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// go-sql-driver's parse errors do not quote the DSN.
		return nil, a, fmt.Errorf("-admin-dsn: %w", err)
	}
	a.Database = cfg.DBName
	if cfg.Net == "tcp" {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return nil, a, fmt.Errorf("-admin-dsn address: %w", err)
		}
		a.Host = host
		if a.Port, err = strconv.Atoi(port); err != nil {
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

func (mysqlEngine) CreateUser(ctx context.Context, admin *sql.DB, user, password, database string) error {
	list, args := accounts(user, " IDENTIFIED BY ?", password)
	if _, err := admin.ExecContext(ctx, "CREATE USER "+list, args...); err != nil {
		return WithoutPassword(err, password)
	}
	if database == "" {
		return nil
	}
	ident := "`" + strings.ReplaceAll(database, "`", "``") + "`"
	list, args = accounts(user, "")
	_, err := admin.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+ident+".* TO "+list, args...)
	return err
}

func (mysqlEngine) SetPassword(ctx context.Context, admin *sql.DB, user, password string) error {
	list, args := accounts(user, " IDENTIFIED BY ?", password)
	_, err := admin.ExecContext(ctx, "ALTER USER "+list, args...)
	return WithoutPassword(err, password)
}

func (mysqlEngine) DropUser(ctx context.Context, admin *sql.DB, user string) error {
	list, args := accounts(user, "")
	_, err := admin.ExecContext(ctx, "DROP USER IF EXISTS "+list, args...)
	return err
}
