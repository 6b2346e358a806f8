// Mysql opens a MySQL or MariaDB database by the ID of an AWS Secrets Manager
// secret instead of a password, and asks the server who it is logged in as.
//
// With no flags it needs no AWS account: it creates a demo user with a random
// password on a local server (through -admin-dsn), stores that user's
// credentials in the in-process Secrets Manager of package secretsmanagertest,
// and opens the database with
//
//	sql.OpenDB(jdbcstyle.NewConnector(cache, jdbcstyle.MySQL, "demo/mysql"))
//
// on a secretcache.Cache whose client talks to that Secrets Manager. The demo
// user is dropped at the end. Run it from the repository root:
//
//	go run ./examples/mysql
//	go run ./examples/mysql -admin-dsn 'root:pw@tcp(db.local:3306)/app'
//
// With -secret-id it reads a real secret through the registered driver,
// with the standard AWS credentials and configuration from the environment:
//
//	go run ./examples/mysql -secret-id prod/app/db -region eu-west-1
//
// which is sql.Open("secretsmanager-mysql", "prod/app/db?region=eu-west-1").
// -host, -port and -dbname override the secret's, as RDS-managed secrets
// hold only a username and a password.
//
// It prints the user the server sees and the server's version, never a
// password or a DSN that holds one.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// options are the command-line settings of the example.
type options struct {
	// adminDSN is a go-sql-driver DSN of an account that may create users,
	// used without -secret-id. Ignored when adminDB is set.
	adminDSN string
	// adminDB, set by tests, is an admin pool used instead of adminDSN;
	// host and port must then say where the server listens. It must
	// interpolate parameters (interpolateParams=true), as testdb's does.
	adminDB *sql.DB

	host     string // overrides the address of adminDSN or of the secret; "" keeps it
	port     int    // likewise; 0 keeps it
	database string // likewise; "" keeps it

	secretID string // empty: the embedded demo
	region   string // AWS region for secretID; empty: from the AWS configuration
	endpoint string // Secrets Manager endpoint URL; empty: the region's
}

func main() {
	var opts options
	flag.StringVar(&opts.adminDSN, "admin-dsn", "root@tcp(127.0.0.1:3306)/", "go-sql-driver DSN of an account that can CREATE USER, for the embedded demo")
	flag.StringVar(&opts.secretID, "secret-id", "", "open the database named by this AWS Secrets Manager secret instead of running the embedded demo (needs AWS credentials)")
	flag.StringVar(&opts.region, "region", "", "AWS region of -secret-id (default: from the AWS configuration or the secret's ARN)")
	flag.StringVar(&opts.endpoint, "endpoint", "", "Secrets Manager endpoint URL for -secret-id (default: the region's)")
	flag.StringVar(&opts.host, "host", "", "database host, overriding the admin DSN's or the secret's")
	flag.IntVar(&opts.port, "port", 0, "database port, overriding the admin DSN's or the secret's")
	flag.StringVar(&opts.database, "dbname", "", "database name, overriding the admin DSN's or the secret's")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, opts)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mysql example:", err)
		os.Exit(1)
	}
}

// run opens the database the way opts ask and writes what it finds to w.
func run(ctx context.Context, w io.Writer, opts options) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if opts.secretID == "" {
		if opts.region != "" || opts.endpoint != "" {
			return errors.New("-region and -endpoint apply to -secret-id; without it the embedded Secrets Manager is used")
		}
		_, err := runEmbedded(ctx, w, opts)
		return err
	}
	_, err := runAWS(ctx, w, opts)
	return err
}
