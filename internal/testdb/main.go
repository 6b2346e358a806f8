package testdb

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// Environment variables read by this package.
const (
	// EnvMySQLDSN names an admin go-sql-driver DSN of a MySQL or MariaDB
	// server to use instead of starting one.
	EnvMySQLDSN = "SECRETCACHE_TEST_MYSQL_DSN"
	// EnvPostgresDSN names an admin postgres URL of a PostgreSQL server to
	// use instead of starting one.
	EnvPostgresDSN = "SECRETCACHE_TEST_POSTGRES_DSN"
	// EnvCI, when non-empty, turns a skip for a missing server into a
	// failure.
	EnvCI = "CI"
)

// mainActive is set while Main runs the tests, so that a server is never
// started where nothing would stop it.
var mainActive atomic.Bool

var (
	mysqlServer    lazyServer
	postgresServer lazyServer
)

// Main runs the tests of a package that uses this one, stops the servers and
// exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
func Main(m *testing.M) {
	os.Exit(runMain(m))
}

// runMain runs the tests and stops the servers they started, also when m.Run
// panics, and returns the exit code.
func runMain(m *testing.M) (code int) {
	mainActive.Store(true)
	defer func() {
		mainActive.Store(false)
		mysqlServer.stop()
		postgresServer.stop()
		mysqlTLSServer.stop()
		postgresTLSServer.stop()
	}()
	return m.Run()
}

// MySQL returns the shared MySQL or MariaDB server, starting it on first use.
// It skips t (fails it when CI is set) if no server is available.
func MySQL(t testing.TB) *Server {
	t.Helper()
	return mysqlServer.get(t, startMySQL)
}

// Postgres returns the shared PostgreSQL server, starting it on first use.
// It skips t (fails it when CI is set) if no server is available.
func Postgres(t testing.TB) *Server {
	t.Helper()
	return postgresServer.get(t, startPostgres)
}

// lazyServer starts one server at most once per test binary.
type lazyServer struct {
	once sync.Once
	srv  *Server // set by once
	err  error   // set by once
}

func (l *lazyServer) get(t testing.TB, start func() (*Server, error)) *Server {
	t.Helper()
	if !mainActive.Load() {
		t.Fatal("testdb: the package's TestMain must call testdb.Main(m), which stops the servers")
	}
	l.once.Do(func() { l.srv, l.err = start() })
	if l.err != nil {
		if skip, msg := reaction(l.err, os.Getenv(EnvCI)); skip {
			t.Skip(msg)
		} else {
			t.Fatal(msg)
		}
	}
	return l.srv
}

// stop stops the server if one was started; a later get does not restart it.
func (l *lazyServer) stop() {
	l.once.Do(func() { l.err = errors.New("testdb: servers already stopped") })
	if l.srv != nil {
		l.srv.stop()
	}
}

// unavailableError says that neither an environment DSN nor the binaries to
// start a server are available.
type unavailableError struct {
	engine  string // for people: "MySQL/MariaDB", "PostgreSQL"
	envVar  string
	missing string // what was looked for and not found
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("testdb: no %s server: %s is not set and %s (run .ci/install-databases)", e.engine, e.envVar, e.missing)
}

// reaction decides what a test does when start failed: skip for an
// unavailable server unless ci is non-empty; fail for anything else.
func reaction(err error, ci string) (skip bool, msg string) {
	var unavailable *unavailableError
	switch {
	case !errors.As(err, &unavailable):
		return false, err.Error()
	case ci == "":
		return true, err.Error()
	default:
		return false, err.Error() + "; " + EnvCI + " is set, so this is a failure"
	}
}

// removeDir removes a temporary directory; errors only leave litter behind.
func removeDir(dir string) {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}
