package rotation

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Environment variables DatabaseFromEnv reads. The password settings keep
// the names of AWS's rotation templates, so a function replacing one keeps
// its configuration.
const (
	// EnvScheme is single-user (the default) or alternating-users.
	EnvScheme = "ROTATION_SCHEME"
	// EnvEngine restricts the function to mysql or postgres; empty follows
	// each secret's engine key.
	EnvEngine = "ROTATION_ENGINE"
	// EnvTLS is require (the default), verify-full or disable: see TLSMode.
	EnvTLS = "ROTATION_TLS"
	// EnvTLSCAFile names a PEM file of CA certificates that verify the
	// database's certificate, such as the RDS global bundle.
	EnvTLSCAFile = "ROTATION_TLS_CA_FILE"
	// EnvConnectTimeout is a Go duration bounding each login (default 5s).
	EnvConnectTimeout = "ROTATION_CONNECT_TIMEOUT"
	// EnvUsernameLimit is AWS's USERNAME_CHARACTER_LIMIT: see
	// Database.MaxUsernameLength.
	EnvUsernameLimit = "USERNAME_CHARACTER_LIMIT"
	// EnvPasswordLength is the length of new passwords (Database.Password,
	// as in AWS's templates, like the five below).
	EnvPasswordLength = "PASSWORD_LENGTH"
	// EnvExcludeCharacters are characters new passwords leave out.
	EnvExcludeCharacters = "EXCLUDE_CHARACTERS"
	// EnvExcludeNumbers leaves digits out of new passwords. It and the
	// other switches are true for true, 1, y or yes and false for false,
	// 0, n or no, in any case.
	EnvExcludeNumbers = "EXCLUDE_NUMBERS"
	// EnvExcludePunctuation leaves punctuation out of new passwords.
	EnvExcludePunctuation = "EXCLUDE_PUNCTUATION"
	// EnvExcludeUppercase leaves upper-case letters out of new passwords.
	EnvExcludeUppercase = "EXCLUDE_UPPERCASE"
	// EnvExcludeLowercase leaves lower-case letters out of new passwords.
	EnvExcludeLowercase = "EXCLUDE_LOWERCASE"
	// EnvRequireEachIncludedType, true by default, puts at least one
	// character of each included type in new passwords.
	EnvRequireEachIncludedType = "REQUIRE_EACH_INCLUDED_TYPE"
)

// DatabaseFromEnv builds a Database strategy from the environment variables
// Env*, read with getenv (os.Getenv in a Lambda function): the
// configuration of a deployed rotation function. An unset variable means
// the field's default; a value it cannot read is an error naming the
// variable.
func DatabaseFromEnv(getenv func(string) string) (*Database, error) {
	r := envReader{getenv: getenv}
	d := &Database{}
	switch v := strings.ToLower(getenv(EnvScheme)); v {
	case "", "single-user":
	case "alternating-users":
		d.Scheme = AlternatingUsers
	default:
		r.fail(EnvScheme, "want single-user or alternating-users")
	}
	switch v := strings.ToLower(getenv(EnvEngine)); v {
	case "":
	case "mysql", "mariadb":
		d.Engine = MySQL
	case "postgres", "postgresql":
		d.Engine = Postgres
	default:
		r.fail(EnvEngine, "want mysql or postgres")
	}
	switch v := strings.ToLower(getenv(EnvTLS)); v {
	case "", "require":
	case "verify-full":
		d.TLS.Mode = TLSVerifyFull
	case "disable":
		d.TLS.Mode = TLSDisable
	default:
		r.fail(EnvTLS, "want require, verify-full or disable")
	}
	if path := getenv(EnvTLSCAFile); path != "" && r.err == nil {
		var err error
		if d.TLS.RootCAs, err = LoadCAFile(path); err != nil {
			r.err = err
		}
	}
	if v := getenv(EnvConnectTimeout); v != "" {
		if t, err := time.ParseDuration(v); err != nil || t <= 0 {
			r.fail(EnvConnectTimeout, "want a positive Go duration such as 5s")
		} else {
			d.ConnectTimeout = t
		}
	}
	d.MaxUsernameLength = int(r.number(EnvUsernameLimit, 1, 1<<10))
	d.Password = PasswordOptions{
		Length:             r.number(EnvPasswordLength, 1, 4096),
		ExcludeCharacters:  getenv(EnvExcludeCharacters),
		ExcludeNumbers:     r.boolean(EnvExcludeNumbers, false),
		ExcludePunctuation: r.boolean(EnvExcludePunctuation, false),
		ExcludeUppercase:   r.boolean(EnvExcludeUppercase, false),
		ExcludeLowercase:   r.boolean(EnvExcludeLowercase, false),
		AllowMissingTypes:  !r.boolean(EnvRequireEachIncludedType, true),
	}
	if r.err != nil {
		return nil, r.err
	}
	return d, nil
}

// envReader reads typed variables and keeps the first error.
type envReader struct {
	getenv func(string) string
	err    error
}

func (r *envReader) fail(name, problem string) {
	if r.err == nil {
		r.err = errors.New("rotation: environment variable " + name + ": " + problem)
	}
}

// number reads an integer in [min, max]; 0 when unset.
func (r *envReader) number(name string, min, max int64) int64 {
	v := r.getenv(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		r.fail(name, "want a whole number from "+strconv.FormatInt(min, 10)+" to "+strconv.FormatInt(max, 10))
	}
	return n
}

func (r *envReader) boolean(name string, def bool) bool {
	switch strings.ToLower(r.getenv(name)) {
	case "":
		return def
	case "true", "1", "y", "yes":
		return true
	case "false", "0", "n", "no":
		return false
	}
	r.fail(name, "want true or false")
	return def
}
