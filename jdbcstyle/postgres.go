package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL SQLSTATEs of a rejected login.
const (
	pgInvalidPassword      = "28P01" // invalid_password
	pgInvalidAuthorization = "28000" // invalid_authorization_specification
)

// postgresDriver builds pgx stdlib connectors.
type postgresDriver struct {
	params string // the driver params, as a URL query
}

// newPostgresDriver checks the params meant for pgx once, so that a typo
// fails NewConnector rather than every Connect.
func newPostgresDriver(params string) (*postgresDriver, error) {
	d := &postgresDriver{params: params}
	if _, err := pgx.ParseConfig(d.url(address{host: "localhost", port: 5432}, "check")); err != nil {
		// pgconn.ParseConfigError redacts passwords, and there is none here.
		return nil, errors.New("jdbcstyle: postgres driver params: " + err.Error())
	}
	return d, nil
}

// url builds a postgres URL with everything but the password, which goes
// into the parsed config instead. pgx derives TLS server names and fallback
// addresses from the host while parsing, so the host must be in the URL.
func (d *postgresDriver) url(a address, user string) string {
	u := url.URL{Scheme: "postgres", User: url.User(user), Path: "/" + a.dbname, RawQuery: d.params}
	if strings.HasPrefix(a.host, "/") {
		// A Unix socket directory is a query param in pgx's URL syntax.
		q := "host=" + url.QueryEscape(a.host) + "&port=" + strconv.Itoa(a.port)
		if u.RawQuery != "" {
			q += "&" + u.RawQuery
		}
		u.RawQuery = q
	} else {
		u.Host = net.JoinHostPort(a.host, strconv.Itoa(a.port))
	}
	return u.String()
}

func (d *postgresDriver) connector(a address, user, password string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(d.url(a, user))
	if err != nil {
		return nil, errors.New("jdbcstyle: postgres config: " + err.Error())
	}
	cfg.Password = password
	return stdlib.GetConnector(*cfg), nil
}

// login bounds the login with a context deadline, which pgx watches without
// a goroutine of its own. A failure's error holds no password.
func (d *postgresDriver) login(ctx context.Context, deadline time.Time, conn driver.Connector) (driver.Conn, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c, err := conn.Connect(ctx)
	if err != nil {
		scrubPostgresError(err)
	}
	return c, err
}

func (d *postgresDriver) classify(err error) failure {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == pgInvalidPassword || pe.Code == pgInvalidAuthorization) {
		return authFailure
	}
	return otherFailure
}

// scrubPostgresError removes the password from the configuration that a
// *pgconn.ConnectError carries, so that no dump of the error can show it.
// The configuration is pgx's private copy for the failed attempt.
func scrubPostgresError(err error) {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Config != nil {
		ce.Config.Password = ""
	}
}
