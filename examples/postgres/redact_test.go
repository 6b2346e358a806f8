package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestCreateRoleErrorHidesPassword makes CREATE ROLE fail on role names that
// break its quoting, so that the server quotes the password in its syntax
// error, and checks that createRole returns the error without it.
func TestCreateRoleErrorHidesPassword(t *testing.T) {
	s := testdb.Postgres(t)
	admin := s.AdminDB(t)
	const password = "HUNTER2SECRET"
	tests := []struct{ name, role string }{
		// unterminated quoted identifier at or near "" LOGIN PASSWORD '...'"
		{"password quoted as is", `r" PASSWORD`},
		// unrecognized role option "<password in lower case>"
		{"password folded to lower case", `r" LOGIN PASSWORD '`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := createRole(ctx, admin, tt.role, password)
			if err == nil {
				dropRole(ctx, admin, tt.role)
				t.Fatalf("createRole(%q) = nil, want a syntax error", tt.role)
			}
			checkRedacted(t, err, password, "42601")
		})
	}
}

func TestWithoutPassword(t *testing.T) {
	t.Parallel()
	const password = "S3CRETPW"
	pgErr := &pgconn.PgError{Severity: "ERROR", Code: "42601", Message: `syntax error at or near "` + password + `"`,
		Detail: "detail " + password, Hint: "hint", InternalQuery: "ALTER ROLE x PASSWORD '" + password + "'"}
	tests := []struct {
		name     string
		err      error
		wantCode string // "": no *pgconn.PgError expected
	}{
		{"server error", pgErr, "42601"},
		{"wrapped server error", fmt.Errorf("exec: %w", pgErr), "42601"},
		{"password only in Detail", &pgconn.PgError{Code: "XX000", Message: "m", Detail: password}, "XX000"},
		{"other error, password folded", errors.New("near " + strings.ToLower(password)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRedacted(t, withoutPassword(tt.err, password), password, tt.wantCode)
		})
	}
	unrelated := errors.New("ERROR: role \"x\" already exists (SQLSTATE 42710)")
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

// checkRedacted fails t if password, in any case, is in err's text or in the
// *pgconn.PgError it wraps, or if that error's code is not wantCode ("": no
// *pgconn.PgError).
func checkRedacted(t *testing.T, err error, password, wantCode string) {
	t.Helper()
	pw := regexp.MustCompile("(?i)" + regexp.QuoteMeta(password))
	if err == nil || pw.MatchString(err.Error()) {
		t.Errorf("error = %v, want one without the password", err)
		return
	}
	var pgErr *pgconn.PgError
	switch ok := errors.As(err, &pgErr); {
	case wantCode == "" && ok:
		t.Errorf("errors.As found %v, want no *pgconn.PgError", pgErr)
	case wantCode != "" && !ok:
		t.Errorf("errors.As found no *pgconn.PgError, want code %s", wantCode)
	case ok && pgErr.Code != wantCode:
		t.Errorf("unwrapped error code = %s, want %s", pgErr.Code, wantCode)
	case ok && pw.MatchString(fmt.Sprintf("%+v", *pgErr)):
		t.Errorf("unwrapped error %+v holds the password", *pgErr)
	}
}
