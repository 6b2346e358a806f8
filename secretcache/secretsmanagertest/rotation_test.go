package secretsmanagertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// recorder keeps the requests a rotation function received.
type recorder struct {
	mu   sync.Mutex
	reqs []secretsmanagertest.RotationRequest
}

func (r *recorder) record(req secretsmanagertest.RotationRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
}

func (r *recorder) all() []secretsmanagertest.RotationRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *recorder) steps() []string {
	var steps []string
	for _, req := range r.all() {
		steps = append(steps, req.Step)
	}
	return steps
}

// templateRotation is a rotation function written like AWS's generic
// Python template, talking to the server through a client: it checks the
// version is staged for rotation, creates the AWSPENDING value in
// createSecret unless it exists, and moves AWSCURRENT in finishSecret.
// fail, when not nil, may fail a step before the template runs it.
func templateRotation(c *secretsmanager.Client, newValue string, rec *recorder, fail func(step string) error) secretsmanagertest.RotationFunc {
	return func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		rec.record(req)
		id, token := aws.String(req.SecretID), aws.String(req.ClientRequestToken)
		desc, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: id})
		if err != nil {
			return err
		}
		if !aws.ToBool(desc.RotationEnabled) {
			return errors.New("secret is not enabled for rotation")
		}
		stages, ok := desc.VersionIdsToStages[req.ClientRequestToken]
		switch {
		case !ok:
			return errors.New("version has no stage for rotation")
		case slices.Contains(stages, "AWSCURRENT"):
			return nil
		case !slices.Contains(stages, "AWSPENDING"):
			return errors.New("version not set as AWSPENDING")
		}
		if fail != nil {
			if err := fail(req.Step); err != nil {
				return err
			}
		}
		switch req.Step {
		case secretsmanagertest.StepCreateSecret:
			if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id, VersionStage: aws.String("AWSCURRENT")}); err != nil {
				return err
			}
			_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id, VersionId: token, VersionStage: aws.String("AWSPENDING")})
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) {
				return err
			}
			_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
				SecretId: id, ClientRequestToken: token, SecretString: aws.String(newValue),
				VersionStages: []string{"AWSPENDING"}, RotationToken: aws.String(req.RotationToken),
			})
			return err
		case secretsmanagertest.StepFinishSecret:
			var current *string
			for v, stages := range desc.VersionIdsToStages {
				if slices.Contains(stages, "AWSCURRENT") {
					current = aws.String(v)
				}
			}
			_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
				SecretId: id, VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: token, RemoveFromVersionId: current,
			})
			return err
		}
		return nil
	}
}

// rotate calls RotateSecret and returns the rotation's version ID.
func rotate(t *testing.T, c *secretsmanager.Client, in *secretsmanager.RotateSecretInput) string {
	t.Helper()
	out, err := c.RotateSecret(context.Background(), in)
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	return aws.ToString(out.VersionId)
}

// waitRotation waits for a rotation's outcome, with a generous deadline.
func waitRotation(t *testing.T, srv *secretsmanagertest.Server, id string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.WaitRotation(ctx, id)
	if ctx.Err() != nil {
		t.Fatalf("WaitRotation: the rotation did not end: %v", err)
	}
	return err
}

func TestRotateSecretFourSteps(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	arn := mustCreate(t, srv, "db", "old")
	old := currentVersion(t, c, "db")
	var rec recorder
	if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, nil)); err != nil {
		t.Fatal(err)
	}

	newID := rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Fatalf("WaitRotation: %v", err)
	}
	want := []string{"createSecret", "setSecret", "testSecret", "finishSecret"}
	if got := rec.steps(); !slices.Equal(got, want) {
		t.Errorf("steps: got %v, want %v", got, want)
	}
	for _, req := range rec.all() {
		if req.SecretID != arn || req.ClientRequestToken != newID || req.RotationToken == "" || req.RotationToken != rec.all()[0].RotationToken {
			t.Errorf("%s: got %+v, want SecretID %s, ClientRequestToken %s and the rotation's one RotationToken", req.Step, req, arn, newID)
		}
	}
	stages := describeStages(t, c, "db")
	if got := stages[newID]; !slices.Equal(got, []string{"AWSCURRENT", "AWSPENDING"}) {
		t.Errorf("new version stages: got %v, want [AWSCURRENT AWSPENDING]", got)
	}
	if got := stages[old]; !slices.Equal(got, []string{"AWSPREVIOUS"}) {
		t.Errorf("old version stages: got %v, want [AWSPREVIOUS]", got)
	}
	if out, err := getString(t, c, "db", ""); err != nil || aws.ToString(out.SecretString) != "new" {
		t.Errorf("AWSCURRENT after rotation: got %v, %v, want the new value", out, err)
	}
}

// TestRotateSecretReturnsBeforeFirstStep holds createSecret to look at the
// secret as the rotation function first sees it.
func TestRotateSecretReturnsBeforeFirstStep(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	started, release := make(chan secretsmanagertest.RotationRequest, 1), make(chan struct{})
	err := srv.SetRotationFunc("db", func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		if req.Step == secretsmanagertest.StepCreateSecret {
			started <- req
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	cancel() // the request is over: the rotation must not depend on its context
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	token := aws.ToString(out.VersionId)
	req := <-started
	if req.ClientRequestToken != token {
		t.Errorf("ClientRequestToken: got %q, want the VersionId RotateSecret returned, %q", req.ClientRequestToken, token)
	}

	if got := describeStages(t, c, "db")[token]; !slices.Equal(got, []string{"AWSPENDING"}) {
		t.Errorf("placeholder stages: got %v, want [AWSPENDING]", got)
	}
	for _, in := range []*secretsmanager.GetSecretValueInput{
		{SecretId: aws.String("db"), VersionId: aws.String(token), VersionStage: aws.String("AWSPENDING")},
		{SecretId: aws.String("db"), VersionId: aws.String(token)},
		{SecretId: aws.String("db"), VersionStage: aws.String("AWSPENDING")},
	} {
		_, err := c.GetSecretValue(context.Background(), in)
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("GetSecretValue(VersionId %v, VersionStage %v) of the placeholder: got %v, want *types.ResourceNotFoundException",
				aws.ToString(in.VersionId), aws.ToString(in.VersionStage), err)
		}
	}
	versions, err := c.ListSecretVersionIds(context.Background(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(versions.Versions, func(v types.SecretVersionsListEntry) bool { return aws.ToString(v.VersionId) == token }) {
		t.Errorf("ListSecretVersionIds: the placeholder %s is missing", token)
	}
	close(release)
	if err := waitRotation(t, srv, "db"); !errors.Is(err, secretsmanagertest.ErrRotationNotFinished) {
		t.Errorf("WaitRotation: got %v, want ErrRotationNotFinished (the function moved nothing)", err)
	}
}

func TestRotationRequestJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(secretsmanagertest.RotationRequest{Step: "createSecret", SecretID: "arn", ClientRequestToken: "tok", RotationToken: "rt"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Step":"createSecret","SecretId":"arn","ClientRequestToken":"tok","RotationToken":"rt"}`; string(b) != want {
		t.Errorf("got %s, want the Lambda event %s", b, want)
	}
}

func TestWaitRotationWithoutRotation(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	mustCreate(t, srv, "db", "v")
	if err := srv.WaitRotation(context.Background(), "db"); err == nil {
		t.Error("got nil for a secret never rotated, want an error")
	}
	var nf *types.ResourceNotFoundException
	if err := srv.WaitRotation(context.Background(), "nope"); !errors.As(err, &nf) {
		t.Errorf("got %v for a missing secret, want *types.ResourceNotFoundException", err)
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
	if !errors.As(err, &inv) || inv.ErrorMessage() != "A previous rotation isn't complete. That rotation will be reattempted." {
		t.Fatalf("RotateSecret: got %v, want AWS's InvalidRequestException", err)
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

// failAt returns a fail function for templateRotation that fails step the
// first times times it runs, then lets it through.
func failAt(step string, times int) func(string) error {
	var mu sync.Mutex
	return func(s string) error {
		mu.Lock()
		defer mu.Unlock()
		if s != step || times == 0 {
			return nil
		}
		times--
		return fmt.Errorf("%s refused", s)
	}
}
