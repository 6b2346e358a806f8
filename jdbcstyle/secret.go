package jdbcstyle

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Secret is a database secret in the JSON structure that AWS Secrets Manager
// documents for its rotation functions and RDS integration:
//
//	{"engine": "mysql", "host": "db.example.com", "port": 3306,
//	 "username": "app", "password": "...", "dbname": "app"}
//
// Formatting a Secret with any fmt verb, marshalling it to JSON or logging it
// with log/slog never shows the password (see Password).
type Secret struct {
	// Engine is the "engine" key, lower-cased: mysql, mariadb, aurora-mysql,
	// postgres, aurora-postgresql, redshift, oracle, sqlserver, db2 or mongo.
	// It is "" when the secret has none, as in the secrets RDS manages for a
	// master user, which hold only a username and a password.
	Engine string
	// Host is the "host" key, "" when absent: a host name, an IP address
	// (an IPv6 address written in brackets, as in URLs, loses them) or a
	// Unix socket path. A host with a port, white space or control
	// characters is a *SecretError naming the key.
	Host string
	// Port is the "port" key, or the engine's default port when the key is
	// absent (3306, 5432, 1521, 1433, 50000, 5439 or 27017), or 0 when both
	// are absent.
	Port int
	// Username is the "username" key; it is required.
	Username string
	// Password is the "password" key; it is required.
	Password Password
	// DBName is the "dbname" key, or the engine's default database when the
	// key is absent ("postgres" for postgres and aurora-postgresql, "master"
	// for sqlserver), or "". It is required for oracle.
	DBName string
	// MasterARN is the "masterarn" key: the ARN of the secret holding the
	// credentials that rotate this one (alternating users, db2).
	MasterARN string
	// DBInstanceIdentifier is the "dbInstanceIdentifier" key.
	DBInstanceIdentifier string
	// DBClusterIdentifier is the "dbClusterIdentifier" key.
	DBClusterIdentifier string
	// NamespaceName is the "namespaceName" key (Redshift Serverless).
	NamespaceName string
	// SSL is the "ssl" key (DocumentDB): true when it is the JSON boolean
	// true or the string "true", false when absent.
	SSL bool
	// SSLMode is the "ssl" key when it is a string other than "true" or
	// "false": an SSL mode such as "require", the form AWS's JDBC library
	// reads. It is informational here; the tls and sslmode DSN params set
	// the drivers' TLS.
	SSLMode string
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

// ParseSecret decodes a database secret. Keys are matched exactly as AWS
// spells them; keys it does not know are ignored, and a JSON null counts as
// absent. "port" may be a JSON number or, as in many hand-written secrets, a
// string of digits; "ssl" may be a JSON boolean or the string "true" or
// "false". Any other problem is a *SecretError naming the key.
func ParseSecret(data []byte) (*Secret, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		// Deliberately not wrapped: json errors can quote the input.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, &SecretError{Problem: "malformed JSON at byte " + strconv.FormatInt(syntax.Offset, 10)}
		}
		return nil, &SecretError{Problem: "not a JSON object"}
	}
	r := fieldReader{fields: fields}
	s := &Secret{
		Engine:               strings.ToLower(r.string("engine", false)),
		Host:                 r.host("host"),
		Port:                 r.port("port"),
		Username:             r.string("username", true),
		Password:             Password(r.string("password", true)),
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
		return &SecretError{Key: "engine", Problem: "not an engine AWS documents (mysql, mariadb, aurora-mysql, postgres, aurora-postgresql, redshift, oracle, sqlserver, db2, mongo)"}
	}
	if s.Port == 0 {
		s.Port = d.port
	}
	if s.DBName == "" {
		if d.dbnameRequired {
			return &SecretError{Key: "dbname", Problem: "missing, required for engine " + s.Engine}
		}
		s.DBName = d.dbname
	}
	return nil
}

// fieldReader reads typed keys from a decoded JSON object and keeps the
// first error, so that ParseSecret reads as a list of keys.
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
		r.err = &SecretError{Key: key, Problem: problem}
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
	h, problem := cleanHost(v)
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
	p, problem := parsePort(digits)
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

// parsePort accepts a decimal TCP port, 1 to 65535, written with digits
// only: no sign, fraction, exponent or spaces. It returns a problem for
// SecretError or DSNError instead of an error so that no strconv error
// (which quotes its input) can reach a message.
func parsePort(digits string) (port int, problem string) {
	if digits == "" || len(digits) > 5 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, problemPort
	}
	p, _ := strconv.Atoi(digits) // cannot fail: at most 5 digits
	if p < 1 || p > 65535 {
		return 0, problemPort
	}
	return p, ""
}
