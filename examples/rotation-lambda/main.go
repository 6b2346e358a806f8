// Command rotation-lambda is a Secrets Manager rotation function for
// MySQL, MariaDB and PostgreSQL users, single-user or alternating users: a
// rotation.Handler with the rotation.Database strategy behind
// lambda.Start, for the provided.al2023 runtime.
//
// It is configured by environment variables (see rotation.DatabaseFromEnv):
// ROTATION_SCHEME (single-user or alternating-users), ROTATION_TLS and
// ROTATION_TLS_CA_FILE, ROTATION_ENGINE, ROTATION_CONNECT_TIMEOUT, and the
// password settings of AWS's templates (PASSWORD_LENGTH,
// EXCLUDE_CHARACTERS, ...). SECRETS_MANAGER_ENDPOINT, as in AWS's
// templates, overrides the Secrets Manager endpoint. It logs JSON records
// in Lambda's field names (timestamp, level, message, requestId) at the
// level AWS_LAMBDA_LOG_LEVEL asks for. README.md says how to build, deploy
// and attach it to a secret.
//
// Outside Lambda (AWS_LAMBDA_RUNTIME_API unset) it runs the one step whose
// event is on standard input and exits non-zero if it fails, so that
// secretsmanager-local -rotation-lambda ARN=./bootstrap rotates through it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/rotation"
)

func main() {
	fn := &function{getenv: os.Getenv, logs: os.Stdout}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		lambda.Start(fn.handle)
		return
	}
	// Outside Lambda: one step, whose event is on standard input, as the
	// emulator's local server (secretsmanager-local -rotation-lambda) runs
	// a function.
	if err := fn.runOnce(context.Background(), os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// runOnce runs the step whose event r holds.
func (f *function) runOnce(ctx context.Context, r io.Reader) error {
	var ev rotation.Event
	if err := json.NewDecoder(r).Decode(&ev); err != nil {
		return fmt.Errorf("rotation-lambda: outside Lambda, the event is read from standard input: %w", err)
	}
	return f.handle(ctx, ev)
}

// function is the rotation function of one execution environment. Its
// Handler is built on the first invocation rather than at start-up, so that
// a configuration error fails that invocation with the error in its logs
// (and in the rotation's failure), and is read again by the next one.
type function struct {
	getenv func(string) string // set before the first invocation
	logs   io.Writer           // set before the first invocation

	mu      sync.Mutex
	handler *rotation.Handler // guarded by mu; nil until built
}

// handle is what Lambda invokes with Secrets Manager's event.
func (f *function) handle(ctx context.Context, ev rotation.Event) error {
	h, err := f.get(ctx)
	if err != nil {
		return err
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		withID := *h
		withID.Logger = h.Logger.With(slog.String("requestId", lc.AwsRequestID))
		h = &withID
	}
	return h.Handle(ctx, ev)
}

// get returns the Handler, building it if no invocation has yet. A Lambda
// environment runs one invocation at a time; the lock is for tests.
func (f *function) get(ctx context.Context) (*rotation.Handler, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.handler != nil {
		return f.handler, nil
	}
	db, err := rotation.DatabaseFromEnv(f.getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("rotation-lambda: loading the AWS configuration: %w", err)
	}
	client := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if ep := f.getenv("SECRETS_MANAGER_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	f.handler = &rotation.Handler{Client: client, Strategy: db, Logger: newLogger(f.logs, f.getenv("AWS_LAMBDA_LOG_LEVEL"))}
	return f.handler, nil
}

// newLogger writes JSON records with the field names of Lambda's JSON log
// format, from level on (Lambda's names: TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL; INFO when unset).
func newLogger(w io.Writer, level string) *slog.Logger {
	lvl := slog.LevelInfo
	switch strings.ToUpper(level) {
	case "TRACE", "DEBUG":
		lvl = slog.LevelDebug
	case "WARN":
		lvl = slog.LevelWarn
	case "ERROR", "FATAL":
		lvl = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 {
			switch a.Key {
			case slog.TimeKey:
				a.Key = "timestamp"
			case slog.MessageKey:
				a.Key = "message"
			}
		}
		return a
	}}))
}
