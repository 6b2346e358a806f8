package jdbcstyle

import (
	"errors"
	"strconv"
	"strings"
)

// ErrClosed is returned by Connect on a Connector that has been closed.
var ErrClosed = errors.New("jdbcstyle: connector closed")

// SecretError reports a database secret whose JSON does not have the
// structure that ParseSecret expects. It names the key and the problem and
// never carries a value from the secret: the errors of encoding/json can
// quote a fragment of the input, so they are neither wrapped nor printed.
type SecretError struct {
	// Key is the JSON key at fault, or "" when the document as a whole is
	// not a JSON object.
	Key string
	// Problem says what is wrong, e.g. "missing" or "got a JSON boolean, want a
	// number". It never quotes the value.
	Problem string
}

// Error returns "jdbcstyle: secret JSON: key <key>: <problem>".
func (e *SecretError) Error() string {
	if e.Key == "" {
		return "jdbcstyle: secret JSON: " + e.Problem
	}
	return "jdbcstyle: secret JSON: key " + e.Key + ": " + e.Problem
}

// DSNError reports a DSN that ParseDSN cannot accept. Like SecretError it
// names the part at fault and never quotes what was written there: a DSN
// meant for another driver can carry a password.
type DSNError struct {
	// Param is the name of the parameter at fault (one of this package's,
	// or a driver param given twice or refused by its driver), or "" when
	// the fault is in the secret ID or in the query's syntax.
	Param string
	// Problem says what is wrong, e.g. "given twice" or "not a port number".
	Problem string
}

// Error returns "jdbcstyle: dsn: param <name>: <problem>", or
// "jdbcstyle: dsn: <problem>" when Param is "".
func (e *DSNError) Error() string {
	if e.Param == "" {
		return "jdbcstyle: dsn: " + e.Problem
	}
	return "jdbcstyle: dsn: param " + e.Param + ": " + e.Problem
}

// ConnectError reports a Connect that failed, either reading the secret or
// logging in. The underlying error stays reachable with errors.As: a
// *mysql.MySQLError or *pgconn.PgError for a refused login, a Secrets
// Manager or secretcache error for a read. When the Connect's context or
// login timeout ended, errors.Is also matches the context's error. The
// errors in FetchErrors are reachable too, after those.
type ConnectError struct {
	// SecretID is the secret the credentials come from.
	SecretID string
	// Stage is the staging label whose version could not be read or
	// parsed, or "" when the failure was a login.
	Stage string
	// Attempts lists, in order, the staging labels of the versions whose
	// credentials were tried; it is empty when no login was attempted.
	Attempts []string
	// Err is the failure: for refused logins, the first one's error.
	Err error
	// Withheld says that this Connect sent no credentials: the database
	// had refused them before, and neither the secret has changed since
	// (a fresh read showed the same version) nor their backoff passed. Err
	// is that earlier refusal.
	Withheld bool
	// FetchErrors, for a refused login, says why versions of the secret
	// that the recovery looked for could not be read (Secrets Manager
	// denying access or throttling, a malformed AWSPENDING), which may be
	// why no other credentials were tried. A missing AWSPENDING or
	// AWSPREVIOUS is normal outside a rotation and is not listed. Nil when
	// every read worked.
	FetchErrors []error

	ctxErr error
	msg    string // built once, with every password tried scrubbed from it
}

// newLoginError builds the error of a failed login. The drivers do not put
// passwords in their messages; scrubbing them anyway costs nothing and
// holds if a driver ever does.
func newLoginError(secretID string, stages []string, err, ctxErr error, fetchErrs []error, passwords []string, withheld bool) *ConnectError {
	e := &ConnectError{SecretID: secretID, Attempts: stages, Err: err, FetchErrors: fetchErrs, ctxErr: ctxErr, Withheld: withheld}
	msg := e.format()
	for _, pw := range passwords {
		if pw != "" {
			msg = strings.ReplaceAll(msg, pw, redacted)
		}
	}
	e.msg = msg
	return e
}

// Error describes the failure: the secret, the versions tried, the
// underlying error's text and then those of FetchErrors.
func (e *ConnectError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.format()
}

func (e *ConnectError) format() string {
	var b strings.Builder
	b.WriteString("jdbcstyle: secret ")
	b.WriteString(strconv.Quote(e.SecretID))
	switch {
	case len(e.Attempts) > 0:
		b.WriteString(": login failed, tried " + strings.Join(e.Attempts, ", "))
	case e.Withheld:
		b.WriteString(": credentials refused by the database and unchanged since, not sent again")
	case e.Stage != "":
		b.WriteString(" " + e.Stage)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	for i, fe := range e.FetchErrors {
		if i == 0 {
			b.WriteString("; reading the secret also failed: ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	if e.ctxErr != nil && !errors.Is(e.Err, e.ctxErr) {
		b.WriteString(" (" + e.ctxErr.Error() + ")")
	}
	return b.String()
}

// Unwrap returns Err, then the Connect's context error when it had ended,
// then FetchErrors.
func (e *ConnectError) Unwrap() []error {
	errs := make([]error, 0, 2+len(e.FetchErrors))
	errs = append(errs, e.Err)
	if e.ctxErr != nil {
		errs = append(errs, e.ctxErr)
	}
	return append(errs, e.FetchErrors...)
}
