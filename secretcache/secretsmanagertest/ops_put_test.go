package secretsmanagertest_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestPutSecretValueStages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stages []string
		// want maps the version name ("v1" seeded, "v2" put) to its stages.
		want map[string][]string
	}{
		{"default moves AWSCURRENT", nil, map[string][]string{"v1": {"AWSPREVIOUS"}, "v2": {"AWSCURRENT"}}},
		{"AWSPENDING leaves AWSCURRENT", []string{"AWSPENDING"}, map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"AWSPENDING"}}},
		{"custom label", []string{"blue"}, map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"blue"}}},
		{"current and custom", []string{"AWSCURRENT", "blue"}, map[string][]string{"v1": {"AWSPREVIOUS"}, "v2": {"AWSCURRENT", "blue"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "s", "one")
			v1 := currentVersion(t, c, "s")
			out, err := c.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
				SecretId: aws.String("s"), SecretString: aws.String("two"), VersionStages: tt.stages,
			})
			if err != nil {
				t.Fatalf("PutSecretValue: %v", err)
			}
			v2 := aws.ToString(out.VersionId)
			if got, want := out.VersionStages, tt.want["v2"]; !slices.Equal(got, want) {
				t.Errorf("response VersionStages: got %v, want %v", got, want)
			}
			got := describeStages(t, c, "s")
			if !slices.Equal(got[v1], tt.want["v1"]) || !slices.Equal(got[v2], tt.want["v2"]) {
				t.Errorf("stages: got v1=%v v2=%v, want v1=%v v2=%v", got[v1], got[v2], tt.want["v1"], tt.want["v2"])
			}
		})
	}
}

func TestPutSecretValueIdempotency(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	ctx := context.Background()
	token := aws.String("11111111-1111-4111-8111-111111111111")
	put := func(v string) (*secretsmanager.PutSecretValueOutput, error) {
		return c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String("s"), SecretString: aws.String(v), ClientRequestToken: token,
		})
	}
	first, err := put("two")
	if err != nil {
		t.Fatalf("first put: %v", err)
	}
	if got, want := aws.ToString(first.VersionId), aws.ToString(token); got != want {
		t.Errorf("VersionId: got %q, want the token %q", got, want)
	}

	t.Run("same token same value", func(t *testing.T) {
		again, err := put("two")
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if got, want := aws.ToString(again.VersionId), aws.ToString(first.VersionId); got != want {
			t.Errorf("VersionId: got %q, want %q", got, want)
		}
		if n := len(describeStages(t, c, "s")); n != 2 {
			t.Errorf("labelled versions: got %d, want 2", n)
		}
	})
	t.Run("same token other value", func(t *testing.T) {
		_, err := put("three")
		var exists *types.ResourceExistsException
		if !errors.As(err, &exists) || !strings.HasPrefix(exists.ErrorMessage(), "You can't use ClientRequestToken "+aws.ToString(token)+
			" because that value is already in use for a version of secret arn:aws:secretsmanager:us-east-1:123456789012:secret:s-") {
			t.Fatalf("got %v, want AWS's ResourceExistsException", err)
		}
		out, err := getString(t, c, "s", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.SecretString); got != "two" {
			t.Errorf("value after refused put: got %q, want %q", got, "two")
		}
	})
}

// TestPutFirstValueBecomesCurrent puts the first value of a secret created
// without one: whatever stages are asked for, it also gets AWSCURRENT.
func TestPutFirstValueBecomesCurrent(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("empty")}); err != nil {
		t.Fatal(err)
	}
	first, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("empty"), SecretString: aws.String("one"), VersionStages: []string{"AWSPENDING"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := first.VersionStages; !slices.Equal(got, []string{"AWSCURRENT", "AWSPENDING"}) {
		t.Errorf("first value: got %v, want [AWSCURRENT AWSPENDING]", got)
	}
	second, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("empty"), SecretString: aws.String("two"), VersionStages: []string{"blue"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := second.VersionStages; !slices.Equal(got, []string{"blue"}) {
		t.Errorf("second value: got %v, want [blue]", got)
	}
}

func TestPutSecretValueErrors(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	tests := []struct {
		name    string
		in      *secretsmanager.PutSecretValueInput
		wantErr any
	}{
		{"missing secret", &secretsmanager.PutSecretValueInput{SecretId: aws.String("nope"), SecretString: aws.String("x")}, new(*types.ResourceNotFoundException)},
		{"no value", &secretsmanager.PutSecretValueInput{SecretId: aws.String("s")}, new(*types.InvalidParameterException)},
		{"both values", &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("x"), SecretBinary: []byte("y")}, new(*types.InvalidParameterException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.PutSecretValue(context.Background(), tt.in)
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("got %v, want %T", err, tt.wantErr)
			}
		})
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	want := []byte{0, 0xff, 'a', 0x80}
	if _, err := srv.CreateBinarySecret("bin", want); err != nil {
		t.Fatal(err)
	}
	out, err := getString(t, c, "bin", "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.SecretBinary, want) || out.SecretString != nil {
		t.Errorf("got binary %v string %v, want binary %v and no string", out.SecretBinary, out.SecretString, want)
	}
}

// currentVersion returns the AWSCURRENT version ID of id.
func currentVersion(t *testing.T, c *secretsmanager.Client, id string) string {
	t.Helper()
	out, err := getString(t, c, id, "")
	if err != nil {
		t.Fatalf("GetSecretValue(%q): %v", id, err)
	}
	return aws.ToString(out.VersionId)
}

// describeStages returns VersionIdsToStages of id.
func describeStages(t *testing.T, c *secretsmanager.Client, id string) map[string][]string {
	t.Helper()
	out, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeSecret(%q): %v", id, err)
	}
	return out.VersionIdsToStages
}
