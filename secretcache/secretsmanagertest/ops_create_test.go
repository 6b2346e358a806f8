package secretsmanagertest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
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
		if !errors.As(err, &exists) || exists.ErrorMessage() != "The operation failed because the secret dup already exists." {
			t.Fatalf("got %v, want AWS's ResourceExistsException", err)
		}
	})
	t.Run("same token other value", func(t *testing.T) {
		_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("y"), ClientRequestToken: in.ClientRequestToken})
		var exists *types.ResourceExistsException
		if !errors.As(err, &exists) || !strings.HasPrefix(exists.ErrorMessage(), "You can't use ClientRequestToken 00000000-0000-4000-8000-000000000001 because") {
			t.Fatalf("got %v, want AWS's ResourceExistsException", err)
		}
	})
}

// TestCreateSecretMetadata creates a secret with every member and reads
// them back where AWS shows them.
func TestCreateSecretMetadata(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()
	created, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("full"), SecretString: aws.String("v"), Description: aws.String("the db"),
		KmsKeyId: aws.String("alias/app"), Type: aws.String("partner"),
		Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("full")})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, tg := range d.Tags {
		tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	if aws.ToString(d.Description) != "the db" || aws.ToString(d.KmsKeyId) != "alias/app" || aws.ToString(d.Type) != "partner" ||
		!slices.Equal(tags, []string{"b=2", "a=1"}) {
		t.Errorf("got Description %q KmsKeyId %q Type %q Tags %v", aws.ToString(d.Description), aws.ToString(d.KmsKeyId), aws.ToString(d.Type), tags)
	}
	versions, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("full")})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 1 || aws.ToString(versions.Versions[0].VersionId) != aws.ToString(created.VersionId) ||
		!slices.Equal(versions.Versions[0].KmsKeyIds, []string{"alias/app"}) {
		t.Errorf("ListSecretVersionIds: got %+v, want the one version with KmsKeyIds [alias/app]", versions.Versions)
	}

	// A secret with the AWS managed key: no KmsKeyId, and the versions
	// report DefaultEncryptionKey; an empty description is omitted.
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("plain"), SecretString: aws.String("v"), Description: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	if d.KmsKeyId != nil || d.Description != nil || d.Tags != nil || d.Type != nil || d.PrimaryRegion != nil || d.OwningService != nil {
		t.Errorf("plain secret: got KmsKeyId %v Description %v Tags %v Type %v PrimaryRegion %v OwningService %v, want none",
			d.KmsKeyId, d.Description, d.Tags, d.Type, d.PrimaryRegion, d.OwningService)
	}
	versions, err = c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	if got := versions.Versions[0].KmsKeyIds; !slices.Equal(got, []string{"DefaultEncryptionKey"}) {
		t.Errorf("KmsKeyIds: got %v, want [DefaultEncryptionKey]", got)
	}
}
