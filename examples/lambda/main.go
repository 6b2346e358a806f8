// Command lambda is an AWS Lambda function that reads a secret through a
// secretcache.Cache on every invocation, showing where the cache belongs in a
// Lambda: at package level, outside the handler, so that warm invocations are
// answered from memory and only a cold start calls Secrets Manager.
//
// The function reads the secret named by the SECRET_ID environment variable
// and answers with its length, standing in for real use of it (signing a
// request, opening a connection). It never returns or logs the value.
//
// Build it for the provided.al2023 runtime:
//
//	GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap .
//
// and give its role secretsmanager:GetSecretValue on the secret (and
// kms:Decrypt if the secret uses a customer-managed key).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/secretcache/secretcache-go/secretcache"
)

// secrets is this execution environment's one cache. It lives at package
// level because Lambda keeps the process, and so its variables, between
// invocations of a warm environment: a cache built inside the handler would
// start empty every time and each invocation would pay a Secrets Manager
// call (latency, cost, throttling). It is built on the first invocation, not
// in init, so that a failure to load the AWS configuration fails that
// invocation, with its error in the invocation's logs, and is tried again by
// the next instead of wedging the environment; and so that tests can point
// it at an emulator before it exists.
var secrets = &lazyCache{build: func() (*secretcache.Cache, error) { return secretcache.New() }}

// lazyCache builds a cache on first use and keeps it.
type lazyCache struct {
	build func() (*secretcache.Cache, error) // set before first use

	mu    sync.Mutex
	cache *secretcache.Cache // guarded by mu; nil until build succeeds
}

// get returns the cache, building it if no call has succeeded yet. A Lambda
// environment runs one invocation at a time, so the lock is never contended
// there; it is for handlers run concurrently elsewhere, as in tests.
func (l *lazyCache) get() (*secretcache.Cache, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cache == nil {
		c, err := l.build()
		if err != nil {
			return nil, fmt.Errorf("lambda example: building the secret cache: %w", err)
		}
		l.cache = c
	}
	return l.cache, nil
}

// Response is what the function returns: proof that it could read the
// secret, never the secret.
type Response struct {
	// Status is "connected" once the secret was read.
	Status string `json:"status"`
	// SecretLength is the secret's length in bytes: enough to see that the
	// right secret arrived without exposing it.
	SecretLength int `json:"secretLength"`
}

// handler reads the secret for this invocation. The context carries the
// invocation's deadline, so a cold-start fetch that outlasts it fails this
// invocation rather than running past it; the fetch itself goes on inside
// the cache and serves the next one.
func handler(ctx context.Context) (Response, error) {
	id := os.Getenv("SECRET_ID")
	if id == "" {
		return Response{}, errors.New("lambda example: SECRET_ID is not set")
	}
	cache, err := secrets.get()
	if err != nil {
		return Response{}, err
	}
	secret, err := cache.GetSecretStringWithContext(ctx, id)
	if err != nil {
		return Response{}, err // names the secret ID, never its value
	}
	return Response{Status: "connected", SecretLength: len(secret)}, nil
}

func main() {
	lambda.Start(handler)
}
