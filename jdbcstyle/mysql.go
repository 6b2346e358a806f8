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
	// cloned for every secret version and never modified.
	base *mysql.Config
}

// newMySQLDriver parses the params meant for go-sql-driver/mysql. They are
// parsed with a Unix socket placeholder address so that a tls param does not
// pin the TLS server name to the driver's default address: the real address
// comes from the secret, and mysql.NewConnector derives the name from it.
func newMySQLDriver(params string) (*mysqlDriver, error) {
	parse := func(params string) (*mysql.Config, error) {
		dsn := "unix(/)/"
		if params != "" {
			dsn += "?" + params
		}
		return mysql.ParseDSN(dsn)
	}
	base, err := parse(params)
	if err != nil {
		// The driver's messages quote the value at fault: name the param
		// instead.
		return nil, driverParamError(params, "mysql", func(p string) error { _, err := parse(p); return err })
	}
	base.Logger = quietLogger{base.Logger}
	if err := base.Apply(mysql.BeforeConnect(setMySQLPassword)); err != nil {
		return nil, err
	}
	return &mysqlDriver{base: base}, nil
}

// setMySQLPassword gives the driver's copy of the config the password of
// the login in ctx.
func setMySQLPassword(ctx context.Context, cfg *mysql.Config) error {
	if l := loginFrom(ctx); l != nil {
		cfg.Passwd = l.password
	}
	return nil
}

// quietLogger keeps go-sql-driver/mysql from logging the write error of a
// login abandoned at the gate, which is no fault of the connection.
type quietLogger struct{ next mysql.Logger }

func (q quietLogger) Print(v ...any) {
	for _, x := range v {
		if err, ok := x.(error); ok && errors.Is(err, errAbandoned) {
			return
		}
	}
	q.next.Print(v...)
}

func (d *mysqlDriver) template(a address, user string) (driver.Connector, error) {
	return mysql.NewConnector(d.config(a, user))
}

// config fills a clone of the base config with the address and user; the
// BeforeConnect hook adds each login's password to the driver's own copy.
func (d *mysqlDriver) config(a address, user string) *mysql.Config {
	cfg := d.base.Clone()
	cfg.User = user
	cfg.DBName = a.dbname
	if strings.HasPrefix(a.host, "/") {
		cfg.Net, cfg.Addr = "unix", a.host
	} else {
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(a.host, strconv.Itoa(a.port))
	}
	cfg.DialFunc = dialLogin
	return cfg
}

// login bounds the login with a deadline on the socket rather than on the
// context. go-sql-driver/mysql hands a context that can end to a watcher
// goroutine for the whole login, which costs more than the rest of what
// this package adds to a connect; the pool opens connections on a context
// that never ends, so with a socket deadline the common case pays nothing.
// A context that can end is still watched by the driver as usual.
func (d *mysqlDriver) login(ctx context.Context, l *login, conn driver.Connector) (driver.Conn, error) {
	c, err := conn.Connect(withLogin(ctx, l))
	if err == nil && l.conn != nil {
		// The driver sets its own deadlines per read or write only when
		// readTimeout or writeTimeout is set; clear ours for the session.
		if err = l.conn.SetDeadline(time.Time{}); err != nil {
			c.Close()
			return nil, err
		}
	}
	l.conn = nil
	if err != nil && ctx.Err() == nil && !time.Now().Before(l.deadline) {
		err = &deadlineError{err}
	}
	return c, err
}

// dialLogin dials like the driver does, sets the login's deadline on the
// connection and puts the login gate in front of its writes. The dial
// itself runs on the caller's context rather than one with the login's
// deadline: a dial context that can end costs a timer and a cancellation
// hook, more than everything else this package adds to a MySQL connect.
// A TCP connect that hangs is therefore bounded by the caller's context
// (a request's, through database/sql) or the operating system's connect
// timeout; everything after it by the login's deadline.
func dialLogin(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, network, addr)
	l := loginFrom(ctx)
	if err != nil || l == nil {
		return conn, err
	}
	if err := conn.SetDeadline(l.deadline); err != nil {
		conn.Close()
		return nil, err
	}
	l.conn = conn
	return gateConn(ctx, conn, nil), nil
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
		return denied
	}
	return otherFailure
}
