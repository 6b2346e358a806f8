package secretsmanagertest_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestUpdateSecretVersionStage(t *testing.T) {
	t.Parallel()
	// Each case starts from v1 AWSCURRENT, v2 AWSPENDING. Version names
	// "v1", "v2" and "unknown" stand for the IDs.
	tests := []struct {
		name                string
		stage, move, remove string
		wantErr             any
		want                map[string][]string
	}{
		{
			name: "finish rotation", stage: "AWSCURRENT", move: "v2", remove: "v1",
			want: map[string][]string{"v1": {"AWSPREVIOUS"}, "v2": {"AWSCURRENT", "AWSPENDING"}},
		},
		{
			name: "move without naming holder", stage: "AWSCURRENT", move: "v2",
			wantErr: new(*types.InvalidParameterException),
		},
		{
			name: "remove from wrong version", stage: "AWSCURRENT", move: "v2", remove: "v2",
			wantErr: new(*types.InvalidParameterException),
		},
		{
			name: "remove AWSCURRENT entirely", stage: "AWSCURRENT", remove: "v1",
			wantErr: new(*types.InvalidParameterException),
		},
		{
			name: "remove AWSPENDING", stage: "AWSPENDING", remove: "v2",
			want: map[string][]string{"v1": {"AWSCURRENT"}, "v2": nil},
		},
		{
			name: "new label needs no remove", stage: "blue", move: "v1",
			want: map[string][]string{"v1": {"AWSCURRENT", "blue"}, "v2": {"AWSPENDING"}},
		},
		{
			name: "move to current holder is a no-op", stage: "AWSCURRENT", move: "v1",
			want: map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"AWSPENDING"}},
		},
		{
			name: "unknown version", stage: "blue", move: "unknown",
			wantErr: new(*types.ResourceNotFoundException),
		},
		{
			name: "neither move nor remove", stage: "AWSPENDING",
			wantErr: new(*types.InvalidParameterException),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "s", "one")
			ids := map[string]string{"unknown": "00000000-0000-4000-8000-00000000dead"}
			ids["v1"] = currentVersion(t, c, "s")
			v2, err := srv.PutSecretValue("s", "two", "AWSPENDING")
			if err != nil {
				t.Fatal(err)
			}
			ids["v2"] = v2
			in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("s"), VersionStage: aws.String(tt.stage)}
			if tt.move != "" {
				in.MoveToVersionId = aws.String(ids[tt.move])
			}
			if tt.remove != "" {
				in.RemoveFromVersionId = aws.String(ids[tt.remove])
			}
			before := versionStages(t, srv, "s")

			_, err = c.UpdateSecretVersionStage(context.Background(), in)

			after := versionStages(t, srv, "s")
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("got %v, want %T", err, tt.wantErr)
				}
				for id, stages := range before {
					if !slices.Equal(after[id], stages) {
						t.Errorf("refused call changed %s: got %v, want %v", id, after[id], stages)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("UpdateSecretVersionStage: %v", err)
			}
			for name, want := range tt.want {
				if got := after[ids[name]]; !slices.Equal(got, want) {
					t.Errorf("%s stages: got %v, want %v", name, got, want)
				}
			}
		})
	}
}

func TestDeprecatedVersionsHidden(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	v1 := currentVersion(t, c, "s")
	for _, v := range []string{"two", "three"} {
		if _, err := srv.PutSecretValue("s", v); err != nil {
			t.Fatal(err)
		}
	}
	// v1 lost AWSPREVIOUS to v2 when "three" became current.
	tests := []struct {
		name              string
		includeDeprecated bool
		want              int
	}{
		{"labelled only", false, 2},
		{"with deprecated", true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.ListSecretVersionIds(context.Background(), &secretsmanager.ListSecretVersionIdsInput{
				SecretId: aws.String("s"), IncludeDeprecated: aws.Bool(tt.includeDeprecated),
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(out.Versions); got != tt.want {
				t.Errorf("versions: got %d, want %d", got, tt.want)
			}
			sawV1 := slices.ContainsFunc(out.Versions, func(v types.SecretVersionsListEntry) bool {
				return aws.ToString(v.VersionId) == v1
			})
			if sawV1 != tt.includeDeprecated {
				t.Errorf("deprecated v1 listed: got %v, want %v", sawV1, tt.includeDeprecated)
			}
		})
	}
	t.Run("still readable by ID", func(t *testing.T) {
		t.Parallel()
		out, err := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
			SecretId: aws.String("s"), VersionId: aws.String(v1),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.SecretString); got != "one" || len(out.VersionStages) != 0 {
			t.Errorf("got %q with stages %v, want %q with none", got, out.VersionStages, "one")
		}
	})
}

// versionStages returns the labels of every version of id, failing t when
// there are none to compare: a nil map would make every check pass.
func versionStages(t *testing.T, srv *secretsmanagertest.Server, id string) map[string][]string {
	t.Helper()
	stages, err := srv.VersionStages(id)
	if err != nil || len(stages) == 0 {
		t.Fatalf("VersionStages(%q): got %v, %v; want the versions' labels", id, stages, err)
	}
	return stages
}
