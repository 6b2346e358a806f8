package secretsmanagertest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func getInput(id string) *secretsmanager.GetSecretValueInput {
	return &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)}
}

func putInput(id, v string) *secretsmanager.PutSecretValueInput {
	return &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(v)}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCalls(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	ctx := context.Background()
	for range 3 {
		if _, err := c.GetSecretValue(ctx, getInput("s")); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = c.GetSecretValue(ctx, getInput("missing")) // failures count too
	if _, err := c.PutSecretValue(ctx, putInput("s", "two")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		op   string
		want int
	}{
		{"GetSecretValue", 4},
		{"PutSecretValue", 1},
		{"CreateSecret", 0}, // seeded from Go, not over HTTP
		{"DescribeSecret", 0},
	}
	for _, tt := range tests {
		if got := srv.Calls(tt.op); got != tt.want {
			t.Errorf("Calls(%q): got %d, want %d", tt.op, got, tt.want)
		}
	}
	srv.ResetCalls()
	if got := srv.Calls("GetSecretValue"); got != 0 {
		t.Errorf("after ResetCalls: got %d, want 0", got)
	}
}

func TestCallsConcurrent(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetSecretValue(context.Background(), getInput("s")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := srv.Calls("GetSecretValue"); got != n {
		t.Errorf("got %d, want %d", got, n)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")

	t.Run("delays", func(t *testing.T) {
		srv.SetLatency("GetSecretValue", 30*time.Millisecond)
		defer srv.SetLatency("GetSecretValue", 0)
		start := time.Now()
		if _, err := c.GetSecretValue(context.Background(), getInput("s")); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < 30*time.Millisecond {
			t.Errorf("took %v, want at least 30ms", got)
		}
	})
	t.Run("cancelled client returns promptly", func(t *testing.T) {
		srv.SetLatency(secretsmanagertest.AllOperations, time.Hour)
		defer srv.SetLatency(secretsmanagertest.AllOperations, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.GetSecretValue(ctx, getInput("s"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		if got := time.Since(start); got > 5*time.Second {
			t.Errorf("took %v, want about 20ms", got)
		}
	})
	t.Run("cleared", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.GetSecretValue(ctx, getInput("s")); err != nil {
			t.Fatalf("got %v, want no delay left", err)
		}
	})
}

func TestCloseReleasesHeldRequests(t *testing.T) {
	t.Parallel()
	srv := secretsmanagertest.NewServer()
	c := srv.Client()
	mustCreate(t, srv, "s", "one")
	srv.SetLatency("GetSecretValue", time.Hour)

	done := make(chan error, 1)
	go func() {
		_, err := c.GetSecretValue(context.Background(), getInput("s"))
		done <- err
	}()
	waitFor(t, "the request to arrive", func() bool { return srv.Calls("GetSecretValue") == 1 })
	srv.Close()
	srv.Close() // idempotent
	if err := <-done; err == nil {
		t.Fatal("held request: got success, want an error once the server closed")
	}
}

func TestSetLatencyUnknownOperationPanics(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	defer func() {
		if recover() == nil {
			t.Error("got no panic, want one for an unknown operation")
		}
	}()
	srv.SetLatency("GetSecret", time.Second)
}
