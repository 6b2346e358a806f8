package main

import (
	"errors"
	"regexp"

	"github.com/jackc/pgx/v5/pgconn"
)

// redactedError is an error whose text had a password replaced by
// [REDACTED]. PostgreSQL takes no parameters in CREATE ROLE, so the password
// is in the statement, and a syntax error quotes the token it failed at.
type redactedError struct {
	msg    string
	driver *pgconn.PgError // a redacted copy of the server's error; nil if none
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the server's error, redacted too, so that errors.As still
// finds its Code.
func (e *redactedError) Unwrap() error {
	if e.driver == nil {
		return nil
	}
	return e.driver
}

// withoutPassword returns err with password replaced by [REDACTED] in its
// text and, for a *pgconn.PgError, in the fields its text leaves out
// (Detail, Hint, Where, InternalQuery). The match ignores case: the server
// folds a password it mistook for a name to lower case. It returns err
// unchanged when it holds no password anywhere.
func withoutPassword(err error, password string) error {
	if err == nil || password == "" {
		return err
	}
	pw := regexp.MustCompile("(?i)" + regexp.QuoteMeta(password))
	var pgErr *pgconn.PgError
	isPg := errors.As(err, &pgErr)
	if !pw.MatchString(err.Error()) &&
		(!isPg || !pw.MatchString(pgErr.Detail+"\n"+pgErr.Hint+"\n"+pgErr.Where+"\n"+pgErr.InternalQuery)) {
		return err
	}
	redact := func(s string) string { return pw.ReplaceAllLiteralString(s, "[REDACTED]") }
	e := &redactedError{msg: redact(err.Error())}
	if isPg {
		c := *pgErr
		c.Message, c.Detail, c.Hint = redact(c.Message), redact(c.Detail), redact(c.Hint)
		c.Where, c.InternalQuery = redact(c.Where), redact(c.InternalQuery)
		e.driver = &c
	}
	return e
}
