package rotation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
)

// longPasswords is a Client whose GetRandomPassword answers passwords of
// 100 characters with quotes and backslashes, which a MySQL statement
// carries escaped and a MySQL syntax error cuts after 80 characters.
type longPasswords struct{ Client }

func (longPasswords) GetRandomPassword(context.Context, *secretsmanager.GetRandomPasswordInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	pw := rand.Text() + `'\` + rand.Text() + `'\` + rand.Text() + `"` + rand.Text()
	return &secretsmanager.GetRandomPasswordOutput{RandomPassword: aws.String(pw[:100])}, nil
}

// TestErrorsQuotingStatementsShowNoPassword answers the MySQL statement
// that carries the new password with the syntax error MySQL would give,
// which quotes the statement, password literal included (escaped, and cut
// after 80 characters): neither the error nor the log may show any part of
// a password, of the new one nor of the throwaway one of a new clone; and
// PostgreSQL's syntax error, quoting the password's SCRAM verifier, shows
// no verifier.
func TestErrorsQuotingStatementsShowNoPassword(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		c      dbCase
		before int    // rotations that succeed first
		marker string // where the quoted part starts
	}{
		{"password cut", dbCases[0], 0, "PASSWORD("},
		{"statement cut", dbCases[0], 0, "SET PASSWORD"},
		{"throwaway password", dbCases[1], 0, "IDENTIFIED BY"},         // CREATE USER
		{"password of the first user", dbCases[1], 1, "IDENTIFIED BY"}, // ALTER USER, the clone exists
		{"verifier", dbCases[2], 0, "PASSWORD 'SCRAM"},
		{"verifier of a new clone", dbCases[3], 0, "PASSWORD 'SCRAM"},
	} {
		t.Run(tt.c.name+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, tt.c, oneAttempt)
			e.configure(func(h *Handler, _ *Database) { h.Client = longPasswords{h.Client} })
			for range tt.before {
				if _, err := e.rotate(); err != nil {
					t.Fatal(err)
				}
			}
			e.quoteOn.Store(&tt.marker)
			_, err := e.rotate()
			var re *Error
			if !errors.As(err, &re) || re.Kind != DatabaseFailed || re.Step != SetSecret {
				t.Fatalf("rotation: %v, want a DatabaseFailed error at setSecret", err)
			}
			if !strings.Contains(err.Error(), "Error 1064") && !strings.Contains(err.Error(), "SQLSTATE 42601") {
				t.Errorf("error %q lost the driver's error", err)
			}
			_, pending, _ := e.version(StagePending)
			var texts []string
			for err := error(re); err != nil; err = errors.Unwrap(err) {
				texts = append(texts, err.Error())
			}
			texts = append(texts, e.log.String())
			for _, text := range texts {
				if leak := sharedRun(text, pending, 8); leak != "" {
					t.Errorf("%q shows %q of the AWSPENDING password", text, leak)
				}
				if i := strings.Index(text, "IDENTIFIED BY '"); i >= 0 && !strings.HasPrefix(text[i+len("IDENTIFIED BY '"):], redacted) {
					t.Errorf("%q shows the throwaway password", text)
				}
				if strings.Contains(text, "SCRAM-SHA-256$") {
					t.Errorf("%q shows the password's SCRAM verifier", text)
				}
			}
		})
	}
}

// sharedRun returns a run of at least n characters of secret that s
// contains, or "".
func sharedRun(s, secret string, n int) string {
	for i := 0; i+n <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+n]) {
			return secret[i : i+n]
		}
	}
	return ""
}

// TestScrubMySQLForms checks that a MySQL error quoting a password as a
// literal spells it, with quotes doubled and backslashes escaped or not,
// comes out without it and keeps its type and number.
func TestScrubMySQLForms(t *testing.T) {
	t.Parallel()
	secret := `it's a \secret\`
	for _, quoted := range []string{`'it''s a \\secret\\'`, `'it''s a \secret\'`, `'it's a \secret\'`} {
		err := scrub(&mysql.MySQLError{Number: 1231, Message: "Variable 'x' can't be set to the value of " + quoted}, []string{secret})
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1231 {
			t.Fatalf("scrub(%s) = %#v, want a *mysql.MySQLError 1231", quoted, err)
		}
		if strings.Contains(me.Message, "secret") || !strings.Contains(me.Message, redacted) {
			t.Errorf("scrub(%s) = %q, want the literal redacted", quoted, me.Message)
		}
	}
	plain := fmt.Errorf("copying a grant: %w", &mysql.MySQLError{Number: 1045, Message: "Access denied for user 'app'@'10.0.0.1' (using password: YES)"})
	if err := scrub(plain, []string{secret}); err != plain {
		t.Errorf("scrub of an error without a secret = %#v, want the error itself", err)
	}
	wrapped := fmt.Errorf("copying a grant: %w", &mysql.MySQLError{Number: 1064, Message: "near 'it''s a \\secret\\'"})
	err := scrub(wrapped, []string{secret})
	var me *mysql.MySQLError
	if !errors.As(err, &me) || !strings.HasPrefix(err.Error(), "copying a grant: ") || strings.Contains(err.Error(), "secret") || strings.Contains(me.Message, "secret") {
		t.Errorf("scrub of a wrapped error = %q (driver error %v), want the wrapper's text and the driver's error, both redacted", err, me)
	}
}
