// Package dbsecret parses the JSON of the database secrets AWS Secrets
// Manager documents, for jdbcstyle, which connects with them, and rotation,
// which rotates them; each wraps the result and the errors in types of its
// own. The problems it reports never quote the value at fault.
package dbsecret

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Secret is a parsed database secret: see jdbcstyle.Secret for what each
// field holds. Password is the plain password, which formatting and logging
// leave out.
type Secret struct {
	Engine               string
	Host                 string
	Port                 int
	Username             string
	Password             string
	DBName               string
	MasterARN            string
	DBInstanceIdentifier string
	DBClusterIdentifier  string
	NamespaceName        string
	SSL                  bool
	SSLMode              string
}

// Format writes s without its password, whatever the verb, so that no
// formatted Secret, nor a type that embeds one, shows it.
func (s Secret) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "{engine: %s, host: %s, port: %d, username: %s, dbname: %s}", s.Engine, s.Host, s.Port, s.Username, s.DBName)
}

// LogValue logs s without its password.
func (s Secret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("engine", s.Engine), slog.String("host", s.Host), slog.Int("port", s.Port),
		slog.String("username", s.Username), slog.String("dbname", s.DBName))
}

// Error reports a secret that Parse cannot accept.
type Error struct {
	// Key is the JSON key at fault, or "" when the document as a whole is
	// not a JSON object.
	Key string
	// Problem says what is wrong, e.g. "missing". It never quotes the value.
	Problem string
}

// Error returns "secret JSON: key <key>: <problem>".
func (e *Error) Error() string {
	if e.Key == "" {
		return "secret JSON: " + e.Problem
	}
	return "secret JSON: key " + e.Key + ": " + e.Problem
}

// engineDefaults holds, per documented engine value, what an absent "port"
// or "dbname" key means.
var engineDefaults = map[string]struct {
	port           int
	dbname         string
	dbnameRequired bool
}{
	"mysql":             {port: 3306},
	"mariadb":           {port: 3306},
	"aurora-mysql":      {port: 3306},
	"postgres":          {port: 5432, dbname: "postgres"},
	"aurora-postgresql": {port: 5432, dbname: "postgres"},
	"redshift":          {port: 5439},
	"oracle":            {port: 1521, dbnameRequired: true},
	"sqlserver":         {port: 1433, dbname: "master"},
	// AWS's db2 rotation template says 3306, a copy-paste slip: Db2 listens
	// on 50000.
	"db2":   {port: 50000},
	"mongo": {port: 27017},
}

// Parse decodes a database secret. Keys are matched exactly as AWS
// spells them; keys it does not know are ignored, and a JSON null counts as
// absent. "port" may be a JSON number or, as in many hand-written secrets, a
// string of digits; "ssl" may be a JSON boolean or the string "true" or
// "false". Any other problem is a *SecretError naming the key.
func Parse(data []byte) (*Secret, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		// Deliberately not wrapped: json errors can quote the input.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, &Error{Problem: "malformed JSON at byte " + strconv.FormatInt(syntax.Offset, 10)}
		}
		return nil, &Error{Problem: "not a JSON object"}
	}
	r := fieldReader{fields: fields}
	s := &Secret{
		Engine:               strings.ToLower(r.string("engine", false)),
		Host:                 r.host("host"),
		Port:                 r.port("port"),
		Username:             r.string("username", true),
		Password:             r.string("password", true),
		DBName:               r.string("dbname", false),
		MasterARN:            r.string("masterarn", false),
		DBInstanceIdentifier: r.string("dbInstanceIdentifier", false),
		DBClusterIdentifier:  r.string("dbClusterIdentifier", false),
		NamespaceName:        r.string("namespaceName", false),
	}
	s.SSL, s.SSLMode = r.ssl("ssl")
	if r.err != nil {
		return nil, r.err
	}
	if err := s.applyEngineDefaults(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Secret) applyEngineDefaults() error {
	if s.Engine == "" {
		return nil
	}
	d, ok := engineDefaults[s.Engine]
	if !ok {
		return &Error{Key: "engine", Problem: "not an engine AWS documents (mysql, mariadb, aurora-mysql, postgres, aurora-postgresql, redshift, oracle, sqlserver, db2, mongo)"}
	}
	if s.Port == 0 {
		s.Port = d.port
	}
	if s.DBName == "" {
		if d.dbnameRequired {
			return &Error{Key: "dbname", Problem: "missing, required for engine " + s.Engine}
		}
		s.DBName = d.dbname
	}
	return nil
}

// Password reads only the "password" key of a secret, with Parse's rules,
// for a caller that parsed the rest of the same version before.
func Password(data []byte) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return "", &Error{Problem: "not a JSON object"}
	}
	r := fieldReader{fields: fields}
	pw := r.string("password", true)
	return pw, r.err
}

// fieldReader reads typed keys from a decoded JSON object and keeps the
// first error, so that Parse reads as a list of keys.
type fieldReader struct {
	fields map[string]json.RawMessage
	err    error
}

// lookup returns the raw value of key, or nil when the key is absent or null.
func (r *fieldReader) lookup(key string) json.RawMessage {
	raw := r.fields[key]
	if r.err != nil || kind(raw) == "null" {
		return nil
	}
	return raw
}

func (r *fieldReader) fail(key, problem string) {
	if r.err == nil {
		r.err = &Error{Key: key, Problem: problem}
	}
}

func (r *fieldReader) string(key string, required bool) string {
	raw := r.lookup(key)
	if raw == nil {
		if required {
			r.fail(key, "missing")
		}
		return ""
	}
	if k := kind(raw); k != "string" {
		r.fail(key, "got a JSON "+k+", want a string")
		return ""
	}
	var v string
	_ = json.Unmarshal(raw, &v) // cannot fail: a valid JSON string
	if required && v == "" {
		r.fail(key, "empty")
	}
	return v
}

// host reads an optional host key and checks it as a DSN's host param is
// checked (see cleanHost): a bracketed IPv6 address loses its brackets, and
// a port, white space or control characters are an error naming the key.
func (r *fieldReader) host(key string) string {
	v := r.string(key, false)
	if v == "" {
		return "" // absent, or a wrong type already reported
	}
	h, problem := CleanHost(v)
	if problem != "" {
		r.fail(key, problem)
	}
	return h
}

func (r *fieldReader) port(key string) int {
	raw := r.lookup(key)
	if raw == nil {
		return 0
	}
	var digits string
	switch k := kind(raw); k {
	case "number":
		digits = string(raw)
	case "string":
		_ = json.Unmarshal(raw, &digits) // cannot fail: a valid JSON string
	default:
		r.fail(key, "got a JSON "+k+", want a number")
		return 0
	}
	p, problem := ParsePort(digits)
	if problem != "" {
		r.fail(key, problem)
	}
	return p
}

// ssl reads a key that is a JSON boolean, "true", "false", or another
// string, which is returned as a mode.
func (r *fieldReader) ssl(key string) (on bool, mode string) {
	raw := r.lookup(key)
	switch k := kind(raw); {
	case raw == nil:
		return false, ""
	case k == "boolean":
		return string(raw) == "true", ""
	case k != "string":
		r.fail(key, "got a JSON "+k+", want a boolean or a string")
		return false, ""
	}
	_ = json.Unmarshal(raw, &mode) // cannot fail: a valid JSON string
	switch mode {
	case "true":
		return true, ""
	case "false":
		return false, ""
	}
	return false, mode
}

// kind names the JSON type of a raw value from its first byte, which is
// enough because encoding/json has already validated the document.
func kind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "null"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// ParsePort accepts a decimal TCP port, 1 to 65535, written with digits
// only: no sign, fraction, exponent or spaces. It returns a problem for an
// error naming where the port came from, instead of an error, so that no
// strconv error (which quotes its input) can reach a message.
func ParsePort(digits string) (port int, problem string) {
	if digits == "" || len(digits) > 5 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, ProblemPort
	}
	p, _ := strconv.Atoi(digits) // cannot fail: at most 5 digits
	if p < 1 || p > 65535 {
		return 0, ProblemPort
	}
	return p, ""
}

// ProblemPort is ParsePort's problem.
const ProblemPort = "not a port number (digits only, 1 to 65535)"
