package secretsmanagertest

import (
	"context"
	"slices"
)

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// valueInput is what CreateSecret and PutSecretValue take to make a version.
type valueInput struct {
	ClientRequestToken string  `json:"ClientRequestToken"`
	SecretString       *string `json:"SecretString"`
	SecretBinary       []byte  `json:"SecretBinary"`
}

// value returns the version's payload, refusing both kinds at once.
func (in *valueInput) value() (value, error) {
	if in.SecretString != nil && in.SecretBinary != nil {
		return value{}, errInvalidParameter(msgBothValues)
	}
	return value{str: in.SecretString, bin: in.SecretBinary}, nil
}

type createSecretInput struct {
	Name        string `json:"Name"`
	Description string `json:"Description"`
	Tags        []tag  `json:"Tags"`
	valueInput
}

type putSecretValueInput struct {
	SecretID      string   `json:"SecretId"`
	VersionStages []string `json:"VersionStages,omitempty"`
	valueInput
}

// secretOutput is what the operations that change a secret answer with:
// the secret, and the version they made or moved to when there is one.
type secretOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionID     string   `json:"VersionId,omitempty"`
	VersionStages []string `json:"VersionStages,omitempty"`
}

// createSecret creates a secret, with a first AWSCURRENT version when a
// value is given. Repeating a create with the same ClientRequestToken and
// value succeeds again, so that an SDK retry is harmless.
func (s *Server) createSecret(_ context.Context, in *createSecretInput) (*secretOutput, error) {
	val, err := in.value()
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, errInvalidParameter("You must provide a name for the secret.")
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if sec, ok := s.store.secrets[in.Name]; ok {
		if !sec.deleted.IsZero() {
			return nil, errInvalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		if v, ok := sec.versions[in.ClientRequestToken]; ok && v.val.equal(val) {
			return &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: v.id}, nil
		}
		return nil, errResourceExists("The operation failed because the secret %s already exists.", in.Name)
	}
	tags := make(map[string]string, len(in.Tags))
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	sec := s.store.newSecret(in.Name, in.Description, tags)
	out := &secretOutput{ARN: sec.arn, Name: sec.name}
	if !val.isEmpty() {
		out.VersionID = tokenOrNew(in.ClientRequestToken)
		sec.addVersion(&version{id: out.VersionID, val: val, created: sec.created}, nil)
	}
	return out, nil
}

// putSecretValue adds a version. The ClientRequestToken becomes the version
// ID, which is what makes a retried put idempotent: the same token with the
// same value returns the existing version, with another value it fails. The
// one version that may receive a value under an existing ID is a
// rotation's placeholder, which RotateSecret created without one. The
// first value of a secret created without one becomes AWSCURRENT whatever
// stages are asked for, as in AWS.
func (s *Server) putSecretValue(_ context.Context, in *putSecretValueInput) (*secretOutput, error) {
	val, err := in.value()
	if err != nil {
		return nil, err
	}
	if val.isEmpty() {
		return nil, errInvalidParameter("You must provide either SecretString or SecretBinary.")
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookupLive(in.SecretID)
	if err != nil {
		return nil, err
	}
	id := tokenOrNew(in.ClientRequestToken)
	switch v, ok := sec.versions[id]; {
	case ok && v.val.isEmpty():
		v.val = val
		sec.stage(id, in.VersionStages)
	case ok:
		if !v.val.equal(val) {
			return nil, errResourceExists(msgTokenInUse, id, sec.arn)
		}
	default:
		stages := in.VersionStages
		if len(stages) > 0 && !sec.hasValue() && !slices.Contains(stages, StageCurrent) {
			stages = append(stages[:len(stages):len(stages)], StageCurrent)
		}
		sec.addVersion(&version{id: id, val: val, created: now()}, stages)
	}
	return &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: id, VersionStages: sec.stagesOf(id)}, nil
}

// tokenOrNew returns the caller's token, or a fresh one for callers (raw
// HTTP, the Go helpers) that did not let the SDK fill it in.
func tokenOrNew(token string) string {
	if token == "" {
		return newUUID()
	}
	return token
}
