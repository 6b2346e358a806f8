package secretsmanagertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const msgInvalidName = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"

// TestModelValidation checks the model's constraints, one operation and
// member at a time, through the SDK client: the SDK checks only required
// members, so everything else reaches the server.
func TestModelValidation(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "v")
	ctx := context.Background()
	long := func(n int) *string { return aws.String(strings.Repeat("x", n)) }
	token := aws.String("00000000-0000-4000-8000-000000000001")
	tests := []struct {
		name string
		call func() error
		want string // the whole message, or its distinctive part
	}{
		{"name too long", func() error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: long(513)})
			return err
		}, "1 validation error detected: Value '" + strings.Repeat("x", 513) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512"},
		{"secret string too long, not echoed", func() error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("n"), SecretString: long(65537)})
			return err
		}, "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"secret binary empty", func() error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretBinary: []byte{}, ClientRequestToken: token})
			return err
		}, "Value at 'secretBinary' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"token too long", func() error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v"), ClientRequestToken: long(65)})
			return err
		}, "at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"description too long", func() error {
			_, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), Description: long(2049)})
			return err
		}, "at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"two problems", func() error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: long(513), Description: long(2049)})
			return err
		}, "2 validation errors detected: Value '" + strings.Repeat("x", 513) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512; Value '"},
		{"tag key empty", func() error {
			_, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("s"), Tags: []types.Tag{{Key: aws.String(""), Value: aws.String("v")}}})
			return err
		}, "Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"version stage too long", func() error {
			_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionStage: long(257)})
			return err
		}, "at 'versionStage' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"version ID too short", func() error {
			_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionId: aws.String("v1")})
			return err
		}, "Value 'v1' at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{"max results", func() error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(101)})
			return err
		}, "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"filter key", func() error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: "invalid", Values: []string{"x"}}}})
			return err
		}, "Value 'invalid' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]"},
		{"filter value pattern", func() error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: "name", Values: []string{"a*b"}}}})
			return err
		}, "Value 'a*b' at 'filters.1.member.values.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"replica region", func() error {
			_, err := c.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("s"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("Mars")}}})
			return err
		}, "Value 'Mars' at 'addReplicaRegions.1.member.region' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-)+\\d+$"},
		{"policy too long", func() error {
			_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("s"), ResourcePolicy: long(20481)})
			return err
		}, "at 'resourcePolicy' failed to satisfy constraint: Member must have length less than or equal to 20480"},
		{"rotation token pattern", func() error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v"), ClientRequestToken: token,
				RotationToken: aws.String(strings.Repeat("!", 40))})
			return err
		}, "Value at 'rotationToken' failed to satisfy constraint: Member must satisfy regular expression pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ValidationException containing %q", err, tt.want)
			}
		})
	}
}

func TestNameRules(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	for _, name := range []string{"Valid/_+=.@-Name", "rds!cluster-0a1b", "s-c64bdc03", "Valid/_+=.@-Name-a1b2c3-"} {
		if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v")}); err != nil {
			t.Errorf("CreateSecret(%q): %v", name, err)
		}
	}
	mustCreate(t, srv, "ok", "v")
	for _, name := range []string{"Inv Name", " Inv*Name? ", "a:b", "ünï"} {
		calls := map[string]func() error{
			"CreateSecret": func() error {
				_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v")})
				return err
			},
			"GetSecretValue": func() error { _, err := getString(t, c, name, ""); return err },
			"DescribeSecret": func() error {
				_, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
				return err
			},
			"DeleteSecret": func() error {
				_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
				return err
			},
			"TagResource": func() error {
				_, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(name), Tags: []types.Tag{}})
				return err
			},
		}
		for op, call := range calls {
			if err := call(); errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), msgInvalidName) {
				t.Errorf("%s(%q): got %v, want ValidationException %q", op, name, err, msgInvalidName)
			}
		}
	}
}

// post sends a raw AWS JSON 1.1 request, as a client without an SDK would,
// and decodes the answer.
func post(t *testing.T, url, op string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: answer %q is not JSON: %v", op, raw, err)
	}
	return resp.StatusCode, out
}

// TestRawRequestWithoutToken checks what AWS answers a request that
// carries a value but no ClientRequestToken, which only a client without
// an SDK can send.
func TestRawRequestWithoutToken(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	mustCreate(t, srv, "s", "v")
	tests := []struct {
		op       string
		body     map[string]any
		wantType string
	}{
		{"CreateSecret", map[string]any{"Name": "new", "SecretString": "v"}, "InvalidRequestException"},
		{"UpdateSecret", map[string]any{"SecretId": "s", "SecretString": "v"}, "InvalidRequestException"},
		{"PutSecretValue", map[string]any{"SecretId": "s", "SecretString": "v"}, "InvalidRequestException"},
		{"RotateSecret", map[string]any{"SecretId": "nope"}, "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			t.Parallel()
			status, out := post(t, srv.URL, tt.op, tt.body)
			want := "You must provide a ClientRequestToken value. We recommend a UUID-type value."
			if status != 400 || out["__type"] != tt.wantType || out["Message"] != want {
				t.Errorf("got %d %v, want 400 %s %q", status, out, tt.wantType, want)
			}
		})
	}
	t.Run("UpdateSecret of the description needs none", func(t *testing.T) {
		t.Parallel()
		if status, out := post(t, srv.URL, "UpdateSecret", map[string]any{"SecretId": "s", "Description": "d"}); status != 200 {
			t.Errorf("got %d %v, want 200", status, out)
		}
	})
	t.Run("missing required member", func(t *testing.T) {
		t.Parallel()
		status, out := post(t, srv.URL, "GetSecretValue", map[string]any{})
		want := "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
		if status != 400 || out["__type"] != "ValidationException" || out["Message"] != want {
			t.Errorf("got %d %v, want 400 ValidationException %q", status, out, want)
		}
	})
}

func TestValidationErrorIsGeneric(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	_, err := c.GetRandomPassword(context.Background(), &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(0)})
	var ipe *types.InvalidParameterException
	if errors.As(err, &ipe) || errorCode(err) != "ValidationException" {
		t.Errorf("got %T %v, want a generic API error with code ValidationException", err, err)
	}
}
