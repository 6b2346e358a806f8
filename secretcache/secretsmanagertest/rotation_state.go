package secretsmanagertest

import "time"

// rotationState is a secret's rotation configuration and its latest
// rotation. Every field is guarded by store.mu, like the secret's.
type rotationState struct {
	fn RotationFunc // registered by SetRotationFunc

	// configured is set by the first RotateSecret that succeeds; before,
	// DescribeSecret omits every rotation field, as AWS does.
	configured bool
	enabled    bool // rotation turned on: by RotateSecret, off by CancelRotateSecret
	lambdaARN  string
	rules      *rotationRules
	external   []metadataItem // ExternalSecretRotationMetadata, stored as given
	roleARN    string         // ExternalSecretRotationRoleArn, stored as given

	last time.Time // the last rotation that completed
	next time.Time // the end of the next rotation window; zero when unknown

	run *rotationRun // the latest rotation, running or ended; nil before the first
}

// rotated records a completed rotation at t and schedules the next one.
func (r *rotationState) rotated(t time.Time) {
	r.last = t
	if r.enabled {
		r.next = r.rules.nextRotation(t)
	}
}

// running reports whether a rotation has started and not yet ended.
func (r *rotationState) running() bool {
	return r.run != nil && !r.run.ended()
}

// checkNoRotation refuses to start a rotation while another one runs or
// has left AWSPENDING on a version other than AWSCURRENT's: starting over
// would leave two pending values. The caller holds store.mu.
func (s *secret) checkNoRotation() error {
	pending, ok := s.labels[StagePending]
	if s.rot.running() || ok && pending != s.labels[StageCurrent] {
		return errInvalidRequest("A previous rotation isn't complete. That rotation will be reattempted.")
	}
	return nil
}

// rotationFields are the rotation members of DescribeSecret's answer and
// of a ListSecrets entry.
type rotationFields struct {
	RotationEnabled                *bool          `json:"RotationEnabled,omitempty"`
	RotationLambdaARN              string         `json:"RotationLambdaARN,omitempty"`
	RotationRules                  *rotationRules `json:"RotationRules,omitempty"`
	ExternalSecretRotationMetadata []metadataItem `json:"ExternalSecretRotationMetadata,omitempty"`
	ExternalSecretRotationRoleArn  string         `json:"ExternalSecretRotationRoleArn,omitempty"`
	NextRotationDate               *epochTime     `json:"NextRotationDate,omitempty"`
	LastRotatedDate                *epochTime     `json:"LastRotatedDate,omitempty"`
}

// fields reports the rotation as the service does: nothing for a secret
// never configured for rotation; once configured, whether rotation is on,
// the function and the rules (kept after CancelRotateSecret turns rotation
// off); the dates only while rotation is on.
func (r *rotationState) fields() rotationFields {
	if !r.configured {
		return rotationFields{}
	}
	enabled := r.enabled
	f := rotationFields{
		RotationEnabled:                &enabled,
		RotationLambdaARN:              r.lambdaARN,
		RotationRules:                  r.rules.described(),
		ExternalSecretRotationMetadata: r.external,
		ExternalSecretRotationRoleArn:  r.roleARN,
	}
	if r.enabled {
		f.NextRotationDate = epoch(r.next)
		f.LastRotatedDate = epoch(r.last)
	}
	return f
}
