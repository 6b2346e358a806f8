package secretsmanagertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestGetSecretValueSelection(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	v1 := currentVersion(t, c, "s")
	v2, err := srv.PutSecretValue("s", "two")
	if err != nil {
		t.Fatal(err)
	}
	v3, err := srv.PutSecretValue("s", "three", "AWSPENDING")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, versionID, stage string
		want                   string
		wantMsg                string // for a *types.ResourceNotFoundException
		wantInvalid            string // for a *types.InvalidRequestException
	}{
		{name: "default is AWSCURRENT", want: "two"},
		{name: "AWSPREVIOUS", stage: "AWSPREVIOUS", want: "one"},
		{name: "AWSPENDING", stage: "AWSPENDING", want: "three"},
		{name: "by version ID", versionID: v1, want: "one"},
		{name: "ID and stage agree", versionID: v3, stage: "AWSPENDING", want: "three"},
		{
			name: "ID and stage disagree", versionID: v2, stage: "AWSPENDING",
			wantInvalid: "You provided a VersionStage that is not associated to the provided VersionId.",
		},
		{
			name: "unknown stage", stage: "blue",
			wantMsg: "Secrets Manager can't find the specified secret value for staging label: blue",
		},
		{
			name: "unknown version", versionID: "00000000-0000-4000-8000-000000000000",
			wantMsg: "Secrets Manager can't find the specified secret value for VersionId: 00000000-0000-4000-8000-000000000000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}
			if tt.versionID != "" {
				in.VersionId = aws.String(tt.versionID)
			}
			if tt.stage != "" {
				in.VersionStage = aws.String(tt.stage)
			}
			out, err := c.GetSecretValue(context.Background(), in)
			if tt.wantInvalid != "" {
				var inv *types.InvalidRequestException
				if !errors.As(err, &inv) || inv.ErrorMessage() != tt.wantInvalid {
					t.Fatalf("got %v, want *types.InvalidRequestException %q", err, tt.wantInvalid)
				}
				return
			}
			if tt.wantMsg != "" {
				var nf *types.ResourceNotFoundException
				if !errors.As(err, &nf) {
					t.Fatalf("got %v, want *types.ResourceNotFoundException", err)
				}
				if got := nf.ErrorMessage(); got != tt.wantMsg {
					t.Errorf("message: got %q, want %q", got, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSecretValue: %v", err)
			}
			if got := aws.ToString(out.SecretString); got != tt.want {
				t.Errorf("SecretString: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGetSecretValueNoVersions(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	ctx := context.Background()
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("empty")}); err != nil {
		t.Fatal(err)
	}
	_, err := getString(t, c, "empty", "")
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want *types.ResourceNotFoundException", err)
	}
	want := "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
	if got := nf.ErrorMessage(); got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}
