package rotation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"
)

// Engine is a database engine a Database strategy rotates users of.
type Engine int

const (
	// AnyEngine takes the engine from each secret's "engine" key.
	AnyEngine Engine = iota
	// MySQL is MySQL, MariaDB and Aurora MySQL: engine values mysql,
	// mariadb and aurora-mysql.
	MySQL
	// Postgres is PostgreSQL and Aurora PostgreSQL: engine values postgres
	// and aurora-postgresql.
	Postgres
)

// String returns "any", "mysql" or "postgres".
func (e Engine) String() string {
	switch e {
	case MySQL:
		return "mysql"
	case Postgres:
		return "postgres"
	}
	return "any"
}

// Scheme is how the credentials of a database secret rotate, in the terms
// of the Secrets Manager user guide.
type Scheme int

const (
	// SingleUser changes the password of the secret's user, logged in as
	// that user. Between setSecret and finishSecret the database accepts
	// only the AWSPENDING password.
	SingleUser Scheme = iota
	// AlternatingUsers switches the secret between two users, <user> and
	// <user>_clone, each rotation setting a new password on the other one
	// with the admin credentials of the secret its "masterarn" key names.
	// The first rotation creates the clone with the first user's grants
	// (MySQL) or as a member of its role (PostgreSQL). Both users keep
	// working until the next rotation changes the older one's password.
	AlternatingUsers
)

// String returns "single-user" or "alternating-users".
func (s Scheme) String() string {
	if s == AlternatingUsers {
		return "alternating-users"
	}
	return "single-user"
}

// DefaultConnectTimeout bounds a login to the database when
// Database.ConnectTimeout is zero, as in AWS's templates.
const DefaultConnectTimeout = 5 * time.Second

// statementTimeout bounds the statements of one step.
const statementTimeout = 30 * time.Second

// Database is the Strategy that rotates the credentials of a MySQL,
// MariaDB or PostgreSQL user, stored as AWS documents database secrets
// (engine, host, port, username, password, dbname, and masterarn for
// alternating users). It behaves step by step as AWS's rotation templates
// do (SecretsManagerRDSMySQLRotationSingleUser, ...MultiUser,
// ...PostgreSQLRotationSingleUser, ...MultiUser), with these differences:
//
//   - setSecret makes the confused-deputy checks (same engine, host, port,
//     database, and the expected user) before it logs in to anything, not after
//     trying the AWSPENDING credentials; alternating users also refuse an
//     AWSPENDING user that is the masterarn secret's own (a secret whose
//     user is <admin>_clone would otherwise hand the admin account to its
//     readers);
//   - a single user's setSecret logs in with AWSCURRENT first, so that a
//     rotation is refused no login (AWS's templates try AWSPENDING first,
//     and the database refuses it once per rotation: a failed login that
//     lockout policies and alerts count);
//   - alternating users: the clone is made usable last, once its grants are
//     in place (MySQL: created with a throwaway password; PostgreSQL: in one
//     transaction), so that an interrupted setSecret is completed by its
//     retry, where AWS's templates would find the new user logging in
//     without its grants and stop;
//   - MySQL grant lines are parsed, not split on " TO ", keep WITH GRANT
//     OPTION and are refused when they are not the expected user's;
//   - PostgreSQL passwords are sent as SCRAM-SHA-256 verifiers computed
//     here, never in the clear, and the login speaks scram-sha-256 (pgx);
//   - TLS is required by default and never falls back to plaintext; the
//     secret's "ssl" key, which AWS's templates follow (and, without it,
//     fall back to plaintext), is ignored: TLS is the function's setting,
//     so that whoever may write the secret cannot turn it off for the
//     admin's session of alternating users;
//   - a user name the engine cannot hold once _clone is appended is refused
//     in createSecret, before anything is written.
//
// The zero value rotates a single user of the engine each secret names,
// over TLS without certificate verification. A Database must not be
// changed once in use; it is safe for concurrent use.
type Database struct {
	// Engine restricts the secrets rotated to one engine; AnyEngine
	// follows each secret's "engine" key.
	Engine Engine
	// Scheme is SingleUser (the zero value) or AlternatingUsers.
	Scheme Scheme
	// TLS configures the connections to the database; the zero value
	// requires TLS without verifying the certificate.
	TLS TLS
	// Password shapes new passwords; the zero value is AWS's default.
	Password PasswordOptions
	// MaxUsernameLength is the longest user name createSecret accepts for
	// the clone of alternating users, in characters for MySQL and bytes
	// for PostgreSQL. 0 means the engine's limit: 32 for MySQL and Aurora
	// MySQL (5.7 and later), 80 for an engine value of mariadb (MariaDB
	// 10.x; servers from 10.6 accept 128, set it to allow more), 63 bytes
	// for PostgreSQL (NAMEDATALEN-1, beyond which PostgreSQL truncates
	// names without an error).
	MaxUsernameLength int
	// ConnectTimeout bounds each login; 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Dial, if set, opens the TCP connections to the database instead of
	// net.Dialer, for example through a proxy. TLS runs over what it
	// returns.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

var _ Strategy = (*Database)(nil)

// CreateSecret returns AWSCURRENT's value with a new password from
// GetRandomPassword and, for alternating users, the other user of the pair.
func (d *Database) CreateSecret(ctx context.Context, r *Invocation) (string, error) {
	cur, err := d.read(ctx, r, StageCurrent)
	if err != nil {
		return "", err
	}
	user := cur.Username
	if d.Scheme == AlternatingUsers {
		if cur.MasterARN == "" {
			return "", &Error{Kind: BadSecretValue, Stage: StageCurrent, Key: "masterarn",
				Problem: `the AWSCURRENT version's "masterarn" key: missing; alternating users need the ARN of a secret with admin credentials`}
		}
		user = altUsername(cur.Username)
		if err := d.checkUsername(cur, user); err != nil {
			return "", err
		}
	}
	pw, err := r.RandomPassword(ctx, d.Password)
	if err != nil {
		return "", err
	}
	value, _ := r.Current(ctx) // read by d.read above
	return withCredentials(value, user, pw)
}

// checkUsername refuses user when the engine cannot hold it.
func (d *Database) checkUsername(cur *dbSecret, user string) error {
	limit, length := d.MaxUsernameLength, cur.eng.nameLength(user)
	if limit == 0 {
		limit = cur.eng.maxUsername(cur.Engine)
	}
	if length <= limit {
		return nil
	}
	return &Error{Kind: BadUsername, Stage: StageCurrent, Key: "username",
		Problem: fmt.Sprintf("the clone user %q would be %d %s long, and engine %s allows %d", user, length, cur.eng.nameUnit(), cur.Engine, limit)}
}

// CheckPending refuses an AWSPENDING version whose engine, host, port or
// database differs from AWSCURRENT's, whose user is not AWSCURRENT's (single user)
// or the other user of its pair (alternating users), or whose user name or
// password the engine's statements cannot carry (a NUL byte; for MySQL,
// invalid UTF-8; for PostgreSQL, a password other than printable ASCII).
func (d *Database) CheckPending(ctx context.Context, r *Invocation) error {
	cur, pend, err := d.readPair(ctx, r)
	if err != nil {
		return err
	}
	if err := d.checkPair(cur, pend); err != nil {
		return err
	}
	if key, err := pend.eng.checkCredentials(pend.Username, string(pend.Password)); err != nil {
		return &Error{Kind: BadSecretValue, Stage: StagePending, Key: key,
			Problem: "the AWSPENDING version's " + strconv.Quote(key) + " key cannot be used", Err: err}
	}
	return nil
}

// SetSecret does nothing when the AWSPENDING credentials log in already.
// Otherwise, for a single user, it sets the user's own password, logged in
// with AWSCURRENT's credentials (or AWSPREVIOUS's, when they are the same
// user's and AWSCURRENT's are refused); for alternating users it checks
// that AWSCURRENT's credentials log in, reads the admin credentials of the
// masterarn secret (which must name the same host and port), and creates
// the other user with the first user's grants or sets its password.
func (d *Database) SetSecret(ctx context.Context, r *Invocation) error {
	cur, pend, err := d.readPair(ctx, r)
	if err != nil {
		return err
	}
	if d.Scheme == AlternatingUsers {
		return d.setAlternating(ctx, r, cur, pend)
	}
	return d.setSingle(ctx, r, cur, pend)
}

// pendingWorks reports whether the AWSPENDING credentials log in, logging
// that there is nothing to do when they do.
func (d *Database) pendingWorks(ctx context.Context, r *Invocation, pend *dbSecret) (bool, error) {
	s, err := d.login(ctx, pend, pend.DBName)
	switch {
	case err == nil:
		s.close()
		r.Logger().InfoContext(ctx, "AWSPENDING logs in already: nothing to do", slog.String("user", pend.Username))
		return true, nil
	case isKind(err, LoginRefused):
		return false, nil
	}
	return false, err
}

// TestSecret logs in with the AWSPENDING credentials and runs a read.
func (d *Database) TestSecret(ctx context.Context, r *Invocation) error {
	pend, err := d.read(ctx, r, StagePending)
	if err != nil {
		return err
	}
	s, err := d.login(ctx, pend, pend.DBName)
	if err != nil {
		return err
	}
	defer s.close()
	sctx, cancel := shorten(ctx, statementTimeout)
	defer cancel()
	if err := s.test(sctx); err != nil {
		return dbError(err, "reading as user "+strconv.Quote(pend.Username))
	}
	r.Logger().InfoContext(ctx, "AWSPENDING logs in and reads", slog.String("user", pend.Username))
	return nil
}

func (d *Database) connectTimeout() time.Duration {
	if d.ConnectTimeout > 0 {
		return d.ConnectTimeout
	}
	return DefaultConnectTimeout
}

// isKind reports whether err is an *Error of kind k.
func isKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
