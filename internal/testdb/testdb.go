package testdb

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// Engine names, the values of Server.Engine.
const (
	EngineMySQL    = "mysql"
	EnginePostgres = "postgres"
)

// databaseName is the database that created users get full rights on.
const databaseName = "secretcache_test"

// opTimeout bounds each administrative operation.
const opTimeout = 30 * time.Second

// Server is a running database server with password authentication enforced.
// Its methods are safe for concurrent use.
type Server struct {
	// Engine is EngineMySQL (MySQL or MariaDB) or EnginePostgres.
	Engine string
	// Host is the address clients dial, "127.0.0.1" for a throwaway server.
	Host string
	// Port is the TCP port clients dial.
	Port int

	dialect       dialect
	adminUser     string
	adminPassword secret  // never printed, whatever the fmt verb: see secret
	admin         *sql.DB // shared admin pool, in the test database; closed by stop

	rootCAs *x509.CertPool // verifies the server's certificate; nil without TLS
	caPEM   []byte         // the same CA as a PEM file's contents

	proc *process // nil for a server named by an environment variable
	dir  string   // temporary directory removed by stop; "" when none

	// ddl serialises CreateUser and its cleanup: PostgreSQL fails
	// concurrent GRANTs on one database or schema with "tuple concurrently
	// updated", and parallel tests create users at the same time.
	ddl sync.Mutex

	stopOnce sync.Once
}

// dialect is what differs between the engines: DSNs and administrative SQL.
type dialect interface {
	driverName() string
	// dsn returns a driver DSN; database "" means the server's default.
	dsn(user, password, database string) string
	// adminDSN is dsn with whatever the administrative statements need.
	adminDSN(user, password, database string) string
	ensureDatabase(ctx context.Context, db *sql.DB, name string) error
	createUser(ctx context.Context, db *sql.DB, user, password, database string) error
	setPassword(ctx context.Context, db *sql.DB, user, password string) error
	dropUser(ctx context.Context, db *sql.DB, user string) error
	killSessions(ctx context.Context, db *sql.DB, user string) error
	countSessions(ctx context.Context, db *sql.DB, user string) (int, error)
	isAuthError(err error) bool
}

// DriverName returns the database/sql driver name for DSN: "mysql" or "pgx".
func (s *Server) DriverName() string { return s.dialect.driverName() }

// Database returns the name of the database that users made by CreateUser can
// use with full rights.
func (s *Server) Database() string { return databaseName }

// DSN returns a plain driver DSN that logs user in to Database(): a
// go-sql-driver DSN for MySQL, a postgres URL for PostgreSQL. It contains the
// password: never log it.
func (s *Server) DSN(user, password string) string {
	return s.dialect.dsn(user, password, databaseName)
}

// IsAuthError reports whether err is the engine's wrong-password error
// (MySQL error 1045, PostgreSQL SQLSTATE 28P01), anywhere in its chain.
func (s *Server) IsAuthError(err error) bool { return s.dialect.isAuthError(err) }

// AdminDB returns a new pool logged in as the server's admin user, in
// Database(). It is closed when t ends.
func (s *Server) AdminDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open(s.dialect.driverName(), s.dialect.adminDSN(s.adminUser, s.adminPassword.reveal(), databaseName))
	if err != nil {
		t.Fatalf("testdb: open %s admin pool: %v", s.Engine, s.redact(err))
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// CreateUser creates user with password and all privileges on Database(),
// and drops it (and what it owns) when t ends. Names must be unique across
// concurrent tests and test binaries: see UniqueName.
func (s *Server) CreateUser(t testing.TB, user, password string) {
	t.Helper()
	checkName(t, user)
	s.createUser(t, user, password)
}

// CreateQuotedUser is CreateUser for a name that needs quoting: quotes,
// backslashes, spaces, SQL comments, multi-byte characters. The name must
// be valid UTF-8 without NUL bytes, and within the engine's length limit;
// the other methods of Server, which take plain identifiers only, do not
// accept it.
func (s *Server) CreateQuotedUser(t testing.TB, user, password string) {
	t.Helper()
	if user == "" || !utf8.ValidString(user) || strings.IndexByte(user, 0) >= 0 {
		t.Fatalf("testdb: user name %q: want valid UTF-8 without NUL bytes", user)
	}
	s.createUser(t, user, password)
}

// createUser is CreateUser once the name was checked.
func (s *Server) createUser(t testing.TB, user, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		s.ddl.Lock()
		defer s.ddl.Unlock()
		if err := s.dialect.dropUser(ctx, s.admin, user); err != nil {
			t.Errorf("testdb: drop %s user %q: %v", s.Engine, user, s.redact(err))
		}
	})
	s.ddl.Lock()
	defer s.ddl.Unlock()
	if err := s.dialect.createUser(ctx, s.admin, user, password, databaseName); err != nil {
		t.Fatalf("testdb: create %s user %q: %v", s.Engine, user, s.redact(err, password))
	}
}

// SetPassword changes user's password (ALTER USER or ALTER ROLE). Sessions
// already open stay open, as in a real rotation.
func (s *Server) SetPassword(t testing.TB, user, password string) {
	t.Helper()
	checkName(t, user)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.dialect.setPassword(ctx, s.admin, user, password); err != nil {
		t.Fatalf("testdb: set password of %s user %q: %v", s.Engine, user, s.redact(err, password))
	}
}

// KillSessions ends every session of user and returns once the server no
// longer lists any.
func (s *Server) KillSessions(t testing.TB, user string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.dialect.killSessions(ctx, s.admin, user); err != nil {
		t.Fatalf("testdb: kill sessions of %s user %q: %v", s.Engine, user, s.redact(err))
	}
	for {
		n, err := s.dialect.countSessions(ctx, s.admin, user)
		if err != nil {
			t.Fatalf("testdb: count sessions of %s user %q: %v", s.Engine, user, s.redact(err))
		}
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("testdb: %d sessions of %s user %q still open after %v", n, s.Engine, user, opTimeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// String describes the server without credentials.
func (s *Server) String() string { return fmt.Sprintf("%s at %s:%d", s.Engine, s.Host, s.Port) }

// GoString is what %#v prints: the exported fields only.
func (s *Server) GoString() string {
	return fmt.Sprintf("&testdb.Server{Engine:%q, Host:%q, Port:%d}", s.Engine, s.Host, s.Port)
}

// secret is a password that no fmt verb prints. fmt calls no method of an
// unexported field, so a method alone would not keep a Server value or a
// struct holding one from printing it; a pointer in a field prints as an
// address, whatever the verb. Format covers a secret printed on its own.
type secret struct{ p *string }

func newSecret(password string) secret { return secret{&password} }

// reveal returns the password, for DSNs and redaction only.
func (s secret) reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

func (secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[redacted]") }

// open connects the shared admin pool, creating the test database first, and
// checks that the server rejects a wrong password. bootstrapDB is a database
// that exists before ours does.
func (s *Server) open(bootstrapDB string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	boot, err := sql.Open(s.dialect.driverName(), s.dialect.adminDSN(s.adminUser, s.adminPassword.reveal(), bootstrapDB))
	if err != nil {
		return fmt.Errorf("testdb: open %s: %v", s, s.redact(err))
	}
	defer boot.Close()
	// Before anything is created: a server that fails this is not ours to change.
	if err := s.checkPasswordsEnforced(ctx, bootstrapDB); err != nil {
		return err
	}
	if err := s.dialect.ensureDatabase(ctx, boot, databaseName); err != nil {
		return fmt.Errorf("testdb: create database %s on %s: %v", databaseName, s, s.redact(err))
	}
	s.admin, err = sql.Open(s.dialect.driverName(), s.dialect.adminDSN(s.adminUser, s.adminPassword.reveal(), databaseName))
	if err != nil {
		return fmt.Errorf("testdb: open %s: %v", s, s.redact(err))
	}
	if err := s.admin.PingContext(ctx); err != nil {
		s.admin.Close()
		return fmt.Errorf("testdb: connect to %s: %v", s, s.redact(err))
	}
	return nil
}

// openStarted waits until the throwaway server s.proc runs lets the admin
// log in to bootstrapDB, then opens it as open does.
func (s *Server) openStarted(bootstrapDB string) error {
	ready := func(ctx context.Context) error {
		db, err := sql.Open(s.dialect.driverName(), s.dialect.adminDSN(s.adminUser, s.adminPassword.reveal(), bootstrapDB))
		if err != nil {
			return err
		}
		defer db.Close()
		return db.PingContext(ctx)
	}
	if err := s.proc.waitReady(startTimeout, ready); err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, s.proc.logTail(s.adminPassword.reveal()))
	}
	return s.open(bootstrapDB)
}

// checkPasswordsEnforced logs in as the admin with a wrong password: a server
// that lets it in (trust authentication) would make every test meaningless.
func (s *Server) checkPasswordsEnforced(ctx context.Context, bootstrapDB string) error {
	db, err := sql.Open(s.dialect.driverName(), s.dialect.dsn(s.adminUser, "wrong-"+randomPassword(), bootstrapDB))
	if err != nil {
		return fmt.Errorf("testdb: open %s: %v", s, s.redact(err))
	}
	defer db.Close()
	err = db.PingContext(ctx)
	switch {
	case err == nil:
		return fmt.Errorf("testdb: %s accepts a wrong password for user %q; tests need password authentication enforced", s, s.adminUser)
	case !s.dialect.isAuthError(err):
		return fmt.Errorf("testdb: %s: login with a wrong password failed with %v, want an authentication error", s, s.redact(err))
	}
	return nil
}

// stop closes the admin pool and, for a throwaway server, stops it and
// removes its directory. It is idempotent.
func (s *Server) stop() {
	s.stopOnce.Do(func() {
		if s.admin != nil {
			_ = s.admin.Close()
		}
		if s.proc != nil {
			sig := syscall.SIGTERM
			if s.Engine == EnginePostgres {
				sig = syscall.SIGINT // fast shutdown: ends sessions, no wait for clients
			}
			s.proc.stop(sig, 10*time.Second)
		}
		removeDir(s.dir)
	})
}

// redact removes the admin password and extra secrets from err's text.
func (s *Server) redact(err error, secrets ...string) string {
	return redact(err.Error(), append(secrets, s.adminPassword.reveal())...)
}

var (
	validName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,31}$`)
	unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)
)

// checkName fails t unless user is a plain identifier of at most 32
// characters, which every engine accepts unquoted and unchanged.
func checkName(t testing.TB, user string) {
	t.Helper()
	if !validName.MatchString(user) {
		t.Fatalf("testdb: user name %q: want letters, digits and _, at most 32, not starting with a digit", user)
	}
}

// UniqueName returns prefix (lower-cased, cut to 16 characters) followed by
// random characters: a user name that no other test or test binary sharing
// the server uses.
func UniqueName(prefix string) string {
	prefix = unsafeChars.ReplaceAllString(strings.ToLower(prefix), "_")
	if len(prefix) > 16 {
		prefix = prefix[:16]
	}
	if prefix == "" || prefix[0] >= '0' && prefix[0] <= '9' {
		prefix = "u" + prefix
	}
	return prefix + "_" + randomPassword()[:12]
}

// errorsAs is errors.As with a generic target, for the dialects.
func errorsAs[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}
