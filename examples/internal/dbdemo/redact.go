package dbdemo

import (
	"errors"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// erParseError is MySQL's syntax error, whose message quotes the statement
// from where parsing failed, cut to 80 characters.
const erParseError = 1064

// redactedError is an error whose text had a password replaced by
// [REDACTED]: the statements that set a password hold it, and a syntax error
// quotes the statement (MySQL) or the token it failed at (PostgreSQL).
type redactedError struct {
	msg    string
	driver error // a redacted *mysql.MySQLError or *pgconn.PgError; nil if none
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the server's error, redacted too, so that errors.As still
// finds its number or code.
func (e *redactedError) Unwrap() error { return e.driver }

// WithoutPassword returns err with password replaced by [REDACTED], in its
// text and in the server's error it wraps, including the fields that text
// leaves out (PostgreSQL's Detail, Hint, Where, InternalQuery). The match
// ignores case, as PostgreSQL folds a password it mistook for a name to lower
// case; a MySQL syntax error loses its quoted statement, which may end with
// only part of the password. It returns err unchanged when nothing changed.
func WithoutPassword(err error, password string) error {
	if err == nil || password == "" {
		return err
	}
	pw := regexp.MustCompile("(?i)" + regexp.QuoteMeta(password))
	redact := func(s string) string { return pw.ReplaceAllLiteralString(s, "[REDACTED]") }
	msg, changed := err.Error(), false
	var driver error
	var myErr *mysql.MySQLError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &myErr):
		c := *myErr
		if c.Number == erParseError {
			c.Message = "You have an error in your SQL syntax (the statement is not shown: it holds a password)"
		}
		c.Message = redact(c.Message)
		msg = strings.ReplaceAll(msg, myErr.Error(), c.Error())
		driver, changed = &c, c != *myErr
	case errors.As(err, &pgErr):
		c := *pgErr
		c.Message, c.Detail, c.Hint = redact(c.Message), redact(c.Detail), redact(c.Hint)
		c.Where, c.InternalQuery = redact(c.Where), redact(c.InternalQuery)
		driver, changed = &c, c != *pgErr
	}
	if redacted := redact(msg); changed || redacted != err.Error() {
		return &redactedError{msg: redacted, driver: driver}
	}
	return err
}
