// Rotation shows, on one screen, a workload that keeps querying a database
// whose credentials live in a Secrets Manager secret while that secret is
// rotated twice by the rotation functions of package rotation, and that
// sees no error.
//
// Four goroutines query through one *sql.DB whose connections live only
// 50 ms, so new logins happen all the time. The secret is rotated with
// RotateSecret, which invokes a rotation.Handler registered with the
// embedded Secrets Manager as Secrets Manager invokes a Lambda function:
//
//  1. single-user rotation (rotation.Database, SingleUser): createSecret
//     puts a new password as AWSPENDING, setSecret sets it as the user
//     (the old password stops working here), and the program holds the
//     rotation for a moment after setSecret, the window in which AWSCURRENT
//     holds a password the database refuses, before testSecret and
//     finishSecret move AWSCURRENT to the new version;
//  2. alternating users (AlternatingUsers): createSecret puts <user>_clone
//     with a new password as AWSPENDING, setSecret creates that user with
//     the first user's rights through the admin account of the secret's
//     masterarn key, finishSecret moves AWSCURRENT.
//
// The rotation function's own log lines are part of the story. For each
// phase it prints the queries served, the errors seen, the connections
// opened, the login attempts (counted by a TCP relay in front of the
// server, which the rotation function bypasses) of which the database
// refused some, and the GetSecretValue calls Secrets Manager received from
// the workload.
//
// It needs no AWS account: the secret lives in the in-process Secrets Manager
// of package secretsmanagertest. It needs a local server and an account that
// may create users, given by -admin-dsn; the defaults suit a local MariaDB
// with a password-less root and a local PostgreSQL with a password-less
// postgres role. Run it from the repository root:
//
//	go run ./examples/rotation
//	go run ./examples/rotation -engine postgres
//	go run ./examples/rotation -engine postgres -admin-dsn 'postgres://postgres:pw@127.0.0.1:5432/postgres'
//
// The demo users and the rotation's admin account are dropped at the
// end. No password is printed.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"time"

	"github.com/secretcache/secretcache-go/examples/internal/dbdemo"
)

// options are the command-line settings of the example.
type options struct {
	engine string // "mysql" (MySQL or MariaDB) or "postgres"
	// admin is the account that creates the demo users; its DSN is a
	// go-sql-driver DSN or a postgres URL, "" for the engine's local default.
	admin dbdemo.Admin

	workers  int           // goroutines querying
	lifetime time.Duration // sql.DB.SetConnMaxLifetime
	window   time.Duration // least pause after setSecret, before finishSecret
	phase    time.Duration // least duration of a phase
	ttl      time.Duration // the cache's CacheItemTTL
}

// defaultOptions are the flags' defaults.
func defaultOptions() options {
	return options{
		engine:   "mysql",
		workers:  4,
		lifetime: 50 * time.Millisecond,
		window:   300 * time.Millisecond,
		phase:    500 * time.Millisecond,
		ttl:      time.Second,
	}
}

func main() {
	opts := defaultOptions()
	flag.StringVar(&opts.engine, "engine", opts.engine, "database engine: mysql (MySQL or MariaDB) or postgres")
	flag.StringVar(&opts.admin.DSN, "admin-dsn", "", "admin DSN of the server, able to create users (default "+dbdemo.MySQL.DefaultAdminDSN()+" or "+dbdemo.Postgres.DefaultAdminDSN()+")")
	flag.IntVar(&opts.workers, "workers", opts.workers, "goroutines querying through the one *sql.DB")
	flag.DurationVar(&opts.lifetime, "conn-lifetime", opts.lifetime, "SetConnMaxLifetime of the pool: how often each worker logs in again")
	flag.DurationVar(&opts.window, "window", opts.window, "least pause after setSecret, before finishSecret, when AWSCURRENT holds a password the database refuses")
	flag.DurationVar(&opts.phase, "phase", opts.phase, "least duration of each phase")
	flag.DurationVar(&opts.ttl, "ttl", opts.ttl, "cache TTL; short so that the switch to the clone user shows within the run (a service keeps the default hour: surviving a rotation does not depend on it)")
	flag.Parse()

	dbdemo.RunMain("rotation example", func(ctx context.Context, w io.Writer) error {
		return run(ctx, w, opts)
	})
}

// run tells the rotation story on w.
func run(ctx context.Context, w io.Writer, opts options) error {
	if opts.workers < 1 || opts.lifetime <= 0 || opts.window < 0 || opts.phase < 0 || opts.ttl <= 0 {
		return errors.New("-workers must be at least 1, -conn-lifetime and -ttl positive, -window and -phase not negative")
	}
	eng, err := engineNamed(opts.engine)
	if err != nil {
		return err
	}
	_, err = tell(ctx, w, eng, opts)
	return err
}
