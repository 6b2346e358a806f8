package secretsmanagertest

import (
	"context"
	"time"

	"github.com/aws/smithy-go"
)

// metadataItem is one entry of ExternalSecretRotationMetadata.
type metadataItem struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

type rotateSecretInput struct {
	SecretID                       string         `json:"SecretId"`
	ClientRequestToken             *string        `json:"ClientRequestToken"`
	RotationLambdaARN              *string        `json:"RotationLambdaARN"`
	RotationRules                  *rotationRules `json:"RotationRules"`
	ExternalSecretRotationMetadata []metadataItem `json:"ExternalSecretRotationMetadata"`
	ExternalSecretRotationRoleArn  *string        `json:"ExternalSecretRotationRoleArn"`
	RotateImmediately              *bool          `json:"RotateImmediately"`
}

func (in *rotateSecretInput) check() error {
	var c checks
	c.secretID(in.SecretID)
	c.token(in.ClientRequestToken)
	c.length("rotationLambdaARN", in.RotationLambdaARN, 0, 2048)
	in.RotationRules.check(&c)
	for i, m := range in.ExternalSecretRotationMetadata {
		c.length(member("externalSecretRotationMetadata", i, "key"), m.Key, 1, 256)
		c.length(member("externalSecretRotationMetadata", i, "value"), m.Value, 1, 2048)
	}
	c.length("externalSecretRotationRoleArn", in.ExternalSecretRotationRoleArn, 20, 2048)
	if err := c.err(); err != nil {
		return err
	}
	return in.RotationRules.validate()
}

// rotateSecret configures rotation and starts one, as the service does:
// it creates the rotation's version (ID: the ClientRequestToken) labelled
// AWSPENDING and without a value, answers with that version's ID, and only
// then invokes the rotation function, on a goroutine of its own. With
// RotateImmediately=false it only tests the configuration: the version
// gets a copy of the AWSCURRENT value, testSecret runs alone, and the
// version is removed afterwards. Repeating a call with the same token (an
// SDK retry) answers the same without starting anything.
func (s *Server) rotateSecret(ctx context.Context, in *rotateSecretInput) (*secretOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.ClientRequestToken == nil {
		return nil, errInvalidParameter(msgNoToken)
	}
	token := *in.ClientRequestToken
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if s.life.Err() != nil {
		return nil, errServerClosed()
	}
	sec, err := s.store.lookupPrimary(s.regionOf(ctx), in.SecretID)
	if err != nil {
		return nil, err
	}
	out := &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: token}
	if run := sec.rot.run; run != nil && run.req.ClientRequestToken == token {
		return out, nil
	}
	if err := sec.checkNoRotation(); err != nil {
		return nil, err
	}
	fn, function := sec.rot.fn, sec.rot.lambdaARN
	if in.RotationLambdaARN != nil && *in.RotationLambdaARN != "" {
		function = *in.RotationLambdaARN
	}
	if fn == nil {
		fn = s.store.lambdas[function]
	}
	if fn == nil {
		if function == "" {
			return nil, errInvalidRequest("No Lambda rotation function ARN is associated with this secret.")
		}
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Fault: smithy.FaultClient,
			Message: "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."}
	}
	if _, taken := sec.versions[token]; taken {
		return nil, errInvalidRequest(msgTokenInUse, token, sec.arn)
	}
	if function == "" {
		function = lambdaARN(sec.region, s.store.account, "secretsmanagertest-rotation")
	}
	immediately := in.RotateImmediately == nil || *in.RotateImmediately
	s.configureRotation(sec, in, function, immediately)

	t := now()
	v := &version{id: token, created: t}
	steps := rotationSteps
	if !immediately {
		steps = testSteps
		if cur, ok := sec.labels[StageCurrent]; ok {
			v.val = sec.versions[cur].val
		}
	}
	sec.addVersion(v, []string{StagePending})
	s.startRotation(sec, &rotationRun{
		req:      RotationRequest{SecretID: sec.arn, ClientRequestToken: token, RotationToken: newUUID()},
		steps:    steps,
		attempts: s.cfg.rotationAttempts,
	}, fn)
	return out, nil
}

// configureRotation turns rotation on with the request's settings; rules
// and external settings not given keep their earlier values. The caller
// holds store.mu.
func (s *Server) configureRotation(sec *secret, in *rotateSecretInput, function string, immediately bool) {
	r := &sec.rot
	r.configured, r.enabled, r.lambdaARN = true, true, function
	if in.RotationRules != nil {
		r.rules = in.RotationRules
	}
	if in.ExternalSecretRotationMetadata != nil {
		r.external = in.ExternalSecretRotationMetadata
	}
	if in.ExternalSecretRotationRoleArn != nil {
		r.roleARN = *in.ExternalSecretRotationRoleArn
	}
	from := r.last
	if from.IsZero() || !immediately {
		from = now()
	}
	r.next = r.rules.nextRotation(from)
	sec.changed = s.store.changeDate()
}

// cancelRotateSecret turns rotation off and stops a rotation in progress.
// A secret never configured for rotation is refused with the
// InvalidRequestException AWS documents for the operation, as moto and
// LocalStack answer. The current step's context is cancelled and no retry
// follows. As the service documents, it leaves the labels as they are: the
// version the rotation created keeps AWSPENDING (its ID is in the answer)
// and blocks the next RotateSecret until the caller removes the label with
// UpdateSecretVersionStage.
func (s *Server) cancelRotateSecret(ctx context.Context, in *secretIDInput) (*secretOutput, error) {
	sec, unlock, err := s.openSecretID(ctx, in, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !sec.rot.configured {
		return nil, errInvalidRequest("You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.")
	}
	if run := sec.rot.run; run != nil && !run.ended() {
		run.cancel()
	}
	sec.rot.enabled = false
	sec.rot.next = time.Time{}
	sec.changed = s.store.changeDate()
	out := &secretOutput{ARN: sec.arn, Name: sec.name}
	if pending, ok := sec.labels[StagePending]; ok && pending != sec.labels[StageCurrent] {
		out.VersionID = pending
	}
	return out, nil
}
