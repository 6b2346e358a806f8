package jdbcstyle

import "errors"

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
	// Param is the name of the parameter at fault (one of this package's),
	// or "" when the fault is in the secret ID or in the query's syntax.
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
