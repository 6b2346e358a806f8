package jdbcstyle

import (
	"database/sql/driver"
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// MySQL and MariaDB error numbers the recovery ladder acts on.
const (
	mysqlAccessDenied       = 1045 // ER_ACCESS_DENIED_ERROR: wrong user or password
	mysqlAccessDeniedNoPass = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (auth_socket and kin)
	mysqlAccountLocked      = 3118 // ER_ACCOUNT_HAS_BEEN_LOCKED
	mysqlPasswordLocked     = 3955 // ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK
	mariadbAccountLocked    = 4150 // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB numbering)
	mariadbPasswordLocked   = 4151 // ER_USER_IS_BLOCKED / max_password_errors reached
)

// mysqlDriver builds go-sql-driver/mysql connectors.
type mysqlDriver struct {
	// base holds the driver params, parsed once by the driver itself; it is
	// cloned for every set of credentials and never modified.
	base *mysql.Config
}

// newMySQLDriver parses the params meant for go-sql-driver/mysql. They are
// parsed with a Unix socket placeholder address so that a tls param does not
// pin the TLS server name to the driver's default address: the real address
// comes from the secret, and mysql.NewConnector derives the name from it.
func newMySQLDriver(params string) (*mysqlDriver, error) {
	dsn := "unix(/)/"
	if params != "" {
		dsn += "?" + params
	}
	base, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The driver's message names the bad param; no credential param can
		// be among them, ParseDSN refused those.
		return nil, errors.New("jdbcstyle: mysql driver params: " + err.Error())
	}
	return &mysqlDriver{base: base}, nil
}

func (d *mysqlDriver) connector(a address, user, password string) (driver.Connector, error) {
	return mysql.NewConnector(d.config(a, user, password))
}

// config fills a clone of the base config with the address and credentials.
func (d *mysqlDriver) config(a address, user, password string) *mysql.Config {
	cfg := d.base.Clone()
	cfg.User = user
	cfg.Passwd = password
	cfg.DBName = a.dbname
	if strings.HasPrefix(a.host, "/") {
		cfg.Net, cfg.Addr = "unix", a.host
	} else {
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(a.host, strconv.Itoa(a.port))
	}
	return cfg
}

func (d *mysqlDriver) classify(err error) failure {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return otherFailure
	}
	switch me.Number {
	case mysqlAccessDenied, mysqlAccessDeniedNoPass:
		return authFailure
	case mysqlAccountLocked, mysqlPasswordLocked, mariadbAccountLocked, mariadbPasswordLocked:
		return lockout
	}
	return otherFailure
}
