package main

import (
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// erParseError is MySQL's syntax error, whose message quotes the statement
// from where parsing failed, cut to 80 characters.
const erParseError = 1064

// redactedError is an error whose text had a password replaced by
// [REDACTED]: a statement that sets a password holds it, and MySQL quotes
// the statement in a syntax error.
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

// withoutPassword returns err with password replaced by [REDACTED] and, in
// a syntax error, the quoted statement left out: cut to 80 characters, it
// may end with only part of the password. It returns err unchanged when it
// can hold no password.
func withoutPassword(err error, password string) error {
	if err == nil || password == "" {
		return err
	}
	var me *mysql.MySQLError
	isParseError := errors.As(err, &me) && me.Number == erParseError
	if !isParseError && !strings.Contains(err.Error(), password) {
		return err
	}
	msg := err.Error()
	e := &redactedError{}
	if me != nil {
		c := *me
		if isParseError {
			c.Message = "You have an error in your SQL syntax (the statement is not shown: it holds a password)"
		}
		msg = strings.ReplaceAll(msg, me.Error(), c.Error())
		c.Message = strings.ReplaceAll(c.Message, password, "[REDACTED]")
		e.driver = &c
	}
	e.msg = strings.ReplaceAll(msg, password, "[REDACTED]")
	return e
}
