package rotation

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// execSecret runs a statement that carries a password (SET PASSWORD,
// CREATE USER, ALTER USER) and returns its error with the statement taken
// out of the message: a syntax error quotes the statement from where
// parsing failed ("... near '<80 characters>' at line 1"), escaped and cut
// wherever the 80 characters end, so that redacting the password itself
// cannot be sure to catch what is left of it.
func (s *mysqlSession) execSecret(ctx context.Context, stmt string) error {
	_, err := s.conn.ExecContext(ctx, stmt)
	return hideStatement(err)
}

// hideStatement returns err, or, when it is a MySQL error quoting a
// statement, a copy without the quote.
func hideStatement(err error) error {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return err
	}
	const near = "near '"
	i := strings.Index(me.Message, near)
	if i < 0 {
		return err
	}
	clean := *me
	rest, end := me.Message[i+len(near):], ""
	if j := strings.LastIndex(rest, "' at line "); j >= 0 {
		end = rest[j+1:]
	}
	clean.Message = me.Message[:i] + "near " + redacted + end
	return &clean
}

func init() {
	// A MySQL error may quote a value it refused, as the statement spelt
	// it: a password with a quote or a backslash then appears escaped.
	scrubbers = append(scrubbers, func(err error, secrets []string) (error, []string) {
		var me *mysql.MySQLError
		if !errors.As(err, &me) {
			return nil, nil
		}
		forms := mysqlForms(secrets)
		clean := *me
		clean.Message = redact(me.Message, forms)
		return &clean, forms
	})
}

// mysqlForms returns secrets and the forms a MySQL string literal gives
// them, longest first so that no shorter form leaves part of a longer one.
func mysqlForms(secrets []string) []string {
	var forms []string
	for _, s := range secrets {
		forms = append(forms, s)
		for _, noBackslash := range []bool{false, true} {
			if q, err := quoteMySQL(s, noBackslash); err == nil {
				forms = append(forms, q[1:len(q)-1])
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return forms
}
