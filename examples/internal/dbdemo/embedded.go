package dbdemo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/secretcache/secretcache-go/jdbcstyle"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// demoConnections is how many connections the demo opens one after the
// other, to show that only the first costs a Secrets Manager call.
const demoConnections = 3

// Secret is a database secret in the JSON structure AWS documents for MySQL,
// MariaDB and PostgreSQL (and its rotation functions expect).
type Secret struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	DBName   string `json:"dbname,omitempty"`
	// MasterARN names the secret of the admin credentials that
	// alternating-users rotation uses.
	MasterARN string `json:"masterarn,omitempty"`
}

// facts is what a run observed, for the tests to check.
type facts struct {
	created  string // the demo user the run created; "" with -secret-id
	password string // the demo user's password, which must never be printed
	user     string // the user the server says the sessions belong to
	version  string // the server's version
	calls    int    // GetSecretValue requests the embedded server received
}

// runEmbedded creates a demo user on the server admin reaches, stores its
// credentials in an in-process Secrets Manager and opens the database
// through a Connector on a cache in front of it.
func runEmbedded(ctx context.Context, w io.Writer, eng Engine, admin Admin) (facts, error) {
	var f facts
	d := eng.demo()
	pool, addr, err := admin.Open(eng)
	if err != nil {
		return f, err
	}
	if pool != admin.DB {
		defer pool.Close()
	}
	if addr.Host == "" || addr.Port == 0 {
		return f, errors.New("-admin-dsn does not use tcp: give -host and -port for the secret")
	}
	fmt.Fprintf(w, "local server %s, embedded Secrets Manager (no AWS account needed)\n", net.JoinHostPort(addr.Host, strconv.Itoa(addr.Port)))

	f.created, f.password = "demo_"+RandomHex(4), rand.Text()
	if err := eng.CreateUser(ctx, pool, f.created, f.password, addr.Database); err != nil {
		return f, fmt.Errorf("creating the demo %s: %w", d.account, err)
	}
	defer DropUsers(ctx, eng, pool, f.created)
	fmt.Fprintf(w, "created %s %s with a random password\n", d.account, f.created)

	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	secretID := "demo/" + eng.JDBC().String()
	secret := Secret{
		Engine: eng.JDBC().String(), Host: addr.Host, Port: addr.Port,
		Username: f.created, Password: f.password, DBName: addr.Database,
	}
	value, err := json.Marshal(secret)
	if err != nil {
		return f, err
	}
	if _, err := srv.CreateSecret(secretID, string(value)); err != nil {
		return f, err
	}
	secret.Password = "(not shown)"
	shown, _ := json.Marshal(secret)
	fmt.Fprintf(w, "stored secret %q: %s\n", secretID, shown)

	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	if err != nil {
		return f, err
	}
	defer cache.Close()
	conn, err := jdbcstyle.NewConnector(cache, eng.JDBC(), secretID)
	if err != nil {
		return f, err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	// No idle connections: every query below logs in afresh.
	db.SetMaxIdleConns(0)
	fmt.Fprintf(w, "db := sql.OpenDB(jdbcstyle.NewConnector(cache, %s, %q))\n", eng.GoName(), secretID)

	for range demoConnections {
		if f.user, f.version, err = whoami(ctx, db, d.whoami); err != nil {
			return f, err
		}
	}
	f.calls = srv.Calls("GetSecretValue")
	fmt.Fprintf(w, "%s: %s, %s\n", d.whoamiShown, f.user, f.version)
	fmt.Fprintf(w, "%d connections opened, %d GetSecretValue call(s): the credentials come from the cache\n", demoConnections, f.calls)
	return f, nil
}

// whoami asks the server, with query, which user the session belongs to
// and what version the server is.
func whoami(ctx context.Context, db *sql.DB, query string) (user, version string, err error) {
	err = db.QueryRowContext(ctx, query).Scan(&user, &version)
	return user, version, err
}
