package rotation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
)

// dbEngine is what differs between MySQL and PostgreSQL.
type dbEngine interface {
	// maxUsername is the longest user name the engine value allows.
	maxUsername(engine string) int
	// nameLength measures a user name in the unit maxUsername counts.
	nameLength(user string) int
	nameUnit() string
	// connect logs in as s.Username to dbname ("" for the default).
	connect(ctx context.Context, d *Database, s *dbSecret, dbname string) (session, error)
	// classify returns LoginRefused or TLSFailed for the errors of the
	// engine's driver that mean so, Failed otherwise.
	classify(err error) Kind
	// wrongPassword reports whether a refused login blames the password,
	// rather than the account (locked, not allowed to log in).
	wrongPassword(err error) bool
	// checkCredentials refuses a user name or password the engine's
	// statements cannot carry safely, and names its key.
	checkCredentials(user, password string) (key string, err error)
}

// session is one connection to the database.
type session interface {
	// test runs a read.
	test(ctx context.Context) error
	// setOwnPassword sets the password of the user logged in.
	setOwnPassword(ctx context.Context, password string) error
	// setUser, in an admin's session, sets user's password, first
	// creating user with template's grants or role when it does not
	// exist; user logs in only once everything else is done.
	setUser(ctx context.Context, user, password, template string) (created bool, err error)
	close()
}

// engines maps each Engine to its implementation.
var engines = map[Engine]dbEngine{MySQL: mysqlEngine{}, Postgres: postgresEngine{}}

// login connects as s's user, bounded by the connect timeout, and turns a
// failure into an *Error saying which version's credentials failed and
// why.
func (d *Database) login(ctx context.Context, s *dbSecret, dbname string) (session, error) {
	cctx, cancel := shorten(ctx, d.connectTimeout())
	defer cancel()
	sess, err := s.eng.connect(cctx, d, s, dbname)
	if err == nil {
		return sess, nil
	}
	where := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	e := &Error{Kind: s.eng.classify(err), Stage: s.stage, Err: err}
	if e.Kind == Failed {
		e.Kind = classifyConnect(err, cctx.Err())
	}
	who := "the " + s.stage + " version's credentials"
	if s.stage == StageMaster {
		who = "the masterarn secret's credentials"
	}
	switch e.Kind {
	case LoginRefused:
		e.Problem = "the database at " + where + " refused " + who + " for user " + strconv.Quote(s.Username)
	case TLSFailed:
		e.Problem = "no TLS connection to the database at " + where
	case DatabaseUnreachable:
		e.Problem = "cannot reach the database at " + where
	default:
		e.Kind = DatabaseFailed
		e.Problem = "logging in to the database at " + where + " with " + who + " failed"
	}
	return nil, e
}

// classifyConnect recognises, in a failed connect, TLS failures and a
// database that could not be reached.
func classifyConnect(err, ctxErr error) Kind {
	var (
		unknownAuthority *x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
		netErr           net.Error
		opErr            *net.OpError
		dnsErr           *net.DNSError
	)
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verification), errors.As(err, &recordHeader):
		return TLSFailed
	case ctxErr != nil, errors.As(err, &netErr) && netErr.Timeout(),
		errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return DatabaseUnreachable
	}
	return Failed
}

// dbError is the error of a statement that failed.
func dbError(err error, doing string) error {
	return &Error{Kind: DatabaseFailed, Problem: doing + " failed", Err: err}
}
