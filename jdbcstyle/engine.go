package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"strconv"
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

// engineDriver is what differs between the underlying drivers.
type engineDriver interface {
	// template builds the underlying driver's connector for one secret
	// version, from a typed configuration without the password (never a
	// formatted DSN): login supplies the password for each connect.
	template(a address, user string) (driver.Connector, error)
	// login opens one connection with conn, which template built, and
	// l.password, giving up at l.deadline. It calls l.send before writing
	// the credentials to the server (see login and gatedConn). ctx is the
	// caller's, without the deadline: how the deadline is applied is the
	// driver's cheapest way.
	login(ctx context.Context, l *login, conn driver.Connector) (driver.Conn, error)
	// classify tells how err, from a login, bears on the recovery ladder.
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
	// unknownCredentials is a refusal by something in front of the
	// database that does not know the credentials yet (RDS Proxy answers
	// PostgreSQL logins with SQLSTATE 28000 until it has read a rotated
	// secret): recoverable like authFailure, and worth retrying sooner.
	unknownCredentials
	// denied is a refusal of the account rather than of the credentials: a
	// locked account, a role that may not log in, a host rule. The ladder
	// stops: no other user is tried, and the account is not hammered.
	denied
	// abandoned is a login given up at the gate before it sent anything
	// (see login.send): not a refusal, and not counted as an attempt.
	abandoned
)

// refused reports whether f is a refusal of the login, of any kind.
func (f failure) refused() bool {
	return f == authFailure || f == unknownCredentials || f == denied
}

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
