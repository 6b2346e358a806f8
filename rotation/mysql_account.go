package rotation

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// setUser creates user, or updates it, at every host template has an
// account for: each account gets template's grant lines and TLS
// requirements, and only then, all in one ALTER USER, the password. Until
// that statement a new account has a throwaway password nobody knows, so
// AWSPENDING does not log in before its grants are complete, and a retried
// setSecret finishes the work.
func (s *mysqlSession) setUser(ctx context.Context, user, password, template string) (created bool, err error) {
	quote, err := s.quoter(ctx)
	if err != nil {
		return false, err
	}
	hosts, err := s.hosts(ctx, template)
	if err != nil {
		return false, err
	}
	if len(hosts) == 0 {
		return false, errors.New("rotation: user " + strconv.Quote(template) + " has no account in mysql.user")
	}
	pw, err := quote(password)
	if err != nil {
		return false, err
	}
	var accounts []string
	for _, host := range hosts {
		account, made, err := s.copyAccount(ctx, quote, template, user, host)
		if err != nil {
			return created, err
		}
		created = created || made
		accounts = append(accounts, account+" IDENTIFIED BY "+pw)
	}
	return created, s.execSecret(ctx, "ALTER USER "+strings.Join(accounts, ", "))
}

// hosts lists the hosts user has accounts at.
func (s *mysqlSession) hosts(ctx context.Context, user string) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, rows.Err()
}

// copyAccount makes user@host, if it does not exist, with a throwaway
// password, and gives it template@host's grants, TLS requirements and
// resource limits. It returns the quoted account.
func (s *mysqlSession) copyAccount(ctx context.Context, quote func(string) (string, error), template, user, host string) (account string, created bool, err error) {
	qu, err := quote(user)
	if err != nil {
		return "", false, err
	}
	qt, err := quote(template)
	if err != nil {
		return "", false, err
	}
	qh, err := quote(host)
	if err != nil {
		return "", false, err
	}
	account = qu + "@" + qh
	var n int
	if err := s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?", user, host).Scan(&n); err != nil {
		return "", false, err
	}
	if n == 0 {
		throwaway, _ := quote(rand.Text() + "a-9") // every character class, for password policies
		if err := s.execSecret(ctx, "CREATE USER "+account+" IDENTIFIED BY "+throwaway); err != nil {
			return "", false, err
		}
		created = true
	}
	lines, err := s.grantLines(ctx, qt+"@"+qh)
	if err != nil {
		return "", created, err
	}
	for _, line := range lines {
		stmt, err := regrant(line, template, host, account)
		if err != nil {
			return "", created, err
		}
		if _, err := s.conn.ExecContext(ctx, stmt); err != nil {
			return "", created, &grantError{stmt: stmt, err: err}
		}
	}
	require, err := s.require(ctx, quote, template, host)
	if err != nil {
		return "", created, err
	}
	limits, err := s.limits(ctx, template, host)
	if err != nil {
		return "", created, err
	}
	_, err = s.conn.ExecContext(ctx, "ALTER USER "+account+" REQUIRE "+require+" WITH "+limits)
	return account, created, err
}

// grantLines returns SHOW GRANTS FOR account.
func (s *mysqlSession) grantLines(ctx context.Context, account string) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "SHOW GRANTS FOR "+account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		lines = append(lines, line)
	}
	return lines, rows.Err()
}

// require returns the REQUIRE clause of template@host's TLS options.
func (s *mysqlSession) require(ctx context.Context, quote func(string) (string, error), template, host string) (string, error) {
	var kind, cipher, issuer, subject sql.NullString
	err := s.conn.QueryRowContext(ctx, "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = ? AND Host = ?",
		template, host).Scan(&kind, &cipher, &issuer, &subject)
	if err != nil {
		return "", err
	}
	switch kind.String {
	case "":
		return "NONE", nil
	case "ANY":
		return "SSL", nil
	case "X509":
		return "X509", nil
	}
	var parts []string
	for _, p := range []struct {
		word  string
		value sql.NullString
	}{{"CIPHER", cipher}, {"ISSUER", issuer}, {"SUBJECT", subject}} {
		if p.value.String == "" {
			continue
		}
		lit, err := quote(p.value.String)
		if err != nil {
			return "", err
		}
		parts = append(parts, p.word+" "+lit)
	}
	if len(parts) == 0 {
		return "SSL", nil
	}
	return strings.Join(parts, " AND "), nil
}

// resourceLimits are the columns of mysql.user that hold an account's
// resource limits, and the options of ALTER USER ... WITH that set them.
// MariaDB prints them at the end of SHOW GRANTS' USAGE line, and regrant
// drops that part of the line with the password hash; MySQL 8 prints them
// only in SHOW CREATE USER. max_statement_time is MariaDB's alone.
var resourceLimits = []struct{ column, option string }{
	{"max_questions", "MAX_QUERIES_PER_HOUR"},
	{"max_updates", "MAX_UPDATES_PER_HOUR"},
	{"max_connections", "MAX_CONNECTIONS_PER_HOUR"},
	{"max_user_connections", "MAX_USER_CONNECTIONS"},
	{"max_statement_time", "MAX_STATEMENT_TIME"},
}

// limitValue is what a resource limit column holds: a whole number,
// negative in MariaDB's MAX_USER_CONNECTIONS, and seconds with a fraction
// for MAX_STATEMENT_TIME.
var limitValue = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// limits returns the options of ALTER USER ... WITH that give an account
// template@host's resource limits, zeros included, so that a clone that
// had other limits gets the template's.
func (s *mysqlSession) limits(ctx context.Context, template, host string) (string, error) {
	columns := make([]string, len(resourceLimits))
	for i, l := range resourceLimits {
		columns[i] = l.column
	}
	values := make([]sql.NullString, len(resourceLimits))
	scan := make([]any, len(values))
	for i := range values {
		scan[i] = &values[i]
	}
	query := "SELECT " + strings.Join(columns, ", ") + " FROM mysql.user WHERE User = ? AND Host = ?"
	err := s.conn.QueryRowContext(ctx, query, template, host).Scan(scan...)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == erBadField {
		// MySQL: no max_statement_time.
		n := len(columns) - 1
		query = "SELECT " + strings.Join(columns[:n], ", ") + " FROM mysql.user WHERE User = ? AND Host = ?"
		values, scan = values[:n], scan[:n]
		err = s.conn.QueryRowContext(ctx, query, template, host).Scan(scan...)
	}
	if err != nil {
		return "", err
	}
	options := make([]string, len(values))
	for i, v := range values {
		if !limitValue.MatchString(v.String) {
			return "", errors.New("rotation: mysql.user." + resourceLimits[i].column + " of the AWSCURRENT user is not a number")
		}
		options[i] = resourceLimits[i].option + " " + v.String
	}
	return strings.Join(options, " "), nil
}

// grantError is the failure of a grant line copied to the clone. It quotes
// the statement, which holds no password (regrant drops the hash), so that
// the operator knows which privilege the admin could not pass on.
type grantError struct {
	stmt string
	err  error
}

// MySQL error numbers of a statement refused for want of a privilege.
var privilegeErrors = map[uint16]bool{
	1044: true, // ER_DBACCESS_DENIED_ERROR
	1045: true, // ER_ACCESS_DENIED_ERROR
	1142: true, // ER_TABLEACCESS_DENIED_ERROR
	1143: true, // ER_COLUMNACCESS_DENIED_ERROR
	1227: true, // ER_SPECIFIC_ACCESS_DENIED_ERROR
	1370: true, // ER_PROCACCESS_DENIED_ERROR
	1698: true, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR, MariaDB's answer to a role it may not grant
}

func (e *grantError) Error() string {
	msg := "copying " + strconv.Quote(e.stmt) + " to the clone: " + e.err.Error()
	var me *mysql.MySQLError
	if errors.As(e.err, &me) && privilegeErrors[me.Number] {
		msg += " (the masterarn secret's user must hold what it grants WITH GRANT OPTION; a role WITH ADMIN OPTION; a proxy as PROXY ... WITH GRANT OPTION)"
	}
	return msg
}

func (e *grantError) Unwrap() error { return e.err }
