package rotation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

const (
	testSecretID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
	testToken    = "r1"
	testCurrent  = `{"engine":"mysql","host":"db","username":"app","password":"cur-S3cret"}`
)

// stubStrategy records its calls and returns what its fields say.
type stubStrategy struct {
	value                         string
	createErr, checkErr, setErr   error
	created, checked, set, tested atomic.Int32
	panicWith                     any
}

func (s *stubStrategy) CreateSecret(ctx context.Context, r *Invocation) (string, error) {
	s.created.Add(1)
	if s.panicWith != nil {
		panic(s.panicWith)
	}
	return s.value, s.createErr
}

func (s *stubStrategy) CheckPending(ctx context.Context, r *Invocation) error {
	s.checked.Add(1)
	return s.checkErr
}

func (s *stubStrategy) SetSecret(ctx context.Context, r *Invocation) error {
	s.set.Add(1)
	return s.setErr
}

func (s *stubStrategy) TestSecret(ctx context.Context, r *Invocation) error {
	s.tested.Add(1)
	return nil
}

// world is a fake Secrets Manager with a secret in rotation, a handler on
// it and the handler's log.
type world struct {
	sm  *fakeSM
	st  *stubStrategy
	h   *Handler
	log *bytes.Buffer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{sm: newFakeSM(), st: &stubStrategy{value: `{"password":"new-S3cret"}`}, log: new(bytes.Buffer)}
	w.sm.create(testSecretID, testCurrent)
	w.sm.startRotation(testSecretID, testToken)
	w.h = &Handler{Client: w.sm, Strategy: w.st, Logger: slog.New(slog.NewJSONHandler(w.log, nil))}
	return w
}

func (w *world) handle(step Step) error {
	return w.h.Handle(context.Background(), Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: step, RotationToken: "rt-1"})
}

// kindOf returns the Kind of an *Error, or -1.
func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return -1
}

func TestHandlerChecksBeforeEveryStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(w *world)
		ev    Event
		want  Kind // -1: no error
		text  string
	}{
		{"rotation disabled", func(w *world) { w.sm.secrets[testSecretID].enabled = aws.Bool(false) },
			Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: TestSecret}, NotRotatable, "not enabled"},
		{"token not a version", nil,
			Event{SecretID: testSecretID, ClientRequestToken: "other", Step: SetSecret}, NotRotatable, "version other has no stage"},
		{"version not pending", func(w *world) { w.sm.put(testSecretID, "old", "{}", "CUSTOM") },
			Event{SecretID: testSecretID, ClientRequestToken: "old", Step: SetSecret}, NotRotatable, "not labelled AWSPENDING"},
		{"version already current", func(w *world) { w.sm.put(testSecretID, testToken, "{}", StageCurrent) },
			Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: SetSecret}, -1, ""},
		{"invalid step", nil,
			Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: "rotate"}, NotRotatable, `invalid step "rotate"`},
		{"no token", nil, Event{SecretID: testSecretID, Step: SetSecret}, NotRotatable, "no ClientRequestToken"},
		{"no such secret", nil,
			Event{SecretID: "missing", ClientRequestToken: testToken, Step: SetSecret}, SecretsManagerFailed, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tt.setup != nil {
				tt.setup(w)
			}
			err := w.h.Handle(context.Background(), tt.ev)
			if got := kindOf(err); got != tt.want || tt.want == -1 && err != nil {
				t.Fatalf("Handle = %v (kind %v), want kind %v", err, got, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not say %q", err, tt.text)
			}
			if n := w.st.checked.Load() + w.st.set.Load() + w.st.tested.Load(); n != 0 {
				t.Errorf("strategy called %d times, want 0", n)
			}
		})
	}
}

func TestCreateSecretPutsPendingOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for range 2 {
		if err := w.handle(CreateSecret); err != nil {
			t.Fatalf("createSecret: %v", err)
		}
	}
	if n := w.st.created.Load(); n != 1 {
		t.Errorf("Strategy.CreateSecret called %d times, want 1", n)
	}
	if n := w.sm.count("PutSecretValue"); n != 1 {
		t.Errorf("PutSecretValue called %d times, want 1", n)
	}
	put := w.sm.lastPut
	if got := aws.ToString(put.ClientRequestToken); got != testToken {
		t.Errorf("ClientRequestToken = %q, want %q", got, testToken)
	}
	if got := aws.ToString(put.RotationToken); got != "rt-1" {
		t.Errorf("RotationToken = %q, want the event's", got)
	}
	if len(put.VersionStages) != 1 || put.VersionStages[0] != StagePending {
		t.Errorf("VersionStages = %v, want [AWSPENDING]", put.VersionStages)
	}
	if v := w.sm.value(testSecretID, testToken); v == nil || *v != w.st.value {
		t.Errorf("the token's version holds %v, want the strategy's value", v)
	}
	if stages := w.sm.stages(testSecretID); stages[StageCurrent] != "v0" || stages[StagePending] != testToken {
		t.Errorf("labels = %v, want AWSCURRENT on v0 and AWSPENDING on %s", stages, testToken)
	}
}

func TestCreateSecretWithoutRotationToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	err := w.h.Handle(context.Background(), Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: CreateSecret})
	if err != nil {
		t.Fatal(err)
	}
	if w.sm.lastPut.RotationToken != nil {
		t.Errorf("RotationToken = %q, want none when the event has none", *w.sm.lastPut.RotationToken)
	}
}

func TestSetSecretChecksFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.sm.put(testSecretID, testToken, "{}", StagePending)
	w.st.checkErr = &Error{Kind: Mismatch, Problem: "other host"}
	if err := w.handle(SetSecret); kindOf(err) != Mismatch {
		t.Fatalf("setSecret = %v, want the check's Mismatch", err)
	}
	if n := w.st.set.Load(); n != 0 {
		t.Errorf("SetSecret ran %d times after a failed check, want 0", n)
	}
	w.st.checkErr = nil
	if err := w.handle(SetSecret); err != nil || w.st.set.Load() != 1 {
		t.Errorf("setSecret = %v with %d SetSecret calls, want nil and 1", err, w.st.set.Load())
	}
}

func TestFinishSecretMovesCurrentOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.sm.put(testSecretID, testToken, "{}", StagePending)
	for range 2 {
		if err := w.handle(FinishSecret); err != nil {
			t.Fatalf("finishSecret: %v", err)
		}
	}
	if n := w.sm.count("UpdateSecretVersionStage"); n != 1 {
		t.Errorf("UpdateSecretVersionStage called %d times, want 1", n)
	}
	want := map[string]string{StageCurrent: testToken, StagePending: testToken, StagePrevious: "v0"}
	if got := w.sm.stages(testSecretID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("labels = %v, want %v", got, want)
	}
}

func TestSecretsManagerUnreachable(t *testing.T) {
	t.Parallel()
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	t.Run("call timeout", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.h.CallTimeout = 50 * time.Millisecond
		w.sm.failWith("DescribeSecret", hang)
		err := w.handle(SetSecret)
		if kindOf(err) != SecretsManagerUnreachable {
			t.Fatalf("got %v, want SecretsManagerUnreachable", err)
		}
		for _, want := range []string{"DescribeSecret", "VPC endpoint", "NAT gateway", "Lambda timeout"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	})
	t.Run("before the Lambda deadline", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.sm.failWith("GetSecretValue", hang)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err := w.h.Handle(ctx, Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: CreateSecret})
		if kindOf(err) != SecretsManagerUnreachable || ctx.Err() != nil {
			t.Errorf("got %v with the invocation's context %v, want SecretsManagerUnreachable before the deadline", err, ctx.Err())
		}
	})
}

func TestSecretsManagerErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.sm.failWith("GetSecretValue", func(context.Context) error {
		return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	})
	err := w.handle(CreateSecret)
	var e *Error
	if !errors.As(err, &e) || e.Kind != SecretsManagerFailed || e.Op != "GetSecretValue" || e.Stage != StageCurrent {
		t.Fatalf("got %#v, want a SecretsManagerFailed *Error for GetSecretValue of AWSCURRENT", err)
	}
	if !strings.Contains(err.Error(), "secretsmanager:GetSecretValue") {
		t.Errorf("error %q does not name the permission", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Errorf("the SDK's error is not reachable with errors.As")
	}
}

func TestStrategyErrorsAreRedacted(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"error", "panic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if name == "panic" {
				w.st.panicWith = "cannot use cur-S3cret"
			} else {
				w.st.createErr = fmt.Errorf("cannot use %s", "cur-S3cret")
			}
			err := w.handle(CreateSecret)
			if kindOf(err) != Failed {
				t.Fatalf("got %v, want kind Failed", err)
			}
			if strings.Contains(err.Error(), "cur-S3cret") || errors.Unwrap(err) != nil && strings.Contains(errors.Unwrap(err).Error(), "cur-S3cret") {
				t.Errorf("error %q shows the password", err)
			}
			if !strings.Contains(err.Error(), "cannot use "+redacted) {
				t.Errorf("error %q lost its text", err)
			}
			if strings.Contains(w.log.String(), "cur-S3cret") {
				t.Errorf("log shows the password: %s", w.log)
			}
		})
	}
}

func TestHandlerLogs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, step := range []Step{CreateSecret, SetSecret, TestSecret, FinishSecret, FinishSecret} {
		if err := w.handle(step); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(w.log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if rec["secretId"] != testSecretID || rec["version"] != testToken || rec["step"] == "" {
			t.Errorf("record %v lacks the step, secret or version", rec)
		}
		msgs = append(msgs, rec["step"].(string)+": "+rec["msg"].(string))
	}
	want := []string{
		"createSecret: step started", "createSecret: put the new value as AWSPENDING",
		"setSecret: step started", "testSecret: step started",
		"finishSecret: step started", "finishSecret: moved AWSCURRENT to the new version",
		"finishSecret: step started", "finishSecret: version already AWSCURRENT: nothing to do",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	for _, pw := range []string{"cur-S3cret", "new-S3cret"} {
		if strings.Contains(w.log.String(), pw) {
			t.Errorf("log shows a password")
		}
	}
}

func TestHandlerNeedsClientAndStrategy(t *testing.T) {
	t.Parallel()
	h := &Handler{Logger: slog.New(slog.DiscardHandler)}
	err := h.Handle(context.Background(), Event{SecretID: "s", ClientRequestToken: "t", Step: SetSecret})
	if kindOf(err) != Failed {
		t.Errorf("got %v, want a Failed *Error", err)
	}
}
