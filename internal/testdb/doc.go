// Package testdb starts, or connects to, real MySQL/MariaDB and PostgreSQL
// servers for tests that need password authentication enforced: a wrong
// password must fail, users can be created, their passwords changed
// (ALTER USER / ALTER ROLE), and sessions opened before a change keep
// working. The jdbcstyle tests use it to exercise secret rotation.
//
// # Where the servers come from
//
// For each engine, an environment variable may name an admin DSN of an
// existing server:
//
//	SECRETCACHE_TEST_MYSQL_DSN     go-sql-driver DSN, e.g. root:pw@tcp(127.0.0.1:3306)/
//	SECRETCACHE_TEST_POSTGRES_DSN  postgres URL, e.g. postgres://postgres:pw@127.0.0.1:5432/postgres
//
// Without it, a throwaway server is started from the installed binaries
// (mariadbd or mysqld with mariadb-install-db; PostgreSQL's initdb and
// postgres, newest under /usr/lib/postgresql/*/bin) on a free port of
// 127.0.0.1, in a temporary directory, with a random admin password.
// .ci/install-databases installs the binaries with apt.
//
// When neither is available the test is skipped with a message naming what is
// missing; when the environment variable CI is non-empty it fails instead, so
// CI cannot silently skip database tests.
//
// Either way the server must enforce passwords: a server that accepts a
// wrong password (trust authentication) is refused.
//
// # TLS
//
// MySQLTLS and PostgresTLS start two more throwaway servers, always from the
// installed binaries, with TLS on: their certificate, for 127.0.0.1 and
// localhost, is signed by a CA made for the test binary, which
// Server.RootCAs returns. The PostgreSQL one lets only its admin in
// without TLS. UntrustedRootCAs returns a CA that signed nothing, for tests
// of certificate verification. The servers of MySQL and Postgres run
// without TLS.
//
// # Usage
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
//	func TestLogin(t *testing.T) {
//		srv := testdb.Postgres(t)
//		user := testdb.UniqueName("app")
//		srv.CreateUser(t, user, "first")
//		db, _ := sql.Open(srv.DriverName(), srv.DSN(user, "first"))
//		...
//		srv.SetPassword(t, user, "second")
//	}
//
// # Lifetime and concurrency
//
// Each engine's server is started at most once per test binary, on first use,
// and shared by all tests of the package; Main stops it and removes its
// directory after the tests ran. The servers run in their own process group
// with a parent-death signal, so they die with the test binary even when it
// crashes (a panic or a -timeout); only their temporary directory is then left
// behind. MySQL, Postgres and every method of Server are safe for concurrent
// use by parallel tests. Users created with CreateUser are dropped when the
// test that created them ends.
//
// No password appears in an error or log message of this package, nor in a
// Server printed with any fmt verb.
package testdb
