package secretsmanagertest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// count returns how many times step was invoked.
func (r *recorder) count(step string) int {
	n := 0
	for _, s := range r.steps() {
		if s == step {
			n++
		}
	}
	return n
}

func TestRotationRetriesThenStaysPending(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	old := currentVersion(t, c, "db")
	var rec recorder
	if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, failAt("setSecret", -1))); err != nil {
		t.Fatal(err)
	}
	token := rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})

	err := waitRotation(t, srv, "db")
	var rotErr *secretsmanagertest.RotationError
	if !errors.As(err, &rotErr) || rotErr.Step != "setSecret" || rotErr.Attempts != secretsmanagertest.DefaultRotationAttempts ||
		rotErr.VersionID != token || !strings.Contains(err.Error(), "setSecret refused") {
		t.Fatalf("WaitRotation: got %v, want a *RotationError at setSecret after %d attempts", err, secretsmanagertest.DefaultRotationAttempts)
	}
	if got := rec.count("createSecret"); got != secretsmanagertest.DefaultRotationAttempts {
		t.Errorf("createSecret invocations: got %d, want one per attempt, %d", got, secretsmanagertest.DefaultRotationAttempts)
	}
	for _, req := range rec.all() {
		if req.ClientRequestToken != token {
			t.Errorf("a retry used token %s, want the same token %s", req.ClientRequestToken, token)
		}
	}
	stages := describeStages(t, c, "db")
	if !slices.Equal(stages[token], []string{"AWSPENDING"}) || !slices.Equal(stages[old], []string{"AWSCURRENT"}) {
		t.Errorf("labels after the failed rotation: got %v, want AWSPENDING still on %s and AWSCURRENT on %s", stages, token, old)
	}

	_, err = c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	var inv *types.InvalidRequestException
	if !errors.As(err, &inv) || inv.ErrorMessage() != "A previous rotation isn't complete. That rotation will be reattempted." {
		t.Fatalf("RotateSecret while pending: got %v, want AWS's InvalidRequestException", err)
	}

	cancelled, err := c.CancelRotateSecret(context.Background(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatalf("CancelRotateSecret: %v", err)
	}
	if got := aws.ToString(cancelled.VersionId); got != token {
		t.Errorf("CancelRotateSecret VersionId: got %q, want the pending version %q", got, token)
	}
	desc, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.RotationEnabled == nil || *desc.RotationEnabled || desc.NextRotationDate != nil || desc.RotationLambdaARN == nil {
		t.Errorf("after CancelRotateSecret: got RotationEnabled %v NextRotationDate %v RotationLambdaARN %v, want false, none, kept",
			desc.RotationEnabled, desc.NextRotationDate, desc.RotationLambdaARN)
	}
	// As AWS documents, the cancelled rotation's AWSPENDING version blocks
	// the next rotation until the caller removes the label.
	if _, err = c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")}); !errors.As(err, &inv) {
		t.Fatalf("RotateSecret after cancel, before clean-up: got %v, want *types.InvalidRequestException", err)
	}
	if _, err := c.UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String("db"), VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: aws.String(token),
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, nil)); err != nil {
		t.Fatal(err)
	}
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Errorf("rotation after clean-up: %v", err)
	}
}

func TestRotationRetrySucceeds(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	var rec recorder
	if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, failAt("testSecret", 1))); err != nil {
		t.Fatal(err)
	}
	token := rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Fatalf("WaitRotation: %v", err)
	}
	want := []string{"createSecret", "setSecret", "testSecret", "createSecret", "setSecret", "testSecret", "finishSecret"}
	if got := rec.steps(); !slices.Equal(got, want) {
		t.Errorf("steps: got %v, want %v", got, want)
	}
	if got := currentVersion(t, c, "db"); got != token {
		t.Errorf("AWSCURRENT: got %s, want %s", got, token)
	}
}

func TestRotationAttemptsOption(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, secretsmanagertest.WithRotationAttempts(1))
	mustCreate(t, srv, "db", "old")
	var rec recorder
	if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, failAt("createSecret", -1))); err != nil {
		t.Fatal(err)
	}
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	var rotErr *secretsmanagertest.RotationError
	if err := waitRotation(t, srv, "db"); !errors.As(err, &rotErr) || rotErr.Attempts != 1 {
		t.Fatalf("got %v, want a *RotationError after 1 attempt", err)
	}
	if got := rec.steps(); !slices.Equal(got, []string{"createSecret"}) {
		t.Errorf("steps: got %v, want [createSecret]", got)
	}
}

func TestRotateImmediatelyFalse(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	old := currentVersion(t, c, "db")
	var (
		rec     recorder
		pending atomic.Value
	)
	err := srv.SetRotationFunc("db", func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		rec.record(req)
		out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId: aws.String(req.SecretID), VersionId: aws.String(req.ClientRequestToken), VersionStage: aws.String("AWSPENDING"),
		})
		if err != nil {
			return err
		}
		pending.Store(aws.ToString(out.SecretString))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	token := rotate(t, c, &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
	})
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Fatalf("WaitRotation: %v", err)
	}
	if got := rec.steps(); !slices.Equal(got, []string{"testSecret"}) {
		t.Errorf("steps: got %v, want [testSecret]", got)
	}
	if got := pending.Load(); got != "old" {
		t.Errorf("AWSPENDING during the test: got %v, want a copy of AWSCURRENT, %q", got, "old")
	}
	stages := describeStages(t, c, "db")
	if _, ok := stages[token]; ok || len(stages) != 1 || !slices.Equal(stages[old], []string{"AWSCURRENT"}) {
		t.Errorf("labels after the test: got %v, want only AWSCURRENT on %s", stages, old)
	}
	desc, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(desc.RotationEnabled) || desc.NextRotationDate == nil || desc.LastRotatedDate != nil {
		t.Errorf("got RotationEnabled %v NextRotationDate %v LastRotatedDate %v, want true, a date, none",
			desc.RotationEnabled, desc.NextRotationDate, desc.LastRotatedDate)
	}
}

// blockUntilDone returns a rotation function that signals entering step and
// then waits for its context to end; it records the context's error.
func blockUntilDone(step string, entered chan<- struct{}, ctxErr *atomic.Value, release <-chan struct{}) secretsmanagertest.RotationFunc {
	return func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		if req.Step != step {
			return nil
		}
		entered <- struct{}{}
		<-ctx.Done()
		ctxErr.Store(ctx.Err())
		if release != nil {
			<-release
		}
		return ctx.Err()
	}
}

func TestCancelRotateSecretStopsTheRotation(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	entered := make(chan struct{}, 10)
	var ctxErr atomic.Value
	if err := srv.SetRotationFunc("db", blockUntilDone("setSecret", entered, &ctxErr, nil)); err != nil {
		t.Fatal(err)
	}
	token := rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	<-entered
	out, err := c.CancelRotateSecret(context.Background(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatalf("CancelRotateSecret: %v", err)
	}
	if got := aws.ToString(out.VersionId); got != token {
		t.Errorf("VersionId: got %q, want %q", got, token)
	}
	if err := waitRotation(t, srv, "db"); !errors.Is(err, secretsmanagertest.ErrRotationCancelled) {
		t.Errorf("WaitRotation: got %v, want ErrRotationCancelled", err)
	}
	if got := ctxErr.Load(); got != context.Canceled {
		t.Errorf("the step's context ended with %v, want context.Canceled", got)
	}
	if len(entered) != 0 {
		t.Errorf("setSecret ran %d more times after the cancellation, want 0", len(entered))
	}
}

func TestCloseWaitsForRotation(t *testing.T) {
	t.Parallel()
	srv := secretsmanagertest.NewServer()
	c := srv.Client()
	mustCreate(t, srv, "db", "old")
	entered, release := make(chan struct{}, 10), make(chan struct{})
	var ctxErr atomic.Value
	if err := srv.SetRotationFunc("db", blockUntilDone("createSecret", entered, &ctxErr, release)); err != nil {
		t.Fatal(err)
	}
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	<-entered
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	waitFor(t, "the rotation's context to end", func() bool { return ctxErr.Load() != nil })
	select {
	case <-closed:
		t.Fatal("Close returned while the rotation function was still running")
	default:
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return after the rotation function did")
	}
	if err := srv.WaitRotation(context.Background(), "db"); !errors.Is(err, secretsmanagertest.ErrRotationCancelled) {
		t.Errorf("WaitRotation after Close: got %v, want ErrRotationCancelled", err)
	}
	if len(entered) != 0 {
		t.Errorf("createSecret ran again after Close, %d times", len(entered))
	}
}

func TestRotationStepTimeout(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, secretsmanagertest.WithRotationStepTimeout(20*time.Millisecond), secretsmanagertest.WithRotationAttempts(2))
	mustCreate(t, srv, "db", "old")
	entered := make(chan struct{}, 10)
	var ctxErr atomic.Value
	if err := srv.SetRotationFunc("db", blockUntilDone("createSecret", entered, &ctxErr, nil)); err != nil {
		t.Fatal(err)
	}
	rotate(t, srv.Client(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	var rotErr *secretsmanagertest.RotationError
	if err := waitRotation(t, srv, "db"); !errors.As(err, &rotErr) || !errors.Is(err, context.DeadlineExceeded) || rotErr.Attempts != 2 {
		t.Fatalf("got %v, want a *RotationError wrapping context.DeadlineExceeded after 2 attempts", err)
	}
	if got := len(entered); got != 2 {
		t.Errorf("createSecret invocations: got %d, want 2", got)
	}
}

func TestRotationFuncPanic(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	err := srv.SetRotationFunc("db", func(_ context.Context, req secretsmanagertest.RotationRequest) error {
		if req.Step == secretsmanagertest.StepSetSecret {
			panic("boom in setSecret")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	var rotErr *secretsmanagertest.RotationError
	if err := waitRotation(t, srv, "db"); !errors.As(err, &rotErr) || rotErr.Step != "setSecret" || !strings.Contains(err.Error(), "panicked") ||
		!strings.Contains(err.Error(), "boom in setSecret") {
		t.Fatalf("got %v, want a *RotationError at setSecret reporting the panic", err)
	}
	if _, err := getString(t, c, "db", ""); err != nil {
		t.Errorf("the server after the panic: %v", err)
	}
}

// TestReadsDuringRotations reads AWSCURRENT without pause while rotations
// run: every read succeeds, and the values only move forward.
func TestReadsDuringRotations(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "0")
	var (
		stop   atomic.Bool
		failed atomic.Value
		wg     sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for !stop.Load() {
				out, err := getString(t, c, "db", "")
				if err != nil {
					failed.Store(err.Error())
					return
				}
				v, _ := strconv.Atoi(aws.ToString(out.SecretString))
				if v < last {
					failed.Store(fmt.Sprintf("read %d after %d", v, last))
					return
				}
				last = v
			}
		}()
	}
	for i := 1; i <= 5; i++ {
		var rec recorder
		if err := srv.SetRotationFunc("db", templateRotation(c, strconv.Itoa(i), &rec, nil)); err != nil {
			t.Fatal(err)
		}
		rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
		if err := waitRotation(t, srv, "db"); err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Errorf("a read during the rotations: %v", f)
	}
	if out, err := getString(t, c, "db", ""); err != nil || aws.ToString(out.SecretString) != "5" {
		t.Errorf("after five rotations: got %v, %v, want 5", out, err)
	}
}
