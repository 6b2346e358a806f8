package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestWithoutPassword(t *testing.T) {
	t.Parallel()
	const password = "S3CRETPW"
	syntax := &mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax; ... near '" + password + "'' at line 1"}
	// The server cuts the quoted statement to 80 characters.
	cut := &mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax; ... near '" + password[:5] + "' at line 1"}
	tests := []struct {
		name       string
		err        error
		wantNumber uint16 // 0: no *mysql.MySQLError expected
	}{
		{"syntax error", syntax, 1064},
		{"wrapped syntax error", fmt.Errorf("exec: %w", syntax), 1064},
		{"syntax error quoting part of the password", cut, 1064},
		{"access denied", &mysql.MySQLError{Number: 1045, Message: "Access denied, " + password}, 1045},
		{"other error", errors.New("driver: bad connection near " + password), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := withoutPassword(tt.err, password)
			if got := err.Error(); strings.Contains(got, password[:5]) {
				t.Errorf("Error() = %q, want no part of the password", got)
			}
			var me *mysql.MySQLError
			switch ok := errors.As(err, &me); {
			case tt.wantNumber == 0 && ok:
				t.Errorf("errors.As found %v, want no *mysql.MySQLError", me)
			case tt.wantNumber != 0 && !ok:
				t.Errorf("errors.As found no *mysql.MySQLError, want number %d", tt.wantNumber)
			case ok && (me.Number != tt.wantNumber || strings.Contains(me.Message, password[:5])):
				t.Errorf("unwrapped error = %d %q, want %d without the password", me.Number, me.Message, tt.wantNumber)
			}
		})
	}
	unrelated := errors.New("Error 1396: Operation CREATE USER failed")
	for _, tt := range []struct {
		name     string
		err      error
		password string
	}{{"nil", nil, password}, {"no password in it", unrelated, password}, {"empty password", unrelated, ""}} {
		if got := withoutPassword(tt.err, tt.password); got != tt.err {
			t.Errorf("%s: withoutPassword(%v) = %v, want it unchanged", tt.name, tt.err, got)
		}
	}
}
