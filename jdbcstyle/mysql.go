package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL and MariaDB error numbers the recovery ladder acts on.
const (
	mysqlAccessDenied       = 1045 // ER_ACCESS_DENIED_ERROR: wrong user or password
	mysqlAccessDeniedNoPass = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (auth_socket and kin)
	mysqlAccountLocked      = 3118 // ER_ACCOUNT_HAS_BEEN_LOCKED
	mysqlPasswordLocked     = 3955 // ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK
	mariadbPasswordLocked   = 4150 // ER_USER_IS_BLOCKED: max_password_errors reached
	mariadbAccountLocked    = 4151 // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB numbering)
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
	cfg.DialFunc = dialWithDeadline
	return cfg
}

// loginDeadline carries a login's deadline to dialWithDeadline, and the
// connection it dialled back, through the context of Connect.
type loginDeadline struct {
	at   time.Time
	conn net.Conn // set by dialWithDeadline, read after Connect returns
}

type loginDeadlineKey struct{}

// login bounds the login with a deadline on the socket rather than on the
// context. go-sql-driver/mysql hands a context that can end to a watcher
// goroutine for the whole login, which costs more than the rest of what
// this package adds to a connect; the pool opens connections on a context
// that never ends, so with a socket deadline the common case pays nothing.
// A context that can end is still watched by the driver as usual.
func (d *mysqlDriver) login(ctx context.Context, deadline time.Time, conn driver.Connector) (driver.Conn, error) {
	dl := &loginDeadline{at: deadline}
	c, err := conn.Connect(context.WithValue(ctx, loginDeadlineKey{}, dl))
	if err == nil && dl.conn != nil {
		// The driver sets its own deadlines per read or write only when
		// readTimeout or writeTimeout is set; clear ours for the session.
		if err = dl.conn.SetDeadline(time.Time{}); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err != nil && ctx.Err() == nil && !time.Now().Before(deadline) {
		err = &deadlineError{err}
	}
	return c, err
}

// dialWithDeadline dials like the driver does and sets the login's deadline
// on the connection.
func dialWithDeadline(ctx context.Context, network, addr string) (net.Conn, error) {
	dl, _ := ctx.Value(loginDeadlineKey{}).(*loginDeadline)
	var nd net.Dialer
	if dl != nil {
		nd.Deadline = dl.at
	}
	conn, err := nd.DialContext(ctx, network, addr)
	if err != nil || dl == nil {
		return conn, err
	}
	if err := conn.SetDeadline(dl.at); err != nil {
		conn.Close()
		return nil, err
	}
	dl.conn = conn
	return conn, nil
}

// deadlineError marks a login that failed because its deadline passed, so
// that errors.Is(err, context.DeadlineExceeded) holds as it would had the
// deadline been on the context.
type deadlineError struct{ err error }

func (e *deadlineError) Error() string { return e.err.Error() + " (login deadline exceeded)" }

func (e *deadlineError) Unwrap() []error { return []error{e.err, context.DeadlineExceeded} }

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
