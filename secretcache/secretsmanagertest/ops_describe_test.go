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

func TestDescribeSecret(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()
	created, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("d"), Description: aws.String("the db"), SecretString: aws.String("v"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := getString(t, c, "d", ""); err != nil {
		t.Fatal(err)
	}

	out, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("d")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ARN", aws.ToString(out.ARN), aws.ToString(created.ARN)},
		{"Description", aws.ToString(out.Description), "the db"},
		{"RotationEnabled", aws.ToBool(out.RotationEnabled), false},
		{"LastRotatedDate set", out.LastRotatedDate != nil, false},
		{"DeletedDate set", out.DeletedDate != nil, false},
		{"CreatedDate set", out.CreatedDate != nil, true},
		{"LastAccessedDate set", out.LastAccessedDate != nil, true},
		{"tags", len(out.Tags), 1},
		{"stages", slices.Equal(out.VersionIdsToStages[aws.ToString(created.VersionId)], []string{"AWSCURRENT"}), true},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestListSecretVersionIdsPaging(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "v0")
	for i, stage := range []string{"a", "b", "c", "d"} {
		if _, err := srv.PutSecretValue("s", "v", stage); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	p := secretsmanager.NewListSecretVersionIdsPaginator(c, &secretsmanager.ListSecretVersionIdsInput{
		SecretId: aws.String("s"), MaxResults: aws.Int32(2),
	})
	var got []string
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			got = append(got, v.VersionStages...)
		}
	}
	if want := []string{"AWSCURRENT", "a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	t.Run("bad token", func(t *testing.T) {
		_, err := c.ListSecretVersionIds(context.Background(), &secretsmanager.ListSecretVersionIdsInput{
			SecretId: aws.String("s"), NextToken: aws.String("nope"),
		})
		var bad *types.InvalidNextTokenException
		if !errors.As(err, &bad) {
			t.Errorf("got %v, want *types.InvalidNextTokenException", err)
		}
	})
}
