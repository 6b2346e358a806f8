package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	check := func(params string) error {
		d := &postgresDriver{params: params}
		_, err := pgx.ParseConfig(d.url(address{host: "localhost", port: 5432}, "check"))
		return err
	}
	if err := check(params); err != nil {
		// pgx's message quotes the connection string, every param but
		// password included (sslpassword too): name the param instead.
		return nil, driverParamError(params, "postgres", check)
	}
	return &postgresDriver{params: params}, nil
}

// url builds a postgres URL with everything but the password, which the
// BeforeConnect hook puts into the driver's copy of the config for each
// login. pgx derives TLS server names and fallback addresses from the host
// while parsing, so the host must be in the URL.
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

// config parses the driver config of one secret version, without a
// password, and hooks the login gate in after TLS, so that the gate is held
// from the startup message on.
func (d *postgresDriver) config(a address, user string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(d.url(a, user))
	if err != nil {
		return nil, errors.New("jdbcstyle: postgres config: the driver refused the address from the secret")
	}
	cfg.Password = "" // pgx may have read one from a passfile; the secret's is set per login
	next := cfg.AfterNetConnect
	cfg.AfterNetConnect = func(ctx context.Context, c *pgconn.Config, conn net.Conn) (net.Conn, error) {
		if l := loginFrom(ctx); l != nil {
			l.pgConfig = c
		}
		if next != nil {
			var err error
			if conn, err = next(ctx, c, conn); err != nil {
				return nil, err
			}
		}
		return gateConn(ctx, conn, &pgProof{}), nil
	}
	return cfg, nil
}

func (d *postgresDriver) template(a address, user string) (driver.Connector, error) {
	cfg, err := d.config(a, user)
	if err != nil {
		return nil, err
	}
	return stdlib.GetConnector(*cfg, stdlib.OptionBeforeConnect(setPostgresPassword)), nil
}

// setPostgresPassword gives the driver's copy of the config the password of
// the login in ctx.
func setPostgresPassword(ctx context.Context, cfg *pgx.ConnConfig) error {
	if l := loginFrom(ctx); l != nil {
		cfg.Password = l.password
	}
	return nil
}

// login bounds the login with a context deadline, which pgx watches without
// a goroutine of its own. A failure's error holds no password.
//
// The password is wiped from pgconn's copy of the config once the login is
// over: pgconn keeps that copy for the connection's life, and a stopped
// timer of the connection can keep the connection, and so the password,
// reachable for a while after it is closed.
func (d *postgresDriver) login(ctx context.Context, l *login, conn driver.Connector) (driver.Conn, error) {
	ctx, cancel := context.WithDeadline(withLogin(ctx, l), l.deadline)
	defer cancel()
	c, err := conn.Connect(ctx)
	if l.pgConfig != nil {
		l.pgConfig.Password = ""
		l.pgConfig = nil
	}
	if err != nil {
		scrubPostgresError(err)
	}
	return c, err
}

// The routines of PostgreSQL's own code that refuse an account rather than
// its credentials, with SQLSTATE 28000: ALTER ROLE ... NOLOGIN (role "..."
// is not permitted to log in) and pg_hba.conf (no entry, or a reject rule).
// The routine is compared because it is not translated; the messages are a
// fallback for servers that do not send it.
var (
	pgDeniedRoutines = []string{"InitializeSessionUserId", "ClientAuthentication"}
	pgDeniedMessages = []string{"is not permitted to log in", "pg_hba.conf"}
)

// classify reads a refused login: 28P01 is a wrong password. 28000 is an
// account refusal when PostgreSQL's own code says so (see pgDeniedRoutines);
// otherwise it comes from an authentication method other than a password
// or from something in front of the database, such as RDS Proxy, which
// answers 28000 for credentials it has not read from the secret yet: that
// stays recoverable.
func (d *postgresDriver) classify(err error) failure {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return otherFailure
	}
	switch pe.Code {
	case pgInvalidPassword:
		return authFailure
	case pgInvalidAuthorization:
		if slices.Contains(pgDeniedRoutines, pe.Routine) ||
			slices.ContainsFunc(pgDeniedMessages, func(m string) bool { return strings.Contains(pe.Message, m) }) {
			return denied
		}
		if pe.Routine == "" {
			return unknownCredentials
		}
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
