package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// TestRotationLambdaFlag rotates through a -rotation-lambda command that
// records the events it receives and, for one function, fails.
func TestRotationLambdaFlag(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("runs commands through sh")
	}
	events := filepath.Join(t.TempDir(), "events")
	const record = "arn:aws:lambda:us-east-1:123456789012:function:record"
	const fail = "arn:aws:lambda:us-east-1:123456789012:function:fail"
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &lineWriter{first: make(chan string, 1)}
	stderr := &lineWriter{first: make(chan string, 1)}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-account", "123456789012",
			"-rotation-lambda", record + `=cat >> '` + events + `'; echo >> '` + events + `'; test "$AWS_ENDPOINT_URL_SECRETS_MANAGER" = "$SECRETS_MANAGER_ENDPOINT"`,
			"-rotation-lambda", fail + "=echo refusing >&2; exit 3",
		}, stdout, stderr)
	}()
	var url string
	select {
	case url = <-stdout.first:
	case code := <-done:
		t.Fatalf("run exited with %d: %s", code, stderr.String())
	}
	defer func() {
		cancel()
		<-done
	}()
	c := client(url, "us-east-1")
	for _, name := range []string{"recorded", "failing"} {
		if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("recorded"), RotationLambdaARN: aws.String(record)})
	if err != nil {
		t.Fatal(err)
	}
	// The command moves no label, so the rotation ends after four steps
	// without completing.
	waitFor(t, "the four events", func() bool {
		b, _ := os.ReadFile(events)
		return strings.Count(string(b), "\n") == 4
	})
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev secretsmanagertest.RotationRequest
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		if ev.ClientRequestToken != aws.ToString(out.VersionId) || ev.RotationToken == "" || !strings.Contains(ev.SecretID, ":secret:recorded-") {
			t.Errorf("event %+v, want the secret ARN, the rotation's token and a RotationToken", ev)
		}
		steps = append(steps, ev.Step)
	}
	if got := strings.Join(steps, " "); got != "createSecret setSecret testSecret finishSecret" {
		t.Errorf("steps: got %s", got)
	}

	if _, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("failing"), RotationLambdaARN: aws.String(fail)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed attempts", func() bool {
		return strings.Count(stderr.String(), "createSecret failed: exit status 3") == secretsmanagertest.DefaultRotationAttempts
	})
	if !strings.Contains(stderr.String(), "refusing") {
		t.Errorf("the command's output is missing from the log: %q", stderr.String())
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
