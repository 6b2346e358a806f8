package secretsmanagertest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestSeedHelpers(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	arn := mustCreate(t, srv, "s", "one")

	t.Run("CreateSecret taken name", func(t *testing.T) {
		var exists *types.ResourceExistsException
		if _, err := srv.CreateSecret("s", "x"); !errors.As(err, &exists) {
			t.Errorf("got %v, want *types.ResourceExistsException", err)
		}
	})
	t.Run("PutSecretBinary copies its input", func(t *testing.T) {
		b := []byte("abc")
		id, err := srv.PutSecretBinary(arn, b, "bin")
		if err != nil {
			t.Fatal(err)
		}
		b[0] = 'X'
		out, err := getString(t, c, "s", "bin")
		if err != nil {
			t.Fatal(err)
		}
		if string(out.SecretBinary) != "abc" || *out.VersionId != id {
			t.Errorf("got %q in %s, want %q in %s", out.SecretBinary, *out.VersionId, "abc", id)
		}
	})
	t.Run("PutSecretValue missing secret", func(t *testing.T) {
		var nf *types.ResourceNotFoundException
		if _, err := srv.PutSecretValue("nope", "x"); !errors.As(err, &nf) {
			t.Errorf("got %v, want *types.ResourceNotFoundException", err)
		}
	})
	t.Run("VersionStages", func(t *testing.T) {
		stages, err := srv.VersionStages(arn[:len(arn)-7])
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, s := range stages {
			all = append(all, s...)
		}
		slices.Sort(all)
		if want := []string{"AWSCURRENT", "bin"}; !slices.Equal(all, want) {
			t.Errorf("got %v, want %v", all, want)
		}
	})
}
