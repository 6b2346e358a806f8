package rotation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Handler runs the steps of a rotation, one per invocation, as AWS's
// rotation templates do:
//
//  1. Every step first describes the secret and checks, in this order, that
//     rotation is not disabled, that the event's token is a version of the
//     secret, and that this version is labelled AWSPENDING. A version that
//     already carries AWSCURRENT means the rotation is over: the step does
//     nothing.
//  2. createSecret reads AWSCURRENT, then the event's version: if it has a
//     value, it does nothing; otherwise it puts the value
//     Strategy.CreateSecret makes under the token, labelled AWSPENDING,
//     with the event's RotationToken.
//  3. setSecret runs Strategy.CheckPending, then Strategy.SetSecret.
//  4. testSecret runs Strategy.TestSecret.
//  5. finishSecret moves AWSCURRENT from the version that has it to the
//     token's, in one UpdateSecretVersionStage call; Secrets Manager moves
//     AWSPREVIOUS to the old version. AWSPENDING stays on the new version,
//     as the templates leave it.
//
// Each step logs what it decided; a failed step logs its error and returns
// it as an *Error. A Handler's fields must not change once it handles
// events; it is safe for concurrent use when its Client, Strategy and
// Logger are.
type Handler struct {
	// Client calls Secrets Manager. Required.
	Client Client
	// Strategy does what depends on the kind of secret. Required.
	Strategy Strategy
	// Logger receives one record per decision; nil means slog.Default().
	// Records carry the step, secret ID and version ID, never a value.
	Logger *slog.Logger
	// CallTimeout bounds each Secrets Manager call; 0 means
	// DefaultCallTimeout. A call also ends half a second before the
	// context's deadline (the Lambda timeout), so that the step can say
	// why it failed.
	CallTimeout time.Duration
}

// Handle runs the step ev names. Its signature is the one lambda.Start
// expects, so a Lambda function's main can be:
//
//	lambda.Start(h.Handle)
//
// It returns nil when the step succeeded or had nothing to do, and an
// *Error otherwise. A panic in the Strategy is recovered and returned as an
// *Error of kind Failed.
func (h *Handler) Handle(ctx context.Context, ev Event) (err error) {
	log := h.logger().With(slog.String("step", string(ev.Step)), slog.String("secretId", ev.SecretID),
		slog.String("version", ev.ClientRequestToken))
	r := &Invocation{Event: ev, client: h.Client, timeout: h.callTimeout(), log: log, values: make(map[versionRef]string)}
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Kind: Failed, Problem: "the strategy panicked", Err: fmt.Errorf("%v", p)}
		}
		if err != nil {
			err = h.fail(ctx, r, err)
		}
	}()
	log.InfoContext(ctx, "step started")
	return h.run(ctx, r)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) callTimeout() time.Duration {
	if h.CallTimeout > 0 {
		return h.CallTimeout
	}
	return DefaultCallTimeout
}

// fail turns err into a sealed *Error and logs it.
func (h *Handler) fail(ctx context.Context, r *Invocation, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: Failed, Problem: "the strategy failed", Err: err}
	}
	e.seal(r.Event.Step, r.Event.SecretID, r.sensitive())
	attrs := []any{slog.String("kind", e.Kind.String()), slog.String("error", e.Error())}
	if e.Stage != "" {
		attrs = append(attrs, slog.String("stage", e.Stage))
	}
	r.log.ErrorContext(ctx, "step failed", attrs...)
	return e
}

// run is steps 1 to 5 of the Handler's documentation.
func (h *Handler) run(ctx context.Context, r *Invocation) error {
	ev := r.Event
	if h.Client == nil || h.Strategy == nil {
		return &Error{Kind: Failed, Problem: "the Handler needs a Client and a Strategy"}
	}
	if !ev.Step.valid() {
		return &Error{Kind: NotRotatable, Problem: fmt.Sprintf("invalid step %q: want createSecret, setSecret, testSecret or finishSecret", ev.Step)}
	}
	if ev.SecretID == "" || ev.ClientRequestToken == "" {
		return &Error{Kind: NotRotatable, Problem: "the event has no SecretId or no ClientRequestToken"}
	}
	desc, err := call(ctx, r.timeout, "DescribeSecret", "", func(ctx context.Context) (*secretsmanager.DescribeSecretOutput, error) {
		return h.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	})
	if err != nil {
		return err
	}
	if desc.RotationEnabled != nil && !*desc.RotationEnabled {
		return &Error{Kind: NotRotatable, Problem: "rotation is not enabled for the secret"}
	}
	stages, ok := desc.VersionIdsToStages[ev.ClientRequestToken]
	switch {
	case !ok:
		return &Error{Kind: NotRotatable, Problem: "version " + ev.ClientRequestToken + " has no stage for rotation of the secret"}
	case slices.Contains(stages, StageCurrent):
		r.log.InfoContext(ctx, "version already AWSCURRENT: nothing to do")
		return nil
	case !slices.Contains(stages, StagePending):
		return &Error{Kind: NotRotatable, Stage: StagePending, Problem: "version " + ev.ClientRequestToken + " is not labelled AWSPENDING"}
	}

	switch ev.Step {
	case CreateSecret:
		return h.createSecret(ctx, r)
	case SetSecret:
		if err := h.Strategy.CheckPending(ctx, r); err != nil {
			return err
		}
		return h.Strategy.SetSecret(ctx, r)
	case TestSecret:
		return h.Strategy.TestSecret(ctx, r)
	default: // FinishSecret
		return h.finishSecret(ctx, r, desc.VersionIdsToStages)
	}
}

// createSecret is step 2.
func (h *Handler) createSecret(ctx context.Context, r *Invocation) error {
	if _, err := r.Current(ctx); err != nil {
		return err
	}
	_, err := r.Pending(ctx)
	switch {
	case err == nil:
		r.log.InfoContext(ctx, "AWSPENDING version has a value already: nothing to do")
		return nil
	case !errors.As(err, new(*types.ResourceNotFoundException)):
		return err
	}
	value, err := h.Strategy.CreateSecret(ctx, r)
	if err != nil {
		return err
	}
	r.Sensitive(value)
	in := &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(r.Event.SecretID),
		ClientRequestToken: aws.String(r.Event.ClientRequestToken),
		SecretString:       aws.String(value),
		VersionStages:      []string{StagePending},
	}
	if r.Event.RotationToken != "" {
		in.RotationToken = aws.String(r.Event.RotationToken)
	}
	_, err = call(ctx, r.timeout, "PutSecretValue", StagePending, func(ctx context.Context) (*secretsmanager.PutSecretValueOutput, error) {
		return h.Client.PutSecretValue(ctx, in)
	})
	if err != nil {
		return err
	}
	r.log.InfoContext(ctx, "put the new value as AWSPENDING")
	return nil
}

// finishSecret is step 5. versions is the secret's description from step 1,
// in which the token's version does not carry AWSCURRENT.
func (h *Handler) finishSecret(ctx context.Context, r *Invocation, versions map[string][]string) error {
	var current string
	for id, stages := range versions {
		if slices.Contains(stages, StageCurrent) {
			current = id
		}
	}
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:        aws.String(r.Event.SecretID),
		VersionStage:    aws.String(StageCurrent),
		MoveToVersionId: aws.String(r.Event.ClientRequestToken),
	}
	if current != "" {
		in.RemoveFromVersionId = aws.String(current)
	}
	_, err := call(ctx, r.timeout, "UpdateSecretVersionStage", StageCurrent, func(ctx context.Context) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
		return h.Client.UpdateSecretVersionStage(ctx, in)
	})
	if err != nil {
		return err
	}
	r.log.InfoContext(ctx, "moved AWSCURRENT to the new version", slog.String("previous", current))
	return nil
}
