package dbdemo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestPostgresErrorsHidePassword breaks CREATE ROLE and ALTER ROLE with role
// names that end their quoting early, so that the server quotes the password
// in its syntax error, and checks that the errors come back without it.
func TestPostgresErrorsHidePassword(t *testing.T) {
	t.Parallel()
	s := testdb.Postgres(t)
	admin := s.AdminDB(t)
	const password = "HUNTER2SECRET"
	tests := []struct {
		name, role string
		stmt       func(ctx context.Context, role string) error
	}{
		// unterminated quoted identifier at or near "" LOGIN PASSWORD '...'"
		{"create, password quoted as is", `r" PASSWORD`, func(ctx context.Context, role string) error {
			return Postgres.CreateUser(ctx, admin, role, password, "")
		}},
		// unrecognized role option "<password in lower case>"
		{"create, password folded to lower case", `r" LOGIN PASSWORD '`, func(ctx context.Context, role string) error {
			return Postgres.CreateUser(ctx, admin, role, password, "")
		}},
		{"alter, password quoted as is", `r" LOGIN`, func(ctx context.Context, role string) error {
			return Postgres.SetPassword(ctx, admin, role, password)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := tt.stmt(ctx, tt.role)
			if err == nil {
				DropUsers(ctx, Postgres, admin, tt.role)
				t.Fatalf("role %q: got no error, want a syntax error", tt.role)
			}
			checkRedacted(t, err, password, "42601", 0)
		})
	}
}

func TestWithoutPassword(t *testing.T) {
	t.Parallel()
	const password = "S3CRETPW"
	mySyntax := &mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax; ... near '" + password + "'' at line 1"}
	pgSyntax := &pgconn.PgError{Severity: "ERROR", Code: "42601", Message: `syntax error at or near "` + password + `"`,
		Detail: "detail " + password, Hint: "hint", InternalQuery: "ALTER ROLE x PASSWORD '" + password + "'"}
	tests := []struct {
		name       string
		err        error
		wantCode   string // "": no *pgconn.PgError expected
		wantNumber uint16 // 0: no *mysql.MySQLError expected
	}{
		{"mysql syntax error", mySyntax, "", 1064},
		{"wrapped mysql syntax error", fmt.Errorf("exec: %w", mySyntax), "", 1064},
		// The server cuts the quoted statement to 80 characters.
		{"mysql syntax error quoting part of the password",
			&mysql.MySQLError{Number: 1064, Message: "... near 'IDENTIFIED BY '" + password[:5] + "' at line 1"}, "", 1064},
		{"mysql access denied", &mysql.MySQLError{Number: 1045, Message: "Access denied, " + password}, "", 1045},
		{"postgres syntax error", pgSyntax, "42601", 0},
		{"wrapped postgres syntax error", fmt.Errorf("exec: %w", pgSyntax), "42601", 0},
		{"password only in Detail", &pgconn.PgError{Code: "XX000", Message: "m", Detail: password}, "XX000", 0},
		{"password folded", &pgconn.PgError{Code: "42601", Message: strings.ToLower(password)}, "42601", 0},
		{"other error", errors.New("driver: bad connection near " + password), "", 0},
		{"other error, password folded", errors.New("near " + strings.ToLower(password)), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRedacted(t, WithoutPassword(tt.err, password), password, tt.wantCode, tt.wantNumber)
		})
	}
	unrelated := []error{
		&mysql.MySQLError{Number: 1396, Message: "Operation ALTER USER failed for 'x'@'%'"},
		errors.New("Error 1396: Operation CREATE USER failed"),
		&pgconn.PgError{Code: "42704", Message: `role "x" does not exist`},
		errors.New("ERROR: role \"x\" already exists (SQLSTATE 42710)"),
		errors.New("driver: bad connection"),
	}
	for _, err := range append(unrelated, nil) {
		if got := WithoutPassword(err, password); got != err {
			t.Errorf("WithoutPassword(%v) = %v, want it unchanged", err, got)
		}
		if got := WithoutPassword(err, ""); got != err {
			t.Errorf("WithoutPassword(%v, \"\") = %v, want it unchanged", err, got)
		}
	}
}

// checkRedacted fails t if any part of password, in any case, is in err's
// text or in the server's error it wraps, or if that error is not the one
// wanted: a *pgconn.PgError with wantCode or a *mysql.MySQLError with
// wantNumber (neither when both are zero).
func checkRedacted(t *testing.T, err error, password, wantCode string, wantNumber uint16) {
	t.Helper()
	leak := regexp.MustCompile("(?i)" + regexp.QuoteMeta(password[:5]))
	if err == nil || leak.MatchString(err.Error()) {
		t.Errorf("error = %v, want one without the password", err)
		return
	}
	var pgErr *pgconn.PgError
	switch ok := errors.As(err, &pgErr); {
	case ok != (wantCode != ""):
		t.Errorf("errors.As found *pgconn.PgError %v, want one with code %q", pgErr, wantCode)
	case ok && (pgErr.Code != wantCode || leak.MatchString(fmt.Sprintf("%+v", *pgErr))):
		t.Errorf("unwrapped error = %+v, want code %s and no password", *pgErr, wantCode)
	}
	var myErr *mysql.MySQLError
	switch ok := errors.As(err, &myErr); {
	case ok != (wantNumber != 0):
		t.Errorf("errors.As found *mysql.MySQLError %v, want one with number %d", myErr, wantNumber)
	case ok && (myErr.Number != wantNumber || leak.MatchString(myErr.Message)):
		t.Errorf("unwrapped error = %d %q, want number %d and no password", myErr.Number, myErr.Message, wantNumber)
	}
}
