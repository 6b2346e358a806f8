package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the admin pool

	"github.com/secretcache/secretcache-go/jdbcstyle"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const (
	demoSecretID = "demo/postgres"

	// demoConnections is how many connections the demo opens one after the
	// other, to show that only the first costs a Secrets Manager call.
	demoConnections = 3
)

// facts is what a run observed, for the tests to check.
type facts struct {
	created  string // the demo role the run created; "" with -secret-id
	password string // the demo role's password, which must never be printed
	user     string // the role the server says the sessions belong to
	version  string // the server's version
	calls    int    // GetSecretValue requests the embedded server received
}

// dbSecret is a database secret in the JSON structure AWS documents for
// PostgreSQL (and its rotation functions expect).
type dbSecret struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	DBName   string `json:"dbname,omitempty"`
}

// runEmbedded creates a demo role on the local server, stores its credentials
// in an in-process Secrets Manager and opens the database through a
// Connector on a cache in front of it.
func runEmbedded(ctx context.Context, w io.Writer, opts options) (facts, error) {
	var f facts
	admin, srvAddr, err := openAdmin(opts)
	if err != nil {
		return f, err
	}
	if admin != opts.adminDB {
		defer admin.Close()
	}
	fmt.Fprintf(w, "local server %s, embedded Secrets Manager (no AWS account needed)\n", net.JoinHostPort(srvAddr.host, strconv.Itoa(srvAddr.port)))

	f.created, f.password = "demo_"+randomHex(4), rand.Text()
	if err := createRole(ctx, admin, f.created, f.password); err != nil {
		return f, fmt.Errorf("creating the demo role: %w", err)
	}
	defer dropRole(ctx, admin, f.created)
	fmt.Fprintf(w, "created role %s with a random password\n", f.created)

	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	secret := dbSecret{
		Engine: "postgres", Host: srvAddr.host, Port: srvAddr.port,
		Username: f.created, Password: f.password, DBName: srvAddr.database,
	}
	value, err := json.Marshal(secret)
	if err != nil {
		return f, err
	}
	if _, err := srv.CreateSecret(demoSecretID, string(value)); err != nil {
		return f, err
	}
	secret.Password = "(not shown)"
	shown, _ := json.Marshal(secret)
	fmt.Fprintf(w, "stored secret %q: %s\n", demoSecretID, shown)

	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	if err != nil {
		return f, err
	}
	defer cache.Close()
	conn, err := jdbcstyle.NewConnector(cache, jdbcstyle.Postgres, demoSecretID)
	if err != nil {
		return f, err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	// No idle connections: every query below logs in afresh.
	db.SetMaxIdleConns(0)
	fmt.Fprintf(w, "db := sql.OpenDB(jdbcstyle.NewConnector(cache, jdbcstyle.Postgres, %q))\n", demoSecretID)

	for range demoConnections {
		if f.user, f.version, err = whoami(ctx, db); err != nil {
			return f, err
		}
	}
	f.calls = srv.Calls("GetSecretValue")
	fmt.Fprintf(w, "SELECT current_user, server_version: %s, %s\n", f.user, f.version)
	fmt.Fprintf(w, "%d connections opened, %d GetSecretValue call(s): the credentials come from the cache\n", demoConnections, f.calls)
	return f, nil
}

// whoami asks the server which role the session belongs to.
func whoami(ctx context.Context, db *sql.DB) (user, version string, err error) {
	err = db.QueryRowContext(ctx, "SELECT current_user, current_setting('server_version')").Scan(&user, &version)
	return user, version, err
}

// serverAddr is where the local server listens and the database the demo
// role logs in to, as the secret will say.
type serverAddr struct {
	host     string
	port     int
	database string
}

// openAdmin returns the admin pool and the server's address: opts.adminDB
// with opts' address, or a pool on opts.adminDSN with the URL's address,
// which opts' fields override.
func openAdmin(opts options) (*sql.DB, serverAddr, error) {
	a := serverAddr{host: opts.host, port: opts.port, database: opts.database}
	if opts.adminDB != nil {
		if a.host == "" || a.port == 0 {
			return nil, a, errors.New("an admin pool needs the server's host and port")
		}
		return opts.adminDB, a, nil
	}
	cfg, err := pgx.ParseConfig(opts.adminDSN)
	if err != nil {
		// pgx's ParseConfigError redacts the password.
		return nil, a, fmt.Errorf("-admin-dsn: %w", err)
	}
	a.host = cmp(a.host, cfg.Host)
	a.port = cmp(a.port, int(cfg.Port))
	a.database = cmp(a.database, cfg.Database)
	db, err := sql.Open("pgx", opts.adminDSN)
	return db, a, err
}

// cmp returns v unless it is the zero value, else def.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// createRole creates a login role with password. The statement is built as
// text because PostgreSQL takes no parameters in CREATE ROLE; role and
// password come from randomHex and rand.Text, whose characters need no
// quoting beyond the quotes themselves. Its errors come back without the
// password, which a syntax error could quote.
func createRole(ctx context.Context, admin *sql.DB, role, password string) error {
	_, err := admin.ExecContext(ctx, `CREATE ROLE "`+role+`" LOGIN PASSWORD '`+password+`'`)
	return withoutPassword(err, password)
}

// dropRole ends role's sessions and drops it, even when ctx has ended, so
// that the demo leaves nothing behind.
func dropRole(ctx context.Context, admin *sql.DB, role string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// A failure leaves only a role with a forgotten random password.
	_, _ = admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
	_, _ = admin.ExecContext(ctx, `DROP ROLE IF EXISTS "`+role+`"`)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
