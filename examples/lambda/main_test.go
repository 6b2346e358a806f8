package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const secretValue = "lambda-s3cr3t-9f2c"

// useEmulator points the package's cache at a fresh emulator holding one
// secret named by SECRET_ID, and restores the real one afterwards. Tests
// that call it share package state and so do not run in parallel.
func useEmulator(t *testing.T) *secretsmanagertest.Server {
	t.Helper()
	srv := secretsmanagertest.NewServer()
	t.Cleanup(srv.Close)
	if _, err := srv.CreateSecret("prod/app/api-key", secretValue); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECRET_ID", "prod/app/api-key")
	lc := &lazyCache{build: func() (*secretcache.Cache, error) {
		return secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	}}
	setSecrets(t, lc)
	return srv
}

func setSecrets(t *testing.T, lc *lazyCache) {
	saved := secrets
	secrets = lc
	t.Cleanup(func() {
		secrets = saved
		if lc.cache != nil {
			lc.cache.Close()
		}
	})
}

func TestWarmInvocationsMakeNoAPICall(t *testing.T) {
	srv := useEmulator(t)
	const invocations = 10
	for i := range invocations {
		got, err := handler(context.Background())
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		if want := (Response{Status: "connected", SecretLength: len(secretValue)}); got != want {
			t.Fatalf("invocation %d: got %+v, want %+v", i, got, want)
		}
		if calls := srv.Calls("GetSecretValue"); calls != 1 {
			t.Fatalf("after invocation %d: got %d GetSecretValue calls, want 1 (the cold start only)", i, calls)
		}
	}
}

// TestThroughLambdaRuntime invokes the handler as lambda.Start would, through
// the library's reflection wrapper, so that a signature lambda.Start rejects
// or a response that leaks the secret fails here and not in AWS.
func TestThroughLambdaRuntime(t *testing.T) {
	srv := useEmulator(t)
	h := lambda.NewHandler(handler)
	for i := range 3 {
		out, err := h.Invoke(context.Background(), []byte(`{}`))
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		if want := `{"status":"connected","secretLength":18}`; string(out) != want {
			t.Errorf("invocation %d: got %s, want %s", i, out, want)
		}
		if strings.Contains(string(out), secretValue) {
			t.Errorf("invocation %d: response reveals the secret: %s", i, out)
		}
	}
	if calls := srv.Calls("GetSecretValue"); calls != 1 {
		t.Errorf("got %d GetSecretValue calls, want 1", calls)
	}
}

func TestHandlerErrors(t *testing.T) {
	tests := []struct {
		name     string
		secretID string
		wantIn   string
	}{
		{"SECRET_ID unset", "", "SECRET_ID is not set"},
		{"missing secret", "prod/app/nope", "prod/app/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useEmulator(t)
			t.Setenv("SECRET_ID", tt.secretID)
			got, err := handler(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("got %+v, %v; want an error mentioning %q", got, err, tt.wantIn)
			}
			if strings.Contains(err.Error(), secretValue) {
				t.Errorf("error %q reveals the secret", err)
			}
		})
	}
}

func TestFailedBuildIsRetriedNextInvocation(t *testing.T) {
	srv := useEmulator(t)
	builds := 0
	broken := errors.New("no credentials")
	setSecrets(t, &lazyCache{build: func() (*secretcache.Cache, error) {
		builds++
		if builds == 1 {
			return nil, broken
		}
		return secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	}})
	if _, err := handler(context.Background()); !errors.Is(err, broken) {
		t.Fatalf("first invocation: got %v, want %v", err, broken)
	}
	for i := range 3 {
		if _, err := handler(context.Background()); err != nil {
			t.Fatalf("invocation %d after the failure: %v", i+2, err)
		}
	}
	if builds != 2 {
		t.Errorf("got %d builds, want 2 (one failure, then kept)", builds)
	}
}
