package secretsmanagertest

import (
	"context"
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

// rotationSteps is the fixed order in which RotateSecret runs the steps.
var rotationSteps = [...]string{StepCreateSecret, StepSetSecret, StepTestSecret, StepFinishSecret}

// RotationRequest is what one rotation step receives: the fields of the
// event Secrets Manager sends a rotation Lambda function.
type RotationRequest struct {
	// Step is one of StepCreateSecret, StepSetSecret, StepTestSecret and
	// StepFinishSecret.
	Step string
	// SecretID is the full ARN of the secret being rotated.
	SecretID string
	// ClientRequestToken is the version ID the rotation creates.
	ClientRequestToken string
}

// RotationFunc performs one step of a rotation, like a rotation Lambda
// function. It usually calls back into the server through a client (for
// example Server.Client), exactly as a Lambda function calls Secrets
// Manager. ctx is the context of the RotateSecret request.
type RotationFunc func(ctx context.Context, req RotationRequest) error

// SetRotationFunc registers fn as the rotation function of the secret that
// secretID (a name, full ARN or partial ARN) names; a nil fn removes it.
// RotateSecret on a secret without one fails as it does in AWS for a
// secret with no rotation Lambda. The registration goes with the secret:
// it ends when the secret is deleted.
func (s *Server) SetRotationFunc(secretID string, fn RotationFunc) error {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookup(secretID)
	if err != nil {
		return err
	}
	sec.rotation = fn
	return nil
}

type rotateSecretInput struct {
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	RotationLambdaARN  string `json:"RotationLambdaARN"`
	RotateImmediately  *bool  `json:"RotateImmediately"`
}

// rotateSecret runs the four steps synchronously, unlike AWS, so that a
// test sees the rotated secret as soon as the call returns. A step that
// fails stops the rotation and fails the call; AWSPENDING stays where the
// function left it, and the next rotation is refused until it is cleared,
// as in AWS.
func (s *Server) rotateSecret(ctx context.Context, in *rotateSecretInput) (*secretOutput, error) {
	token := tokenOrNew(in.ClientRequestToken)
	sec, fn, err := s.startRotation(in)
	if err != nil {
		return nil, err
	}
	out := &secretOutput{ARN: sec.arn, Name: sec.name}
	if in.RotateImmediately != nil && !*in.RotateImmediately {
		s.endRotation(sec, false)
		return out, nil
	}
	for _, step := range rotationSteps {
		err := fn(ctx, RotationRequest{Step: step, SecretID: sec.arn, ClientRequestToken: token})
		if err != nil {
			s.endRotation(sec, false)
			return nil, errInvalidRequest("secretsmanagertest: rotation function failed at step %s: %v", step, err)
		}
	}
	s.store.mu.Lock()
	current := sec.labels[StageCurrent]
	s.store.mu.Unlock()
	s.endRotation(sec, current == token)
	if current != token {
		return nil, errInvalidRequest("secretsmanagertest: rotation function finished without moving %s to version %s", StageCurrent, token)
	}
	out.VersionID = token
	return out, nil
}

// startRotation checks a rotation may start and marks the secret as
// rotating, so that two concurrent RotateSecret calls cannot interleave
// their steps.
func (s *Server) startRotation(in *rotateSecretInput) (*secret, RotationFunc, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookupLive(in.SecretID)
	if err != nil {
		return nil, nil, err
	}
	if sec.rotation == nil {
		return nil, nil, errInvalidRequest("No Lambda rotation function ARN is associated with this secret.")
	}
	if err := sec.checkNoRotation(); err != nil {
		return nil, nil, err
	}
	if in.RotationLambdaARN != "" {
		sec.rotationARN = in.RotationLambdaARN
	}
	sec.rotating = true
	sec.rotationEnabled = true
	return sec, sec.rotation, nil
}

func (s *Server) endRotation(sec *secret, rotated bool) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec.rotating = false
	if rotated {
		sec.rotated = now()
	}
}

// checkNoRotation refuses to start a rotation while another one runs or
// has left AWSPENDING on a version other than AWSCURRENT's: starting over
// would leave two pending values. The caller holds store.mu.
func (s *secret) checkNoRotation() error {
	pending, ok := s.labels[StagePending]
	if s.rotating || ok && pending != s.labels[StageCurrent] {
		return errInvalidRequest("A previous rotation isn't complete. That rotation will be reattempted.")
	}
	return nil
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
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookupLive(secretID)
	if err != nil {
		return "", err
	}
	if err := sec.checkNoRotation(); err != nil {
		return "", err
	}
	versionID = newUUID()
	sec.addVersion(&version{id: versionID, val: value{str: &newValue}, created: now()}, []string{StagePending})
	sec.attach(StageCurrent, versionID)
	delete(sec.labels, StagePending)
	sec.rotated = now()
	return versionID, nil
}
