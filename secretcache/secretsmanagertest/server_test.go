package secretsmanagertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// newServer starts a server with opts that the test closes when it ends.
func newServer(t *testing.T, opts ...secretsmanagertest.Option) (*secretsmanagertest.Server, *secretsmanager.Client) {
	t.Helper()
	srv := secretsmanagertest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, srv.Client()
}

// mustCreate seeds a string secret or fails the test.
func mustCreate(t *testing.T, srv *secretsmanagertest.Server, name, value string) string {
	t.Helper()
	arn, err := srv.CreateSecret(name, value)
	if err != nil {
		t.Fatalf("CreateSecret(%q): %v", name, err)
	}
	return arn
}

// getString reads a secret's string at a stage through the client.
func getString(t *testing.T, c *secretsmanager.Client, id, stage string) (*secretsmanager.GetSecretValueOutput, error) {
	t.Helper()
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	return c.GetSecretValue(context.Background(), in)
}

// errorCode returns the AWS error code of err, or "" if it has none.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	arn := mustCreate(t, srv, "app/db", "s3cret")

	out, err := getString(t, c, "app/db", "")
	if err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	if got := aws.ToString(out.SecretString); got != "s3cret" {
		t.Errorf("SecretString: got %q, want %q", got, "s3cret")
	}
	if got := aws.ToString(out.ARN); got != arn {
		t.Errorf("ARN: got %q, want %q", got, arn)
	}
	if out.CreatedDate == nil || out.CreatedDate.IsZero() {
		t.Errorf("CreatedDate: got %v, want a date", out.CreatedDate)
	}
}

func TestMissingSecret(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	_, err := getString(t, c, "nope", "")
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want *types.ResourceNotFoundException", err)
	}
	if got, want := nf.ErrorMessage(), "Secrets Manager can't find the specified secret."; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}
