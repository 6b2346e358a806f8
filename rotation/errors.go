package rotation

import (
	"errors"
	"strings"
)

// Kind classifies a failed step by what an operator has to look at. It is
// the field of Error to branch on.
type Kind int

// The kinds of failure, in the terms of the rotation troubleshooting guide.
const (
	// Failed is a failure of no other kind, such as an error returned by a
	// Strategy of one's own.
	Failed Kind = iota
	// NotRotatable: the secret or the event's version is not in a state a
	// step can run in: rotation is disabled, the token is not a version of
	// the secret, the version is not labelled AWSPENDING, or the step is
	// unknown.
	NotRotatable
	// SecretsManagerUnreachable: a Secrets Manager call timed out or could
	// not connect. A function in a VPC needs a VPC endpoint for Secrets
	// Manager or a NAT gateway, and a Lambda timeout that leaves room for
	// the step.
	SecretsManagerUnreachable
	// SecretsManagerFailed: Secrets Manager answered with an error
	// (access denied, KMS, throttling...). Op names the call.
	SecretsManagerFailed
	// BadSecretValue: a version's value is not what the strategy needs:
	// not JSON, a key missing or of the wrong type, an engine the strategy
	// does not rotate, a password the engine cannot take. Key names the
	// key.
	BadSecretValue
	// BadUsername: the user name cannot be rotated, for example one the
	// engine cannot hold once _clone is appended.
	BadUsername
	// Mismatch: the AWSPENDING version points at another host, port,
	// database, user or engine than AWSCURRENT, or (alternating users) at the master
	// secret's own user, or the master secret at another host, port or
	// engine: the function refuses to act on it, as protection against a
	// confused deputy. Key names the field that differs.
	Mismatch
	// DatabaseUnreachable: the database did not answer. Check that its
	// security group lets the function's in on its port, and that the
	// function's subnets route to it.
	DatabaseUnreachable
	// TLSFailed: the server and the function do not agree on TLS: the
	// server offers none, its certificate does not verify against the
	// configured CA, or it demands TLS (PostgreSQL's hostssl lines) and
	// the function's TLS mode is TLSDisable.
	TLSFailed
	// LoginRefused: the database refused the credentials of the version
	// Stage names.
	LoginRefused
	// DatabaseFailed: a statement failed, for example for want of a
	// privilege, or the connection broke.
	DatabaseFailed
)

var kindNames = [...]string{
	Failed:                    "failed",
	NotRotatable:              "not rotatable",
	SecretsManagerUnreachable: "Secrets Manager unreachable",
	SecretsManagerFailed:      "Secrets Manager error",
	BadSecretValue:            "secret value",
	BadUsername:               "username",
	Mismatch:                  "mismatch",
	DatabaseUnreachable:       "database unreachable",
	TLSFailed:                 "TLS",
	LoginRefused:              "login refused",
	DatabaseFailed:            "database error",
}

// String returns the kind's name, as logs show it.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// advice is what to check, per kind, in the words of the troubleshooting
// guide; it ends every message of its kind.
var advice = map[Kind]string{
	SecretsManagerUnreachable: "a rotation function in a VPC reaches Secrets Manager only through an interface VPC endpoint for Secrets Manager or a NAT gateway; also check that the Lambda timeout leaves room for the step",
	DatabaseUnreachable:       "check that the database's security group allows the function's security group on this port, and that the function's subnets route to the database",
	TLSFailed:                 "the server and the function must agree on TLS: enable TLS on the server, give the function the CA that signed the server's certificate, or set the function's TLS mode to the server's (disable for a server without TLS; require or verify-full for one that demands it)",
	Mismatch:                  "the function refuses to act on it (confused deputy protection)",
}

// Error is the error of a failed step. Its message names the step, the
// secret, the version concerned and the cause, and says what to check; it
// never contains a password or a secret value. The cause stays reachable
// with errors.As through Unwrap (a *mysql.MySQLError, a *pgconn.PgError, an
// SDK error), scrubbed of the passwords it could quote.
type Error struct {
	// Kind classifies the failure.
	Kind Kind
	// Step is the step that failed.
	Step Step
	// SecretID is the secret being rotated, as the event names it.
	SecretID string
	// Stage is the version concerned: AWSCURRENT, AWSPENDING or AWSPREVIOUS
	// of the rotated secret, or "masterarn" for the secret holding the
	// admin credentials of alternating users; "" when no version is.
	Stage string
	// Key is the JSON key at fault, for SecretValue and Mismatch.
	Key string
	// Op is the Secrets Manager operation that failed, for
	// SecretsManager and SecretsManagerUnreachable.
	Op string
	// Problem says what went wrong. It never quotes a secret value.
	Problem string
	// Err is the cause, or nil.
	Err error

	msg string // the message with every secret of the invocation removed
}

// Error returns "rotation: <step> <secret>: <problem>: <cause>; <advice>".
func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.format()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) format() string {
	var b strings.Builder
	b.WriteString("rotation:")
	if e.Step != "" {
		b.WriteString(" " + string(e.Step))
	}
	if e.SecretID != "" {
		b.WriteString(" " + e.SecretID)
	}
	b.WriteString(": " + e.Problem)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if a := advice[e.Kind]; a != "" {
		b.WriteString("; " + a)
	}
	return b.String()
}

// seal fills in the step and secret, scrubs secrets from the cause, and
// fixes the message.
func (e *Error) seal(step Step, secretID string, secrets []string) {
	if e.Step == "" {
		e.Step = step
	}
	if e.SecretID == "" {
		e.SecretID = secretID
	}
	e.Err = scrub(e.Err, secrets)
	e.msg = redact(e.format(), secrets)
}

// scrubbers know a driver's errors: given err and the secrets, one returns
// the driver's error found in err's chain with every secret removed from
// its fields, and the other spellings its messages give a secret (escaped
// in a literal, say); or nil, nil for an error of another driver.
var scrubbers []func(err error, secrets []string) (clean error, forms []string)

// scrub returns err itself when its text shows no secret, in any spelling
// its driver gives one. Otherwise it returns an error with the same text,
// secrets redacted, that unwraps to the driver's error scrubbed of them, so
// that errors.As still finds a *mysql.MySQLError or a *pgconn.PgError; or,
// when no scrubber knows the error, a plain error with the text redacted
// (losing its type: the type is worth less than the secret).
func scrub(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	forms := secrets
	var clean error
	for _, s := range scrubbers {
		if c, f := s(err, secrets); c != nil {
			clean, forms = c, append(f, secrets...)
			break
		}
	}
	text := err.Error()
	msg := redact(text, forms)
	if msg == text {
		return err
	}
	if clean == nil || redact(clean.Error(), forms) != clean.Error() {
		return errors.New(msg)
	}
	return &scrubbedError{msg: msg, cause: clean}
}

// scrubbedError is an error whose text had a secret, redacted, and the
// driver's error it wrapped, scrubbed.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

const redacted = "[REDACTED]"

// redact replaces every non-empty secret in s.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}
