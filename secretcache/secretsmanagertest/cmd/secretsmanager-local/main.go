// Command secretsmanager-local serves the Secrets Manager emulator of
// package secretsmanagertest on a local address, for any AWS client: the
// AWS CLI, boto3, the JavaScript SDK, or any SDK that honours
// AWS_ENDPOINT_URL_SECRETS_MANAGER.
//
//	go run github.com/secretcache/secretcache-go/secretcache/secretsmanagertest/cmd/secretsmanager-local \
//		-addr 127.0.0.1:4566 -seed secrets.json
//
// Once it serves, it prints the endpoint URL alone on standard output (so a
// script can read it; with -addr 127.0.0.1:0 the port is chosen), and how
// to point clients at it on standard error. It stops cleanly on SIGINT or
// SIGTERM, exiting 0.
//
// Flags:
//
//	-addr     address to listen on (default 127.0.0.1:4566). Only loopback
//	          addresses are accepted unless -allow-remote is given: the
//	          server checks no credentials, so anyone who reaches it reads
//	          every secret.
//	-seed     JSON file of secrets to create at start and after every reset:
//	          an array of CreateSecret requests, each with an optional
//	          "Region" and "OwningService" (see secretsmanagertest.SeedSecret).
//	-region   the region of unsigned requests (default us-east-1). Signed
//	          requests are served in the region they are signed for.
//	-account  the account in every ARN (default 123456789012).
//	-allow-remote
//	          listen on a non-loopback address.
//	-rotation-lambda ARN=COMMAND
//	          run COMMAND (through sh -c) for each step of a rotation whose
//	          Lambda ARN is ARN, with the event as JSON on standard input and
//	          the server's URL in AWS_ENDPOINT_URL_SECRETS_MANAGER and
//	          SECRETS_MANAGER_ENDPOINT; repeatable. A rotation function written
//	          for Lambda in any language can then be driven by
//	          aws secretsmanager rotate-secret --rotation-lambda-arn ARN.
//
// POST /_secretsmanagertest/reset empties the server and creates the seed
// secrets again, for test suites sharing one server;
// GET /_secretsmanagertest/health answers 200 while it serves.
//
// Any client works with dummy credentials:
//
//	export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
//	aws secretsmanager get-secret-value --endpoint-url http://127.0.0.1:4566 --secret-id prod/db
//	export AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:4566
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves until ctx ends and returns the exit status: 0 after a clean
// stop, 2 for bad flags, 1 when the server cannot start.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secretsmanager-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4566", "address to listen on (loopback only unless -allow-remote)")
	seed := fs.String("seed", "", "JSON file of secrets to create at start and after every reset")
	region := fs.String("region", secretsmanagertest.Region, "region of unsigned requests")
	account := fs.String("account", secretsmanagertest.AccountID, "account ID in every ARN")
	remote := fs.Bool("allow-remote", false, "allow listening on a non-loopback address")
	var lambdas rotationLambdas
	fs.Var(&lambdas, "rotation-lambda", "`ARN=COMMAND`: run COMMAND for each rotation step of the Lambda function ARN (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "secretsmanager-local: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts, err := options(*seed, *region, *account, *remote)
	if err != nil {
		fmt.Fprintln(stderr, "secretsmanager-local:", err)
		return 2
	}
	srv, err := secretsmanagertest.NewServerAt(*addr, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "secretsmanager-local:", err)
		return 1
	}
	for _, l := range lambdas {
		srv.SetRotationLambda(l.arn, commandRotation(l.command, srv.URL, stderr))
	}
	fmt.Fprintln(stdout, srv.URL)
	fmt.Fprintf(stderr, `secretsmanager-local: serving Secrets Manager on %[1]s (region %[2]s, account %[3]s)
  AWS CLI:  aws secretsmanager list-secrets --endpoint-url %[1]s
  any SDK:  export AWS_ENDPOINT_URL_SECRETS_MANAGER=%[1]s
  reset:    curl -X POST %[1]s%[4]s
Stop with Ctrl-C or SIGTERM.
`, srv.URL, *region, *account, secretsmanagertest.ResetPath)
	<-ctx.Done()
	srv.Close()
	fmt.Fprintln(stderr, "secretsmanager-local: stopped")
	return 0
}

// options turns the flags into server options; a bad region, account or
// seed file is an error rather than the options' panic.
func options(seed, region, account string, remote bool) (opts []secretsmanagertest.Option, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	opts = append(opts, secretsmanagertest.WithRegion(region), secretsmanagertest.WithAccountID(account))
	if remote {
		opts = append(opts, secretsmanagertest.WithRemoteAccess())
	}
	if seed != "" {
		secrets, err := secretsmanagertest.ReadSeedFile(seed)
		if err != nil {
			return nil, err
		}
		opts = append(opts, secretsmanagertest.WithSeed(secrets...))
	}
	return opts, nil
}
