package secretsmanagertest

import (
	"context"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Limits of the model shared by the operations that write values.
const maxValueLength = 65536

// rotationTokenPattern is the model's pattern for RotationToken.
var rotationTokenPattern = regexp.MustCompile(`^[a-zA-Z0-9\-]+$`)

// valueInput is what CreateSecret, UpdateSecret and PutSecretValue take to
// make a version.
type valueInput struct {
	ClientRequestToken *string `json:"ClientRequestToken"`
	SecretString       *string `json:"SecretString"`
	SecretBinary       []byte  `json:"SecretBinary"`
}

// checkValue records the model's constraints on a value and its token.
func (in *valueInput) checkValue(c *checks) {
	c.token(in.ClientRequestToken)
	c.blobLength("secretBinary", in.SecretBinary, 1, maxValueLength)
	c.sensitiveLength("secretString", in.SecretString, 1, maxValueLength)
}

func (in *valueInput) hasValue() bool { return in.SecretString != nil || in.SecretBinary != nil }

// value returns the version's payload, refusing both kinds at once and a
// value without a token. The SDKs and the CLI always send a token; a raw
// HTTP request must too, as AWS requires.
func (in *valueInput) value() (value, error) {
	if in.SecretString != nil && in.SecretBinary != nil {
		return value{}, errInvalidParameter(msgBothValues)
	}
	if in.hasValue() && in.ClientRequestToken == nil {
		return value{}, errInvalidRequest(msgNoToken)
	}
	return value{str: in.SecretString, bin: in.SecretBinary}, nil
}

type putSecretValueInput struct {
	SecretID      string   `json:"SecretId"`
	VersionStages []string `json:"VersionStages,omitempty"`
	RotationToken *string  `json:"RotationToken"`
	valueInput
}

func (in *putSecretValueInput) check() error {
	var c checks
	c.secretID(in.SecretID)
	in.checkValue(&c)
	checkStages(&c, in.VersionStages)
	c.sensitiveLength("rotationToken", in.RotationToken, 36, 256)
	if in.RotationToken != nil && !rotationTokenPattern.MatchString(*in.RotationToken) {
		c.fail("rotationToken", nil, `satisfy regular expression pattern: ^[a-zA-Z0-9\-]+$`)
	}
	return c.err()
}

// checkStages records the model's constraints on a VersionStages list.
func checkStages(c *checks, stages []string) {
	c.countStrings("versionStages", stages, 1, 20)
	for i := range stages {
		c.length(member("versionStages", i, ""), &stages[i], 1, 256)
	}
}

// secretOutput is what the operations that change a secret answer with:
// the secret, and the version they made or moved to when there is one.
type secretOutput struct {
	ARN               string          `json:"ARN"`
	Name              string          `json:"Name"`
	VersionID         string          `json:"VersionId,omitempty"`
	VersionStages     []string        `json:"VersionStages,omitempty"`
	ReplicationStatus []replicaStatus `json:"ReplicationStatus,omitempty"`
}

// putSecretValue adds a version. The ClientRequestToken becomes the version
// ID, which is what makes a retried put idempotent: the same token with the
// same value returns the existing version, with another value it fails. The
// one version that may receive a value under an existing ID is a
// rotation's placeholder, which RotateSecret created without one. The
// first value of a secret created without one becomes AWSCURRENT whatever
// stages are asked for, as in AWS. The RotationToken is accepted and not
// checked.
func (s *Server) putSecretValue(ctx context.Context, in *putSecretValueInput) (*secretOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.ClientRequestToken == nil {
		return nil, errInvalidRequest(msgNoToken)
	}
	val, err := in.value()
	if err != nil {
		return nil, err
	}
	if val.isEmpty() {
		return nil, errInvalidRequest("You must provide either SecretString or SecretBinary.")
	}
	sec, unlock, err := s.store.lockSecret(s.regionOf(ctx), in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	id := aws.ToString(in.ClientRequestToken)
	switch v, ok := sec.versions[id]; {
	case ok && v.val.isEmpty():
		v.val = val
		sec.stage(id, in.VersionStages)
		sec.changed = s.store.changeDate()
	case ok:
		if !v.val.equal(val) {
			return nil, errResourceExists(msgTokenInUse, id, sec.arn)
		}
		return &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: id, VersionStages: sec.stagesOf(id)}, nil
	default:
		stages := in.VersionStages
		if len(stages) > 0 && !sec.hasValue() && !slices.Contains(stages, StageCurrent) {
			stages = append(stages[:len(stages):len(stages)], StageCurrent)
		}
		sec.addVersion(&version{id: id, val: val, created: now()}, stages)
		sec.changed = s.store.changeDate()
	}
	return &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: id, VersionStages: reportedStages(in.VersionStages, sec.stagesOf(id))}, nil
}

// reportedStages lists the stages of a version a put just made as the
// answer gives them (moto's order, AWS's being unrecorded): those asked
// for, in the request's order (AWSCURRENT when none were), then the ones
// the service added, such as the AWSCURRENT of a secret's first value.
func reportedStages(asked, have []string) []string {
	if len(asked) == 0 {
		asked = []string{StageCurrent}
	}
	out := make([]string, 0, len(have))
	for _, st := range asked {
		if slices.Contains(have, st) && !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	for _, st := range have {
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out
}

// tokenOrNew returns the caller's token, or a fresh one for the Go-side
// helpers, which have none.
func tokenOrNew(token string) string {
	if token == "" {
		return newUUID()
	}
	return token
}
