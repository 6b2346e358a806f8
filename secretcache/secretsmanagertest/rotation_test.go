package secretsmanagertest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// standardRotation is a rotation function written like AWS's single-user
// template, talking to the server through a client.
func standardRotation(c *secretsmanager.Client, newValue string, steps *[]string, mu *sync.Mutex) secretsmanagertest.RotationFunc {
	return func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		mu.Lock()
		*steps = append(*steps, req.Step)
		mu.Unlock()
		switch req.Step {
		case secretsmanagertest.StepCreateSecret:
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
				SecretId: aws.String(req.SecretID), ClientRequestToken: aws.String(req.ClientRequestToken),
				SecretString: aws.String(newValue), VersionStages: []string{"AWSPENDING"},
			})
			return err
		case secretsmanagertest.StepFinishSecret:
			cur, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.SecretID)})
			if err != nil {
				return err
			}
			_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
				SecretId: aws.String(req.SecretID), VersionStage: aws.String("AWSCURRENT"),
				MoveToVersionId: aws.String(req.ClientRequestToken), RemoveFromVersionId: cur.VersionId,
			})
			return err
		}
		return nil
	}
}

func TestRotateSecretFourSteps(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	arn := mustCreate(t, srv, "db", "old")
	old := currentVersion(t, c, "db")
	var (
		mu    sync.Mutex
		steps []string
	)
	if err := srv.SetRotationFunc("db", standardRotation(c, "new", &steps, &mu)); err != nil {
		t.Fatal(err)
	}

	out, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	want := []string{"createSecret", "setSecret", "testSecret", "finishSecret"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps: got %v, want %v", steps, want)
	}
	newID := aws.ToString(out.VersionId)
	stages := describeStages(t, c, "db")
	if got := stages[newID]; !slices.Equal(got, []string{"AWSCURRENT", "AWSPENDING"}) {
		t.Errorf("new version stages: got %v, want [AWSCURRENT AWSPENDING]", got)
	}
	if got := stages[old]; !slices.Equal(got, []string{"AWSPREVIOUS"}) {
		t.Errorf("old version stages: got %v, want [AWSPREVIOUS]", got)
	}
	desc, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(desc.RotationEnabled) || desc.LastRotatedDate == nil {
		t.Errorf("got RotationEnabled %v LastRotatedDate %v, want true and a date", aws.ToBool(desc.RotationEnabled), desc.LastRotatedDate)
	}
}

func TestRotateSecretErrors(t *testing.T) {
	t.Parallel()
	failAt := func(step string) secretsmanagertest.RotationFunc {
		return func(_ context.Context, req secretsmanagertest.RotationRequest) error {
			if req.Step == step {
				return errors.New("boom")
			}
			return nil
		}
	}
	tests := []struct {
		name string
		fn   secretsmanagertest.RotationFunc
	}{
		{"no function", nil},
		{"step fails", failAt(secretsmanagertest.StepSetSecret)},
		{"finish does not move AWSCURRENT", failAt("none")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "db", "old")
			if err := srv.SetRotationFunc("db", tt.fn); err != nil {
				t.Fatal(err)
			}
			_, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
			var inv *types.InvalidRequestException
			if !errors.As(err, &inv) {
				t.Fatalf("got %v, want *types.InvalidRequestException", err)
			}
		})
	}
}

func TestRotateSecretRefusedWhilePending(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	if _, err := srv.PutSecretValue("db", "half-done", "AWSPENDING"); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetRotationFunc("db", func(context.Context, secretsmanagertest.RotationRequest) error { return nil }); err != nil {
		t.Fatal(err)
	}
	_, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	var inv *types.InvalidRequestException
	if !errors.As(err, &inv) {
		t.Fatalf("RotateSecret: got %v, want *types.InvalidRequestException", err)
	}
	if _, err := srv.Rotate(context.Background(), "db", "x"); !errors.As(err, &inv) {
		t.Fatalf("Rotate: got %v, want *types.InvalidRequestException", err)
	}
}

func TestRotateHelper(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	old := currentVersion(t, c, "db")
	srv.ResetCalls()

	id, err := srv.Rotate(context.Background(), "db", "new")
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	stages, err := srv.VersionStages("db")
	if err != nil {
		t.Fatal(err)
	}
	if got := stages[id]; !slices.Equal(got, []string{"AWSCURRENT"}) {
		t.Errorf("new version: got %v, want [AWSCURRENT]", got)
	}
	if got := stages[old]; !slices.Equal(got, []string{"AWSPREVIOUS"}) {
		t.Errorf("old version: got %v, want [AWSPREVIOUS]", got)
	}
	out, err := getString(t, c, "db", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.SecretString); got != "new" {
		t.Errorf("value: got %q, want %q", got, "new")
	}
	if got := srv.Calls("PutSecretValue") + srv.Calls("UpdateSecretVersionStage"); got != 0 {
		t.Errorf("requests made by Rotate: got %d, want 0", got)
	}

	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := srv.Rotate(ctx, "db", "newer"); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
}

func TestSetRotationFuncMissingSecret(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	var nf *types.ResourceNotFoundException
	if err := srv.SetRotationFunc("nope", nil); !errors.As(err, &nf) {
		t.Errorf("got %v, want *types.ResourceNotFoundException", err)
	}
}
