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
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/secretcache/secretcache-go/jdbcstyle"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const (
	demoSecretID = "demo/mysql"

	// demoConnections is how many connections the demo opens one after the
	// other, to show that only the first costs a Secrets Manager call.
	demoConnections = 3
)

// facts is what a run observed, for the tests to check.
type facts struct {
	created  string // the demo user the run created; "" with -secret-id
	password string // the demo user's password, which must never be printed
	user     string // the user the server says the sessions belong to
	version  string // the server's version
	calls    int    // GetSecretValue requests the embedded server received
}

// dbSecret is a database secret in the JSON structure AWS documents for
// MySQL and MariaDB (and its rotation functions expect).
type dbSecret struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	DBName   string `json:"dbname,omitempty"`
}

// runEmbedded creates a demo user on the local server, stores its credentials
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
	if err := createUser(ctx, admin, f.created, f.password, srvAddr.database); err != nil {
		return f, fmt.Errorf("creating the demo user: %w", err)
	}
	defer dropUser(ctx, admin, f.created)
	fmt.Fprintf(w, "created user %s with a random password\n", f.created)

	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	secret := dbSecret{
		Engine: "mysql", Host: srvAddr.host, Port: srvAddr.port,
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
	conn, err := jdbcstyle.NewConnector(cache, jdbcstyle.MySQL, demoSecretID)
	if err != nil {
		return f, err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	// No idle connections: every query below logs in afresh.
	db.SetMaxIdleConns(0)
	fmt.Fprintf(w, "db := sql.OpenDB(jdbcstyle.NewConnector(cache, jdbcstyle.MySQL, %q))\n", demoSecretID)

	for range demoConnections {
		if f.user, f.version, err = whoami(ctx, db); err != nil {
			return f, err
		}
	}
	f.calls = srv.Calls("GetSecretValue")
	fmt.Fprintf(w, "SELECT CURRENT_USER(), VERSION(): %s, %s\n", f.user, f.version)
	fmt.Fprintf(w, "%d connections opened, %d GetSecretValue call(s): the credentials come from the cache\n", demoConnections, f.calls)
	return f, nil
}

// whoami asks the server which account the session belongs to.
func whoami(ctx context.Context, db *sql.DB) (user, version string, err error) {
	err = db.QueryRowContext(ctx, "SELECT CURRENT_USER(), VERSION()").Scan(&user, &version)
	return user, version, err
}

// serverAddr is where the local server listens and the database the demo
// user gets, as the secret will say.
type serverAddr struct {
	host     string
	port     int
	database string
}

// openAdmin returns the admin pool and the server's address: opts.adminDB
// with opts' address, or a pool on opts.adminDSN with the DSN's address,
// which opts' fields override.
func openAdmin(opts options) (*sql.DB, serverAddr, error) {
	a := serverAddr{host: opts.host, port: opts.port, database: opts.database}
	if opts.adminDB != nil {
		if a.host == "" || a.port == 0 {
			return nil, a, errors.New("an admin pool needs the server's host and port")
		}
		return opts.adminDB, a, nil
	}
	cfg, err := mysql.ParseDSN(opts.adminDSN)
	if err != nil {
		// go-sql-driver's parse errors do not quote the DSN.
		return nil, a, fmt.Errorf("-admin-dsn: %w", err)
	}
	if cfg.Net == "tcp" {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return nil, a, fmt.Errorf("-admin-dsn address: %w", err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, a, fmt.Errorf("-admin-dsn port: %w", err)
		}
		a.host, a.port = cmp(a.host, host), cmp(a.port, p)
	}
	a.database = cmp(a.database, cfg.DBName)
	if a.host == "" || a.port == 0 {
		return nil, a, errors.New("-admin-dsn does not use tcp: give -host and -port for the secret")
	}
	// CREATE USER cannot be prepared: the driver puts the arguments into
	// the statement itself.
	cfg.InterpolateParams = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, a, fmt.Errorf("-admin-dsn: %w", err)
	}
	return sql.OpenDB(conn), a, nil
}

// cmp returns v unless it is the zero value, else def.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// userHosts are the hosts the demo user is created at: whichever account
// the server matches a local client to, it is the demo user's.
var userHosts = []string{"%", "localhost", "127.0.0.1"}

// accounts returns "?@?, ?@?, ..." for user at every host in userHosts,
// each followed by suffix, and the arguments: user, host and extra for each.
func accounts(user, suffix string, extra ...any) (string, []any) {
	list := make([]string, len(userHosts))
	var args []any
	for i, h := range userHosts {
		list[i] = "?@?" + suffix
		args = append(append(args, user, h), extra...)
	}
	return strings.Join(list, ", "), args
}

// createUser creates user with password, with all rights on database when
// there is one. The admin pool interpolates the arguments, so the password
// is in the statement the server parses: its errors come back without it.
func createUser(ctx context.Context, admin *sql.DB, user, password, database string) error {
	list, args := accounts(user, " IDENTIFIED BY ?", password)
	if _, err := admin.ExecContext(ctx, "CREATE USER "+list, args...); err != nil {
		return withoutPassword(err, password)
	}
	if database == "" {
		return nil
	}
	ident := "`" + strings.ReplaceAll(database, "`", "``") + "`"
	list, args = accounts(user, "")
	_, err := admin.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+ident+".* TO "+list, args...)
	return err
}

// dropUser drops user, even when ctx has ended, so that the demo leaves
// nothing behind.
func dropUser(ctx context.Context, admin *sql.DB, user string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// A failure leaves only a user with a forgotten random password.
	list, args := accounts(user, "")
	_, _ = admin.ExecContext(ctx, "DROP USER IF EXISTS "+list, args...)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
