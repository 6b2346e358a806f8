package dbdemo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// demo is what the example program says and asks for one engine.
type demo struct {
	driver        string // the name jdbcstyle registers for the engine
	adminDSNUsage string // the help of -admin-dsn
	account       string // what the server calls a login: "user" or "role"
	whoami        string // a query for the session's user and the server's version
	whoamiShown   string // how the output names that query
}

// options are the command-line settings of an example.
type options struct {
	// Admin is the account that creates the demo user, without secretID.
	// Its Addr, from -host, -port and -dbname, also overrides the secret's.
	Admin

	secretID string // empty: the embedded demo
	region   string // AWS region for secretID; empty: from the AWS configuration
	endpoint string // Secrets Manager endpoint URL; empty: the region's
}

// Main is the main function of the example for eng: it parses the flags,
// runs the demo they ask for and exits with status 1 on an error.
func Main(eng Engine) {
	var opts options
	flag.StringVar(&opts.DSN, "admin-dsn", eng.DefaultAdminDSN(), eng.demo().adminDSNUsage)
	flag.StringVar(&opts.secretID, "secret-id", "", "open the database named by this AWS Secrets Manager secret instead of running the embedded demo (needs AWS credentials)")
	flag.StringVar(&opts.region, "region", "", "AWS region of -secret-id (default: from the AWS configuration or the secret's ARN)")
	flag.StringVar(&opts.endpoint, "endpoint", "", "Secrets Manager endpoint URL for -secret-id (default: the region's)")
	flag.StringVar(&opts.Host, "host", "", "database host, overriding the admin DSN's or the secret's")
	flag.IntVar(&opts.Port, "port", 0, "database port, overriding the admin DSN's or the secret's")
	flag.StringVar(&opts.Database, "dbname", "", "database name, overriding the admin DSN's or the secret's")
	flag.Parse()

	RunMain(eng.JDBC().String()+" example", func(ctx context.Context, w io.Writer) error {
		return run(ctx, w, eng, opts)
	})
}

// RunMain calls run with standard output and a context that an interrupt
// cancels. If run fails it prints the error after name and exits with
// status 1.
func RunMain(name string, run func(ctx context.Context, w io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// run opens the database the way opts ask and writes what it finds to w.
func run(ctx context.Context, w io.Writer, eng Engine, opts options) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if opts.secretID == "" {
		if opts.region != "" || opts.endpoint != "" {
			return errors.New("-region and -endpoint apply to -secret-id; without it the embedded Secrets Manager is used")
		}
		_, err := runEmbedded(ctx, w, eng, opts.Admin)
		return err
	}
	_, err := runAWS(ctx, w, eng, opts)
	return err
}
