package rotation

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// postgresEngine is PostgreSQL and Aurora PostgreSQL, through pgx, which
// speaks scram-sha-256.
type postgresEngine struct{}

// maxUsername is NAMEDATALEN-1: PostgreSQL truncates longer names.
func (postgresEngine) maxUsername(string) int     { return 63 }
func (postgresEngine) nameLength(user string) int { return len(user) }
func (postgresEngine) nameUnit() string           { return "bytes" }

// checkCredentials refuses a name with a NUL byte, which no identifier can
// hold, and a password scramVerifier refuses.
func (postgresEngine) checkCredentials(user, password string) (string, error) {
	if strings.IndexByte(user, 0) >= 0 {
		return "username", errors.New("rotation: a PostgreSQL name cannot hold a NUL byte")
	}
	if _, err := scramVerifier(password); err != nil {
		return "password", err
	}
	return "", nil
}

// baseConfig is parsed once per connect because pgx requires configs made
// by ParseConfig; every field that matters is then set from the secret, so
// nothing of it (nor of the PG* environment variables it reads) remains
// but defaults.
const baseConfig = "postgres://localhost/?sslmode=disable"

func (postgresEngine) connect(ctx context.Context, d *Database, s *dbSecret, dbname string) (session, error) {
	cfg, err := pgx.ParseConfig(baseConfig)
	if err != nil {
		return nil, err
	}
	cfg.Host, cfg.Port = s.Host, uint16(s.Port)
	cfg.User, cfg.Password, cfg.Database = s.Username, string(s.Password), dbname
	cfg.TLSConfig = d.TLS.config(s.Host)
	cfg.Fallbacks = nil // never a second attempt without TLS
	cfg.ConnectTimeout = d.connectTimeout()
	if d.Dial != nil {
		cfg.DialFunc = pgconn.DialFunc(d.Dial)
		// Dial gets the secret's host, as with MySQL, not the addresses
		// pgx would resolve it to: a proxy may know names this host's
		// resolver does not.
		cfg.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	}
	cfg.RuntimeParams = map[string]string{"application_name": "secretcache-go rotation"}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		scrubConfig(err)
		return nil, err
	}
	return &postgresSession{conn: conn}, nil
}

// scrubConfig removes the password from the copy of the configuration a
// *pgconn.ConnectError keeps.
func scrubConfig(err error) {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Config != nil {
		ce.Config.Password = ""
	}
}

// PostgreSQL SQLSTATEs of a refused login.
const (
	pgInvalidPassword      = "28P01" // invalid_password
	pgInvalidAuthorization = "28000" // invalid_authorization_specification
)

func (postgresEngine) wrongPassword(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgInvalidPassword
}

// classify tells apart, in SQLSTATE 28000, the rejections of pg_hba.conf,
// which are no refused credentials, by their text: PostgreSQL gives them
// no code of their own. A server whose messages are not in English has
// them taken for refused logins, as before.
func (postgresEngine) classify(err error) Kind {
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == pgInvalidAuthorization && strings.Contains(pe.Message, "pg_hba.conf"):
		if strings.HasSuffix(pe.Message, "no encryption") || strings.HasSuffix(pe.Message, "SSL off") {
			return TLSFailed // a hostssl line: the server wants TLS the function does not use
		}
		return Failed
	case errors.As(err, &pe) && (pe.Code == pgInvalidPassword || pe.Code == pgInvalidAuthorization):
		return LoginRefused
	// pgconn has no error value for this: its text is all there is.
	case strings.Contains(err.Error(), "server refused TLS connection"):
		return TLSFailed
	}
	return Failed
}

func init() {
	// A PostgreSQL error may quote the statement it refused.
	scrubbers = append(scrubbers, func(err error, secrets []string) (error, []string) {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return nil, nil
		}
		clean := *pe
		for _, f := range []*string{&clean.Message, &clean.Detail, &clean.Hint, &clean.Where, &clean.InternalQuery} {
			*f = redact(*f, secrets)
		}
		return &clean, nil
	})
}

// postgresSession is one pgx connection.
type postgresSession struct{ conn *pgx.Conn }

func (s *postgresSession) close() {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultConnectTimeout)
	defer cancel()
	_ = s.conn.Close(ctx)
}

func (s *postgresSession) test(ctx context.Context) error {
	_, err := s.conn.Exec(ctx, "SELECT now()")
	return err
}

// setOwnPassword runs ALTER ROLE CURRENT_USER, which a role may run on
// itself, with the password's SCRAM verifier.
func (s *postgresSession) setOwnPassword(ctx context.Context, password string) error {
	v, err := scramVerifier(password)
	if err != nil {
		return err
	}
	_, err = s.conn.Exec(ctx, "ALTER ROLE CURRENT_USER WITH PASSWORD "+quotePgVerifier(v))
	return hideVerifier(err, v)
}

// setUser, in one transaction, creates user WITH LOGIN as a member of
// template's role (as AWS's template does) when it does not exist, or
// else sets its password and LOGIN and, when user is template's clone,
// makes it a member of template's role if it is not yet: a clone left
// without them (by an operator, or a rotation of another function cancelled
// half-way) would otherwise pass setSecret and fail testSecret, or log in
// without the first user's rights. The transaction makes the role log in
// with its membership or not at all.
func (s *postgresSession) setUser(ctx context.Context, user, password, template string) (created bool, err error) {
	v, err := scramVerifier(password)
	if err != nil {
		return false, err
	}
	err = pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
		var member bool
		err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
			EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
				WHERE r.rolname = $2 AND u.rolname = $1)`, user, template).Scan(&created, &member)
		if err != nil {
			return err
		}
		role := pgx.Identifier{user}.Sanitize()
		stmt := "ALTER ROLE " + role + " WITH LOGIN PASSWORD " + quotePgVerifier(v)
		if created {
			stmt = "CREATE ROLE " + role + " WITH LOGIN PASSWORD " + quotePgVerifier(v)
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
		if member || !created && user != template+cloneSuffix {
			return nil
		}
		_, err = tx.Exec(ctx, "GRANT "+pgx.Identifier{template}.Sanitize()+" TO "+role)
		return err
	})
	return created, hideVerifier(err, v)
}

// hideVerifier returns err without the SCRAM verifier v, which an error
// quoting the statement that carried it shows. A verifier is not the
// password, but PostgreSQL shows it to superusers only: with it one can
// pose as the server to the role's clients, and attack the password
// offline.
func hideVerifier(err error, v string) error {
	secrets := []string{v}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '$' || r == ':' }) {
		if len(part) >= 16 { // the salt and the keys, not the scheme and iteration count
			secrets = append(secrets, part)
		}
	}
	return scrub(err, secrets)
}

// quotePgVerifier quotes a SCRAM verifier, whose characters (letters,
// digits, + / = $ : -) need no escaping, as a string literal.
func quotePgVerifier(v string) string { return "'" + v + "'" }
