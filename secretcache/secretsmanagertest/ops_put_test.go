package secretsmanagertest_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestCreateSecretAPI(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()

	tests := []struct {
		name    string
		in      *secretsmanager.CreateSecretInput
		wantErr any
	}{
		{"string", &secretsmanager.CreateSecretInput{Name: aws.String("a"), SecretString: aws.String("x")}, nil},
		{"binary", &secretsmanager.CreateSecretInput{Name: aws.String("b"), SecretBinary: []byte{0, 1, 2}}, nil},
		{"no value", &secretsmanager.CreateSecretInput{Name: aws.String("c")}, nil},
		{"both values", &secretsmanager.CreateSecretInput{Name: aws.String("d"), SecretString: aws.String("x"), SecretBinary: []byte{1}}, new(*types.InvalidParameterException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.CreateSecret(ctx, tt.in)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("got %v, want %T", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateSecret: %v", err)
			}
			if got, want := aws.ToString(out.Name), aws.ToString(tt.in.Name); got != want {
				t.Errorf("Name: got %q, want %q", got, want)
			}
			hasValue := tt.in.SecretString != nil || tt.in.SecretBinary != nil
			if got := out.VersionId != nil; got != hasValue {
				t.Errorf("VersionId present: got %v, want %v", got, hasValue)
			}
		})
	}
}

func TestCreateSecretTwice(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()
	in := &secretsmanager.CreateSecretInput{
		Name: aws.String("dup"), SecretString: aws.String("x"),
		ClientRequestToken: aws.String("00000000-0000-4000-8000-000000000001"),
	}
	first, err := c.CreateSecret(ctx, in)
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}

	t.Run("same token and value is a retry", func(t *testing.T) {
		again, err := c.CreateSecret(ctx, in)
		if err != nil {
			t.Fatalf("CreateSecret again: %v", err)
		}
		if got, want := aws.ToString(again.VersionId), aws.ToString(first.VersionId); got != want {
			t.Errorf("VersionId: got %q, want %q", got, want)
		}
	})
	t.Run("new token is a conflict", func(t *testing.T) {
		_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("x")})
		var exists *types.ResourceExistsException
		if !errors.As(err, &exists) {
			t.Fatalf("got %v, want *types.ResourceExistsException", err)
		}
	})
}

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
		if !errors.As(err, &exists) {
			t.Fatalf("got %v, want *types.ResourceExistsException", err)
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
