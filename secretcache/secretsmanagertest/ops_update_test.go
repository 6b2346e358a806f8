package secretsmanagertest_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestUpdateSecret(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	mustCreate(t, srv, "s", "one")
	v1 := currentVersion(t, c, "s")
	describe := func() *secretsmanager.DescribeSecretOutput {
		t.Helper()
		d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := describe()

	// Metadata only: no new version, no VersionId in the answer.
	out, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), Description: aws.String("first"), KmsKeyId: aws.String("alias/k")})
	if err != nil {
		t.Fatal(err)
	}
	d := describe()
	if out.VersionId != nil || aws.ToString(d.Description) != "first" || aws.ToString(d.KmsKeyId) != "alias/k" || len(d.VersionIdsToStages) != 1 {
		t.Errorf("metadata update: got VersionId %v Description %q KmsKeyId %q versions %v", out.VersionId, aws.ToString(d.Description), aws.ToString(d.KmsKeyId), d.VersionIdsToStages)
	}
	if !d.LastChangedDate.After(*before.LastChangedDate) {
		t.Errorf("LastChangedDate: got %v, want after %v", d.LastChangedDate, before.LastChangedDate)
	}

	// A value: a new version takes AWSCURRENT, AWSPREVIOUS follows, the
	// description stays. The same value again is still a new version.
	out, err = c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("two")})
	if err != nil {
		t.Fatal(err)
	}
	v2 := aws.ToString(out.VersionId)
	out, err = c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("two")})
	if err != nil {
		t.Fatal(err)
	}
	v3 := aws.ToString(out.VersionId)
	stages := describeStages(t, c, "s")
	if v3 == v2 || !slices.Equal(stages[v3], []string{"AWSCURRENT"}) || !slices.Equal(stages[v2], []string{"AWSPREVIOUS"}) || len(stages[v1]) != 0 {
		t.Errorf("after two updates: got %v, want AWSCURRENT on %s and AWSPREVIOUS on %s", stages, v3, v2)
	}
	if aws.ToString(describe().Description) != "first" {
		t.Error("the description changed with the value")
	}

	// A token already used: the same value is a retry, another a conflict.
	if out, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("two"), ClientRequestToken: aws.String(v3)}); err != nil || aws.ToString(out.VersionId) != v3 {
		t.Errorf("retry with the same token: got %v, %v", out, err)
	}
	_, err = c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("three"), ClientRequestToken: aws.String(v3)})
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		t.Errorf("reused token with another value: got %v, want *types.ResourceExistsException", err)
	}

	t.Run("missing and deleted secrets", func(t *testing.T) {
		var nf *types.ResourceNotFoundException
		if _, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("nope"), Description: aws.String("d")}); !errors.As(err, &nf) {
			t.Errorf("missing: got %v, want *types.ResourceNotFoundException", err)
		}
		mustCreate(t, srv, "gone", "v")
		if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		var inv *types.InvalidRequestException
		if _, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("gone"), Description: aws.String("d")}); !errors.As(err, &inv) {
			t.Errorf("deleted: got %v, want *types.InvalidRequestException", err)
		}
	})
	t.Run("both values", func(t *testing.T) {
		var ipe *types.InvalidParameterException
		if _, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("x"), SecretBinary: []byte("x")}); !errors.As(err, &ipe) {
			t.Errorf("got %v, want *types.InvalidParameterException", err)
		}
	})
}
