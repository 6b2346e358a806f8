package secretsmanagertest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestBatchGetSecretValueByID(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	arnA := mustCreate(t, srv, "a", "va")
	mustCreate(t, srv, "b", "vb")
	mustCreate(t, srv, "gone", "x")
	if _, err := c.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}

	out, err := c.BatchGetSecretValue(context.Background(), &secretsmanager.BatchGetSecretValueInput{
		SecretIdList: []string{arnA, "b", "missing", "gone"},
	})
	if err != nil {
		t.Fatalf("BatchGetSecretValue: %v", err)
	}
	var got []string
	for _, v := range out.SecretValues {
		got = append(got, aws.ToString(v.Name)+"="+aws.ToString(v.SecretString))
	}
	if want := []string{"a=va", "b=vb"}; !slices.Equal(got, want) {
		t.Errorf("values: got %v, want %v", got, want)
	}
	wantErrs := map[string]string{"missing": "ResourceNotFoundException", "gone": "InvalidRequestException"}
	if len(out.Errors) != len(wantErrs) {
		t.Fatalf("errors: got %d, want %d", len(out.Errors), len(wantErrs))
	}
	for _, e := range out.Errors {
		id := aws.ToString(e.SecretId)
		if got, want := aws.ToString(e.ErrorCode), wantErrs[id]; got != want {
			t.Errorf("error for %q: got %q, want %q", id, got, want)
		}
		if aws.ToString(e.Message) == "" {
			t.Errorf("error for %q: got empty message", id)
		}
	}
}

func TestBatchGetSecretValueFilters(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	for _, name := range []string{"prod/a", "prod/b", "prod/c", "dev/a"} {
		mustCreate(t, srv, name, "v-"+name)
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"name prefix", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"prod/"}}}, []string{"prod/a", "prod/b", "prod/c"}},
		{"name is case-sensitive", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"DEV"}}}, nil},
		{"negation", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"!prod/"}}}, []string{"dev/a"}},
		{"values combine with OR", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"dev/", "prod/c"}}}, []string{"dev/a", "prod/c"}},
		{"all ignores case", []types.Filter{{Key: types.FilterNameStringTypeAll, Values: []string{"DEV"}}}, []string{"dev/a"}},
		{"no match", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"qa/"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.BatchGetSecretValue(context.Background(), &secretsmanager.BatchGetSecretValueInput{Filters: tt.filters})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range out.SecretValues {
				got = append(got, aws.ToString(v.Name))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBatchGetSecretValuePaging(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	var want []string
	for i := range 25 {
		name := fmt.Sprintf("app/%02d", i)
		mustCreate(t, srv, name, "v")
		want = append(want, name)
	}
	srv.ResetCalls()
	p := secretsmanager.NewBatchGetSecretValuePaginator(c, &secretsmanager.BatchGetSecretValueInput{
		Filters:    []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}},
		MaxResults: aws.Int32(10),
	})
	var got []string
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.SecretValues {
			got = append(got, aws.ToString(v.Name))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if n := srv.Calls("BatchGetSecretValue"); n != 3 {
		t.Errorf("pages: got %d, want 3", n)
	}
}

func TestBatchGetSecretValueTooManyIDs(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ids := make([]string, 21)
	for i := range ids {
		ids[i] = fmt.Sprint("s", i)
	}
	_, err := c.BatchGetSecretValue(context.Background(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
	want := "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20"
	if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want ValidationException %q", err, want)
	}
}

func TestBatchGetSecretValueInvalid(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	nameFilter := []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"x"}}}
	tests := []struct {
		name    string
		in      *secretsmanager.BatchGetSecretValueInput
		wantErr any
	}{
		{"neither", &secretsmanager.BatchGetSecretValueInput{}, new(*types.InvalidParameterException)},
		{"both", &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a"}, Filters: nameFilter}, new(*types.InvalidParameterException)},
		{"MaxResults with IDs", &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a"}, MaxResults: aws.Int32(5)}, new(*types.InvalidParameterException)},
		{"bad token", &secretsmanager.BatchGetSecretValueInput{Filters: nameFilter, NextToken: aws.String("!!")}, new(*types.InvalidNextTokenException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.BatchGetSecretValue(context.Background(), tt.in)
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("got %v, want %T", err, tt.wantErr)
			}
		})
	}
}
