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

// tagsOf describes a secret's tags as key=value, and whether the answer
// had a Tags member at all.
func tagsOf(t *testing.T, c *secretsmanager.Client, id string) ([]string, bool) {
	t.Helper()
	d, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, tg := range d.Tags {
		tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	return tags, d.Tags != nil
}

func TestTagResource(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	mustCreate(t, srv, "s", "v")
	tag := func(kv ...string) {
		t.Helper()
		var tags []types.Tag
		for i := 0; i < len(kv); i += 2 {
			tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		if _, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("s"), Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	untag := func(keys ...string) {
		t.Helper()
		if _, err := c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String("s"), TagKeys: keys}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name    string
		do      func()
		want    []string
		present bool
	}{
		{"never tagged", func() {}, nil, false},
		{"first tag", func() { tag("tag1", "value1") }, []string{"tag1=value1"}, true},
		{"second tag goes last", func() { tag("tag2", "value2") }, []string{"tag1=value1", "tag2=value2"}, true},
		{"existing key keeps its place", func() { tag("tag1", "new") }, []string{"tag1=new", "tag2=value2"}, true},
		{"untag one, and one it does not have", func() { untag("tag1", "absent") }, []string{"tag2=value2"}, true},
		{"untag all leaves an empty list", func() { untag("tag2") }, nil, true},
	}
	for _, st := range steps {
		st.do()
		got, present := tagsOf(t, c, "s")
		if !slices.Equal(got, st.want) || present != st.present {
			t.Errorf("%s: got %v (present %v), want %v (present %v)", st.name, got, present, st.want, st.present)
		}
	}

	list, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 1 || list.SecretList[0].Tags == nil || len(list.SecretList[0].Tags) != 0 {
		t.Errorf("ListSecrets: got %+v, %v, want the secret with an empty tag list", list, err)
	}

	t.Run("secret scheduled for deletion", func(t *testing.T) {
		mustCreate(t, srv, "gone", "v")
		if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		want := "You can't perform this operation on the secret because it was marked for deletion."
		var inv *types.InvalidRequestException
		if _, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("gone"), Tags: []types.Tag{}}); !errors.As(err, &inv) || inv.ErrorMessage() != want {
			t.Errorf("TagResource: got %v, want %q", err, want)
		}
		if _, err := c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String("gone"), TagKeys: []string{"k"}}); !errors.As(err, &inv) || inv.ErrorMessage() != want {
			t.Errorf("UntagResource: got %v, want %q", err, want)
		}
	})
	t.Run("missing secret", func(t *testing.T) {
		var nf *types.ResourceNotFoundException
		if _, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("nope"), Tags: []types.Tag{}}); !errors.As(err, &nf) {
			t.Errorf("got %v, want *types.ResourceNotFoundException", err)
		}
	})
}
