package jdbcstyle

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/secretcache/secretcache-go/internal/dbsecret"
)

// DefaultLoginTimeout is how long one Connect may take, all login attempts
// and Secrets Manager calls included, when the DSN has no loginTimeout.
const DefaultLoginTimeout = 30 * time.Second

// DefaultLoginConcurrency is how many logins of one Connector (and of the
// Connectors sharing its secret, cache and DSN) may wait for the database's
// verdict at once when the DSN has no loginConcurrency. It is also the most
// logins a rotation can get refused before the Connector knows the password
// changed; see the package documentation.
const DefaultLoginConcurrency = 2

// maxSecretIDLen is the longest SecretId that Secrets Manager accepts.
const maxSecretIDLen = 2048

// Config is a parsed DSN of the form
//
//	<secret name or ARN>[?param=value&...]
//
// The zero value of every field but SecretID means its default.
type Config struct {
	// SecretID is the name or ARN of the secret holding the credentials.
	SecretID string
	// Host, from the "host" param, overrides the secret's host; "" keeps it.
	Host string
	// Port, from the "port" param, overrides the secret's port; 0 keeps it.
	Port int
	// DBName, from the "dbname" param, overrides the secret's dbname; ""
	// keeps it.
	DBName string
	// Region, from the "region" param or else from SecretID when it is an
	// ARN, selects the Secrets Manager region of the default cache; ""
	// leaves it to the standard AWS configuration.
	Region string
	// Endpoint, from the "endpoint" param, is the Secrets Manager endpoint
	// URL of the default cache; "" leaves it to the standard AWS
	// configuration.
	Endpoint string
	// NoFallback, from "fallback=false", stops Connect from trying the
	// AWSPENDING and AWSPREVIOUS versions after an authentication failure,
	// e.g. after an emergency rotation that must lock the old credentials
	// out. The zero value allows the fallbacks.
	NoFallback bool
	// Previous, from the "fallbackPrevious" param, says which AWSPREVIOUS
	// versions a Connect may fall back to. The zero value, PreviousPair,
	// allows only the other user of an alternating-users pair. NoFallback
	// overrides it.
	Previous PreviousPolicy
	// LoginConcurrency, from the "loginConcurrency" param, bounds how many
	// logins wait for the database's verdict at once. Zero means
	// DefaultLoginConcurrency.
	LoginConcurrency int
	// LoginTimeout, from the "loginTimeout" param (a Go duration such as
	// "10s"), bounds one Connect. Zero means DefaultLoginTimeout.
	LoginTimeout time.Duration
	// DriverParams holds the params that are not this package's, exactly as
	// written and in order (e.g. "parseTime=true&loc=UTC"), for the
	// underlying driver. Each name appears once.
	DriverParams string
}

// PreviousPolicy says which AWSPREVIOUS versions a Connect may log in with
// after AWSCURRENT was refused.
type PreviousPolicy int

const (
	// PreviousPair allows AWSPREVIOUS only when its user and AWSCURRENT's
	// are the pair that AWS's alternating-users rotation creates: a user
	// and the same name with "_clone" appended. It is the default
	// ("fallbackPrevious=pair").
	PreviousPair PreviousPolicy = iota
	// PreviousAny allows AWSPREVIOUS whenever its user differs from
	// AWSCURRENT's, for alternating rotations that name their users
	// otherwise ("fallbackPrevious=any"). A wrong password for a new user
	// then logs in as the previous one, whatever its privileges.
	PreviousAny
	// PreviousNever never uses AWSPREVIOUS ("fallbackPrevious=never").
	PreviousNever
)

var previousPolicies = [...]string{PreviousPair: "pair", PreviousAny: "any", PreviousNever: "never"}

// String returns the param value: "pair", "any" or "never".
func (p PreviousPolicy) String() string {
	if p >= 0 && int(p) < len(previousPolicies) {
		return previousPolicies[p]
	}
	return "PreviousPolicy(" + strconv.Itoa(int(p)) + ")"
}

// Problems a DSNError can report. They are fixed strings so that no part of
// a DSN, which may be a password-bearing DSN given to the wrong driver, can
// reach a message.
const (
	problemEmptyID     = "empty secret id"
	problemIDTooLong   = "secret id longer than 2048 bytes"
	problemIDChar      = "secret id has a character that secret names cannot have (letters, digits and /_+=.@-! only)"
	problemBadARN      = "secret id has ':' but is not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)"
	problemRepeated    = "given twice"
	problemEmptyValue  = "empty value"
	problemEscape      = "malformed %-escape"
	problemKeyEscape   = "malformed %-escape in a param name"
	problemPort        = dbsecret.ProblemPort
	problemBool        = "not a boolean (true or false)"
	problemDuration    = "not a positive Go duration (e.g. 30s)"
	problemPolicy      = "not one of pair, any, never"
	problemConcurrency = "not a number of logins from 1 to 1000"
	problemRegion      = "not a region name (e.g. us-east-1)"
	problemEndpoint    = "not an absolute http or https URL without credentials"
	problemCredentials = "not allowed: credentials come from the secret"
)

// dsnParam is one of this package's params: the DSN parser consumes it and
// never passes it to the driver.
type dsnParam struct {
	name string
	set  func(c *Config, value string) (problem string)
}

var dsnParams = []dsnParam{
	{"host", setHost},
	{"port", setPort},
	{"dbname", func(c *Config, v string) string { c.DBName = v; return "" }},
	{"region", setRegion},
	{"endpoint", setEndpoint},
	{"fallback", setFallback},
	{"fallbackPrevious", setPrevious},
	{"loginConcurrency", setLoginConcurrency},
	{"loginTimeout", setLoginTimeout},
}

// credentialParams are refused outright: a password in the DSN defeats the
// point of the package, and a user param would silently fight the secret's.
var credentialParams = []string{"user", "username", "password", "passwd"}

// ParseDSN parses a DSN of the form <secret name or ARN>[?params]. The params
// host, port, dbname, region, endpoint, fallback, fallbackPrevious,
// loginConcurrency and loginTimeout (names matched regardless of case) fill
// Config; any other param is kept in DriverParams untouched, except user,
// username, password and passwd, which are refused. A param given twice is
// an error, a driver's too: the driver would silently keep one of them.
// Errors are *DSNError values and never quote the DSN.
func ParseDSN(dsn string) (*Config, error) {
	id, query, _ := strings.Cut(dsn, "?")
	region, problem := checkSecretID(id)
	if problem != "" {
		return nil, &DSNError{Problem: problem}
	}
	c := &Config{SecretID: id, LoginTimeout: DefaultLoginTimeout}
	seen := make([]bool, len(dsnParams))
	var driverParams, driverNames []string
	for _, seg := range strings.Split(query, "&") {
		if seg == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(seg, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, &DSNError{Problem: problemKeyEscape}
		}
		i := paramIndex(key)
		if i < 0 {
			if err := checkDriverParam(key, rawKey, driverNames); err != nil {
				return nil, err
			}
			driverParams = append(driverParams, seg)
			driverNames = append(driverNames, key)
			continue
		}
		p := dsnParams[i]
		if seen[i] {
			return nil, &DSNError{Param: p.name, Problem: problemRepeated}
		}
		seen[i] = true
		value, err := url.QueryUnescape(rawValue)
		switch {
		case err != nil:
			problem = problemEscape
		case value == "":
			problem = problemEmptyValue
		default:
			problem = p.set(c, value)
		}
		if problem != "" {
			return nil, &DSNError{Param: p.name, Problem: problem}
		}
	}
	c.DriverParams = strings.Join(driverParams, "&")
	if c.Region == "" {
		c.Region = region
	}
	return c, nil
}

func paramIndex(key string) int {
	for i, p := range dsnParams {
		if strings.EqualFold(key, p.name) {
			return i
		}
	}
	return -1
}

// checkDriverParam refuses a credential param, and a param already in seen:
// the drivers keep the last of two values (go-sql-driver) or the first
// (pgx), so tls=true&tls=false or sslmode=verify-full&sslmode=disable would
// silently connect without the TLS the first one asked for. Names are
// compared regardless of case, as pgx forwards unknown names to the server,
// which does.
//
// A repeated param is reported as written (rawKey), %-escapes included: its
// decoded name may not be printable ("+" is a space).
func checkDriverParam(key, rawKey string, seen []string) error {
	for _, name := range credentialParams {
		if strings.EqualFold(key, name) {
			return &DSNError{Param: name, Problem: problemCredentials}
		}
	}
	for _, name := range seen {
		if strings.EqualFold(key, name) {
			return &DSNError{Param: rawKey, Problem: problemRepeated}
		}
	}
	return nil
}

// checkSecretID validates a secret name or ARN and returns the region of an
// ARN. Secret names cannot contain ':' or '?', so ':' marks an ARN, and
// rejecting anything else with ':' also catches DSNs and URLs for other
// drivers (user:password@...) before they travel anywhere.
//
// '!' is not allowed in the names people choose, but AWS services name the
// secrets they create with it: RDS-managed master-user secrets are
// rds!db-<uuid> or rds!cluster-<uuid>, Redshift's redshift!<...>.
func checkSecretID(id string) (region, problem string) {
	switch {
	case id == "":
		return "", problemEmptyID
	case len(id) > maxSecretIDLen:
		return "", problemIDTooLong
	}
	for i := 0; i < len(id); i++ {
		if !isSecretIDByte(id[i]) {
			return "", problemIDChar
		}
	}
	if !strings.Contains(id, ":") {
		return "", ""
	}
	parts := strings.SplitN(id, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[1] == "" || parts[2] != "secretsmanager" ||
		!isRegion(parts[3]) || parts[4] == "" || parts[5] != "secret" || parts[6] == "" ||
		strings.Contains(parts[6], ":") {
		return "", problemBadARN
	}
	return parts[3], ""
}

func isSecretIDByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		strings.IndexByte("/_+=.@-!:", b) >= 0
}

func isRegion(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

func setHost(c *Config, v string) string {
	h, problem := cleanHost(v)
	if problem != "" {
		return problem
	}
	c.Host = h
	return ""
}

// driverParamError names the driver param that the driver's parser, check,
// refuses, without quoting anything: the drivers' messages quote values,
// and pgx's the whole connection string. A param that passes alone but not
// with the others is reported without a name.
func driverParamError(params, engine string, check func(params string) error) error {
	problem := "refused by the " + engine + " driver"
	for _, seg := range strings.Split(params, "&") {
		if seg == "" || check(seg) == nil {
			continue
		}
		name, _, _ := strings.Cut(seg, "=")
		if key, err := url.QueryUnescape(name); err == nil {
			name = key
		}
		return &DSNError{Param: name, Problem: problem}
	}
	return &DSNError{Problem: "driver params " + problem + " together"}
}

func setPort(c *Config, v string) (problem string) {
	c.Port, problem = parsePort(v)
	return problem
}

func setRegion(c *Config, v string) string {
	if !isRegion(v) {
		return problemRegion
	}
	c.Region = v
	return ""
}

func setEndpoint(c *Config, v string) string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return problemEndpoint
	}
	c.Endpoint = v
	return ""
}

func setFallback(c *Config, v string) string {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return problemBool
	}
	c.NoFallback = !b
	return ""
}

func setPrevious(c *Config, v string) string {
	for p, name := range previousPolicies {
		if strings.EqualFold(v, name) {
			c.Previous = PreviousPolicy(p)
			return ""
		}
	}
	return problemPolicy
}

func setLoginConcurrency(c *Config, v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return problemConcurrency
	}
	c.LoginConcurrency = n
	return ""
}

func setLoginTimeout(c *Config, v string) string {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return problemDuration
	}
	c.LoginTimeout = d
	return ""
}

// FormatDSN returns the DSN that ParseDSN turns back into c, writing only
// the params that differ from their defaults (and region, unless it is the
// one in an ARN), then the driver params.
func (c *Config) FormatDSN() string {
	q := make([]string, 0, 8)
	add := func(name, value string) { q = append(q, name+"="+url.QueryEscape(value)) }
	if c.Host != "" {
		add("host", c.Host)
	}
	if c.Port != 0 {
		add("port", strconv.Itoa(c.Port))
	}
	if c.DBName != "" {
		add("dbname", c.DBName)
	}
	if arnRegion, _ := checkSecretID(c.SecretID); c.Region != "" && c.Region != arnRegion {
		add("region", c.Region)
	}
	if c.Endpoint != "" {
		add("endpoint", c.Endpoint)
	}
	if c.NoFallback {
		add("fallback", "false")
	}
	if c.Previous != PreviousPair {
		add("fallbackPrevious", c.Previous.String())
	}
	if c.LoginConcurrency != 0 {
		add("loginConcurrency", strconv.Itoa(c.LoginConcurrency))
	}
	if c.LoginTimeout != 0 && c.LoginTimeout != DefaultLoginTimeout {
		add("loginTimeout", c.LoginTimeout.String())
	}
	if c.DriverParams != "" {
		q = append(q, c.DriverParams)
	}
	if len(q) == 0 {
		return c.SecretID
	}
	return c.SecretID + "?" + strings.Join(q, "&")
}
