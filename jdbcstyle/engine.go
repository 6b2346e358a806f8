package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"strconv"
	"time"
)

// Engine selects the database protocol, and so the underlying driver, of a
// Connector.
type Engine int

const (
	// MySQL is MySQL, MariaDB and Aurora MySQL, through
	// github.com/go-sql-driver/mysql.
	MySQL Engine = iota + 1
	// Postgres is PostgreSQL, Aurora PostgreSQL and Redshift, through
	// github.com/jackc/pgx/v5/stdlib.
	Postgres
)

// String returns "mysql" or "postgres".
func (e Engine) String() string {
	switch e {
	case MySQL:
		return "mysql"
	case Postgres:
		return "postgres"
	}
	return "Engine(" + strconv.Itoa(int(e)) + ")"
}

// defaultPort is the port used when neither the DSN nor the secret has one.
func (e Engine) defaultPort() int {
	if e == Postgres {
		return 5432
	}
	return 3306
}

// accepts reports whether a secret whose "engine" key is secretEngine can
// be used with e; a secret without the key (RDS-managed) fits any engine.
func (e Engine) accepts(secretEngine string) bool {
	switch secretEngine {
	case "":
		return true
	case "mysql", "mariadb", "aurora-mysql":
		return e == MySQL
	case "postgres", "aurora-postgresql", "redshift":
		return e == Postgres
	}
	return false
}

// creds is one set of credentials, resolved from a secret version and the
// DSN overrides, ready to log in with.
type creds struct {
	raw      string           // the secret string it was built from
	username string           // compared across stages to spot alternating users
	password string           // kept to scrub it from error texts
	conn     driver.Connector // the underlying driver's connector, holding the password
}

// engineDriver is what differs between the underlying drivers.
type engineDriver interface {
	// connector builds the underlying driver's connector for one set of
	// credentials, from a typed configuration (never a formatted DSN that
	// holds the password).
	connector(a address, user, password string) (driver.Connector, error)
	// login opens one connection with conn, which connector built, giving
	// up at deadline. ctx is the caller's, without the deadline: how the
	// deadline is applied is the driver's cheapest way.
	login(ctx context.Context, deadline time.Time, conn driver.Connector) (driver.Conn, error)
	// classify tells whether err, from a login, is an authentication
	// failure worth retrying with other credentials, or a lockout that no
	// retry may follow.
	classify(err error) failure
}

// address is where to log in: from the DSN params, else the secret.
type address struct {
	host   string // a host name, an IP address, or a Unix socket path
	port   int
	dbname string
}

// failure is how a login error bears on the recovery ladder.
type failure int

const (
	otherFailure failure = iota // not about credentials: returned as is
	authFailure                 // wrong credentials: try the next ones
	lockout                     // account locked: stop, do not make it worse
)

// hideBadConn keeps database/sql from seeing driver.ErrBadConn from a login:
// it retries ErrBadConn up to three times per call, multiplying the
// attempts, and a login error must reach the caller once, with its own
// meaning.
func hideBadConn(err error) error {
	if err != nil && errors.Is(err, driver.ErrBadConn) {
		return &badConnError{err}
	}
	return err
}

// badConnError hides driver.ErrBadConn from errors.Is while keeping the
// driver's text.
type badConnError struct{ err error }

func (e *badConnError) Error() string { return e.err.Error() }
