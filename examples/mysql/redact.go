package main

import (
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// redactedError is an error whose text had a password replaced by
// [REDACTED]. MySQL quotes the statement it failed to parse (error 1064), and
// a statement that sets a password holds it.
type redactedError struct {
	msg    string
	driver *mysql.MySQLError // a redacted copy of the server's error; nil if none
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the server's error, redacted too, so that errors.As still
// finds its Number.
func (e *redactedError) Unwrap() error {
	if e.driver == nil {
		return nil
	}
	return e.driver
}

// withoutPassword returns err unchanged if its text does not hold password,
// else a *redactedError.
func withoutPassword(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	redact := func(s string) string { return strings.ReplaceAll(s, password, "[REDACTED]") }
	e := &redactedError{msg: redact(err.Error())}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		c := *me
		c.Message = redact(c.Message)
		e.driver = &c
	}
	return e
}
