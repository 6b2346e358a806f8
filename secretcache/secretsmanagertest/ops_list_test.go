package secretsmanagertest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// listNames lists the names ListSecrets returns for in, every page.
func listNames(t *testing.T, c *secretsmanager.Client, in *secretsmanager.ListSecretsInput) []string {
	t.Helper()
	var names []string
	p := secretsmanager.NewListSecretsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListSecrets: %v", err)
		}
		for _, s := range page.SecretList {
			names = append(names, aws.ToString(s.Name))
		}
	}
	return names
}

func nameFilter(key types.FilterNameStringType, values ...string) []types.Filter {
	return []types.Filter{{Key: key, Values: values}}
}

// TestListSecretsFilters replays answers AWS gave to these filters.
func TestListSecretsFilters(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()
	create := func(name, description string, tags ...string) {
		t.Helper()
		in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("s")}
		if description != "" {
			in.Description = aws.String(description)
		}
		for i := 0; i < len(tags); i += 2 {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
		}
		if _, err := c.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	create("testing1/one", "a secret")
	create("/testing2/two", "an secret")
	create("testing3/three", "asecret")
	create("/testing4/four", "thesecret")
	create("SecretOneX", "")
	create("SecretTwoX", "DescTwo")
	create("SecretFTagX", "", "1", "foo")
	create("prod-AppBeta-x", "", "right", "wrong")
	create("uat/COMPANYthings/x", "")

	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"name prefix", nameFilter("name", "/"), []string{"/testing2/two", "/testing4/four"}},
		{"name negated", nameFilter("name", "!/"), []string{"testing1/one", "testing3/three", "SecretOneX", "SecretTwoX", "SecretFTagX", "prod-AppBeta-x", "uat/COMPANYthings/x"}},
		{"values combine with OR", nameFilter("name", "!/", "/testing2"), []string{"testing1/one", "/testing2/two", "testing3/three", "SecretOneX", "SecretTwoX", "SecretFTagX", "prod-AppBeta-x", "uat/COMPANYthings/x"}},
		{"name has no words", nameFilter("name", "testing1 one"), nil},
		{"description prefix", nameFilter("description", "a"), []string{"testing1/one", "/testing2/two", "testing3/three"}},
		{"description negated", nameFilter("description", "!a"), []string{"/testing4/four", "SecretTwoX"}},
		{"description words", nameFilter("description", "a secret"), []string{"testing1/one", "/testing2/two"}},
		{"description negation matching all", nameFilter("description", "!c"), []string{"testing1/one", "/testing2/two", "testing3/three", "/testing4/four", "SecretTwoX"}},
		{"filters combine with AND", []types.Filter{{Key: "description", Values: []string{"a"}}, {Key: "name", Values: []string{"an"}}}, nil},
		{"tag key", nameFilter("tag-key", "rig"), []string{"prod-AppBeta-x"}},
		{"tag value is case-sensitive", nameFilter("tag-value", "Foo"), nil},
		{"all: words of the name or the description", nameFilter("all", "secret"), []string{"testing1/one", "/testing2/two", "SecretOneX", "SecretTwoX", "SecretFTagX"}},
		{"all: not inside a word", nameFilter("all", "ret"), nil},
		{"all: a tag", nameFilter("all", "foo"), []string{"SecretFTagX"}},
		{"all: the description's words", nameFilter("all", "d t"), []string{"SecretTwoX"}},
		{"all: a separator alone", nameFilter("all", "+"), nil},
		{"all: words split at a case change", nameFilter("all", "Ythings"), []string{"uat/COMPANYthings/x"}},
		{"all: COMPANY is not a word there", nameFilter("all", "company"), nil},
		{"all: beta after a separator", nameFilter("all", "beta"), []string{"prod-AppBeta-x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := listNames(t, c, &secretsmanager.ListSecretsInput{Filters: tt.filters}); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListSecretsOrderAndPaging(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	var created []string
	for i := range 7 {
		name := fmt.Sprintf("s%d", (i*3)%7) // created out of name order
		mustCreate(t, srv, name, "v")
		created = append(created, name)
	}
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(created[2])}); err != nil {
		t.Fatal(err)
	}
	live := slices.Delete(slices.Clone(created), 2, 3)
	byName := slices.Sorted(slices.Values(live))
	tests := []struct {
		name string
		in   secretsmanager.ListSecretsInput
		want []string
	}{
		{"default: by creation date, oldest first", secretsmanager.ListSecretsInput{}, live},
		{"pages of 2", secretsmanager.ListSecretsInput{MaxResults: aws.Int32(2)}, live},
		{"by name", secretsmanager.ListSecretsInput{SortBy: types.SortByTypeName}, byName},
		{"by name, descending, pages of 4", secretsmanager.ListSecretsInput{SortBy: types.SortByTypeName, SortOrder: types.SortOrderTypeDesc, MaxResults: aws.Int32(4)},
			reversed(byName)},
		{"by last change", secretsmanager.ListSecretsInput{SortBy: types.SortByTypeLastChangedDate}, live},
		{"planned deletion included", secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)}, created},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := listNames(t, c, &tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("entries", func(t *testing.T) {
		out, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		e := out.SecretList[0]
		if out.NextToken == nil || e.ARN == nil || e.CreatedDate == nil || e.LastChangedDate == nil || len(e.SecretVersionsToStages) != 1 {
			t.Errorf("got %+v (NextToken %v), want ARN, dates and SecretVersionsToStages", e, out.NextToken)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		var bad *types.InvalidNextTokenException
		if _, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{NextToken: aws.String("nope")}); !errors.As(err, &bad) {
			t.Errorf("got %v, want *types.InvalidNextTokenException", err)
		}
	})
	t.Run("filter without values", func(t *testing.T) {
		var ipe *types.InvalidParameterException
		_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: "description"}}})
		if !errors.As(err, &ipe) || ipe.ErrorMessage() != "Invalid filter values for key: description" {
			t.Errorf("got %v, want InvalidParameterException", err)
		}
	})
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}
