// Quickstart shows, in one short run, what secretcache does for a service
// that reads an AWS Secrets Manager secret on every request.
//
// With no flags it needs no AWS account: it starts the in-process Secrets
// Manager of package secretsmanagertest, stores a database secret in it, and
// tells the story of a cache in front of it:
//
//  1. 100000 reads from 8 goroutines cost one GetSecretValue call;
//  2. after a rotation the cache serves the old version until its TTL passes
//     or Refresh picks up the new one;
//  3. during an outage (GetSecretValue answering 500) the last good value is
//     still served while the errors are reported, and the cache recovers by
//     itself once the service is back.
//
// Run it from the repository root:
//
//	go run ./examples/quickstart
//
// With -secret-id it reads a real secret instead, with the standard AWS
// credentials and configuration from the environment, and prints the same
// reads-versus-calls summary:
//
//	go run ./examples/quickstart -secret-id prod/app/db -region eu-west-1
//
// It never prints a secret value, only its length, a hash prefix, and the
// username of the demo secret.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// options are the command-line settings of the quickstart.
type options struct {
	secretID   string // empty: run the embedded story
	region     string // AWS region for secretID; empty: from the AWS configuration
	endpoint   string // Secrets Manager endpoint URL; empty: the region's
	reads      int    // reads made through the cache
	goroutines int    // goroutines the reads are spread over
}

func main() {
	var opts options
	flag.StringVar(&opts.secretID, "secret-id", "", "read this secret from AWS Secrets Manager instead of running the embedded demo (needs AWS credentials)")
	flag.StringVar(&opts.region, "region", "", "AWS region of -secret-id (default: from the AWS configuration)")
	flag.StringVar(&opts.endpoint, "endpoint", "", "Secrets Manager endpoint URL for -secret-id (default: the region's)")
	flag.IntVar(&opts.reads, "reads", 100000, "reads to make through the cache")
	flag.IntVar(&opts.goroutines, "goroutines", 8, "goroutines the reads are spread over")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, opts)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run runs the embedded story, or reads a real secret when opts names one,
// writing what happens to w.
func run(ctx context.Context, w io.Writer, opts options) error {
	if opts.reads < 1 || opts.goroutines < 1 {
		return errors.New("-reads and -goroutines must be at least 1")
	}
	if opts.secretID == "" {
		if opts.region != "" || opts.endpoint != "" {
			return errors.New("-region and -endpoint apply to -secret-id; without it the embedded server is used")
		}
		_, err := embeddedStory(ctx, w, opts)
		return err
	}
	return readReal(ctx, w, opts)
}
