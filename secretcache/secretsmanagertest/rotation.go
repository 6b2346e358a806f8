package secretsmanagertest

import (
	"context"
	"errors"
	"fmt"
)

// The steps of a rotation, in the order Secrets Manager invokes them.
const (
	// StepCreateSecret asks the function to put the new value as a version
	// with ID ClientRequestToken and label AWSPENDING.
	StepCreateSecret = "createSecret"
	// StepSetSecret asks the function to make the AWSPENDING value the one
	// the protected resource (a database, say) accepts.
	StepSetSecret = "setSecret"
	// StepTestSecret asks the function to check the AWSPENDING value works.
	StepTestSecret = "testSecret"
	// StepFinishSecret asks the function to move AWSCURRENT to the new
	// version.
	StepFinishSecret = "finishSecret"
)

// RotationRequest is what one rotation step receives: the event Secrets
// Manager sends a rotation Lambda function. Its JSON encoding is that
// event, so a RotationFunc can hand it unchanged to a function written for
// Lambda in another language.
type RotationRequest struct {
	// Step is one of StepCreateSecret, StepSetSecret, StepTestSecret and
	// StepFinishSecret.
	Step string `json:"Step"`
	// SecretID is the full ARN of the secret being rotated.
	SecretID string `json:"SecretId"`
	// ClientRequestToken is the ID of the version the rotation creates.
	// RotateSecret creates that version, labelled AWSPENDING and without a
	// value, before the first step.
	ClientRequestToken string `json:"ClientRequestToken"`
	// RotationToken identifies this rotation. Secrets Manager requires a
	// function that rotates through an assumed role or across accounts to
	// pass it to PutSecretValue; the server accepts it there but does not
	// check it.
	RotationToken string `json:"RotationToken"`
}

// RotationFunc performs one step of a rotation, like a rotation Lambda
// function. It usually calls back into the server through a client (for
// example Server.Client), exactly as a Lambda function calls Secrets
// Manager.
//
// ctx belongs to the rotation, not to the RotateSecret request, which has
// returned by the time the first step runs. It ends when the step has run
// for the step timeout (WithRotationStepTimeout), when CancelRotateSecret
// cancels the rotation, or when the server closes. A RotationFunc must
// return once ctx is done: Close waits for it. A panic in a RotationFunc
// fails its step, as an unhandled exception fails a Lambda invocation; the
// panic value and stack are in the step's error.
type RotationFunc func(ctx context.Context, req RotationRequest) error

// ErrRotationCancelled is the cause (see RotationError) of a rotation that
// CancelRotateSecret or Close stopped.
var ErrRotationCancelled = errors.New("secretsmanagertest: rotation cancelled")

// ErrRotationNotFinished is the cause of a rotation whose four steps all
// succeeded but left AWSCURRENT on another version than the rotation's:
// the finishSecret step did not do its job.
var ErrRotationNotFinished = errors.New("secretsmanagertest: finishSecret returned without moving AWSCURRENT to the rotation's version")

// RotationError reports a rotation that did not complete. Err is what the
// rotation function returned at Step, the last step that ran, on the last
// of Attempts attempts; or ErrRotationCancelled, or ErrRotationNotFinished.
type RotationError struct {
	// SecretARN is the ARN of the rotated secret.
	SecretARN string
	// VersionID is the rotation's token: the version it was creating.
	VersionID string
	// Step is the step that failed.
	Step string
	// Attempts is how many times the rotation ran, the first time included.
	Attempts int
	// Err is the cause.
	Err error
}

// Error names the secret, the version, the step and the cause. The cause
// is the rotation function's own error: it is quoted as it is.
func (e *RotationError) Error() string {
	return fmt.Sprintf("secretsmanagertest: rotation of %s to version %s failed at step %s (attempt %d): %v",
		e.SecretARN, e.VersionID, e.Step, e.Attempts, e.Err)
}

// Unwrap returns the cause.
func (e *RotationError) Unwrap() error { return e.Err }

// SetRotationFunc registers fn as the rotation function of the secret that
// secretID (a name, full ARN or partial ARN) names; a nil fn removes it.
// RotateSecret invokes it as Secrets Manager invokes a rotation Lambda
// function. On a secret without one (and without a SetRotationLambda
// function for its Lambda ARN), RotateSecret fails as it does in AWS:
// InvalidRequestException when no Lambda ARN is configured, and
// AccessDeniedException when one is but cannot be invoked. The
// registration goes with the secret: it ends when the secret is deleted.
func (s *Server) SetRotationFunc(secretID string, fn RotationFunc) error {
	sec, unlock, err := s.store.lockSecret(s.cfg.region, secretID, (*store).lookup)
	if err != nil {
		return err
	}
	defer unlock()
	sec.rot.fn = fn
	return nil
}

// SetRotationLambda registers fn as the Lambda function whose ARN is
// functionARN, for every secret whose rotation names it: through
// RotateSecret's RotationLambdaARN, or configured by an earlier
// RotateSecret. A nil fn removes it. A function registered for the secret
// itself (SetRotationFunc) wins. Registrations outlive Reset, like the
// functions deployed in an account; they let clients that cannot call Go,
// such as the AWS CLI through secretsmanager-local, start rotations.
func (s *Server) SetRotationLambda(functionARN string, fn RotationFunc) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if fn == nil {
		delete(s.store.lambdas, functionARN)
		return
	}
	s.store.lambdas[functionARN] = fn
}

// WaitRotation waits for the latest rotation of the secret that secretID
// names, started by RotateSecret, to end, and returns its outcome: nil
// when the rotation completed (AWSCURRENT is on its version), otherwise a
// *RotationError. A rotation that fails is retried with the same token
// (see WithRotationAttempts) before WaitRotation reports it. If ctx ends
// first, WaitRotation returns ctx.Err() and the rotation goes on.
func (s *Server) WaitRotation(ctx context.Context, secretID string) error {
	s.store.mu.Lock()
	sec, err := s.store.lookup(s.cfg.region, secretID)
	var run *rotationRun
	if err == nil {
		run = sec.rot.run
	}
	s.store.mu.Unlock()
	if err != nil {
		return err
	}
	if run == nil {
		return fmt.Errorf("secretsmanagertest: no rotation of %s was started", secretID)
	}
	select {
	case <-run.done:
		return run.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Rotate performs a standard rotation to newValue from Go, for tests that
// need a secret rotated but not a rotation function of their own: it puts
// newValue as a new version labelled AWSPENDING, then moves AWSCURRENT to
// it (AWSPREVIOUS following to the old version) and removes AWSPENDING,
// which is what the four steps of AWS's single-user template leave behind.
// The whole rotation is one atomic change, so no reader sees it half done;
// to observe the window between steps, register a RotationFunc and call
// RotateSecret instead. Rotate makes no request, so it is neither counted
// by Calls nor subject to faults or latency. It returns the new version ID.
func (s *Server) Rotate(ctx context.Context, secretID, newValue string) (versionID string, err error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("secretsmanagertest: rotate: %w", err)
	}
	sec, unlock, err := s.store.lockSecret(s.cfg.region, secretID, (*store).lookupPrimary)
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := sec.checkNoRotation(); err != nil {
		return "", err
	}
	versionID = newUUID()
	t := now()
	sec.addVersion(&version{id: versionID, val: value{str: &newValue}, created: t}, []string{StagePending})
	sec.attach(StageCurrent, versionID)
	delete(sec.labels, StagePending)
	sec.rot.rotated(t)
	sec.changed = s.store.changeDate()
	return versionID, nil
}
