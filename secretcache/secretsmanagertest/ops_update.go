package secretsmanagertest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

type updateSecretInput struct {
	SecretID    string  `json:"SecretId"`
	Description *string `json:"Description"`
	KmsKeyID    *string `json:"KmsKeyId"`
	Type        *string `json:"Type"`
	valueInput
}

func (in *updateSecretInput) check() error {
	var c checks
	c.secretID(in.SecretID)
	in.checkValue(&c)
	c.length("description", in.Description, 0, 2048)
	c.length("kmsKeyId", in.KmsKeyID, 0, 2048)
	c.length("type", in.Type, 0, 256)
	if err := c.err(); err != nil {
		return err
	}
	_, err := in.value()
	return err
}

// updateSecret changes a secret's metadata and, when a value is given,
// adds a version that takes AWSCURRENT (AWSPREVIOUS following to the old
// one), as PutSecretValue without stages does. Only a request that makes a
// version answers with a VersionId. A token already used for a version
// fails unless the request repeats that version's value.
func (s *Server) updateSecret(ctx context.Context, in *updateSecretInput) (*secretOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	val, _ := in.value() // checked
	sec, unlock, err := s.store.lockSecret(s.regionOf(ctx), in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := &secretOutput{ARN: sec.arn, Name: sec.name}
	if !val.isEmpty() {
		id := aws.ToString(in.ClientRequestToken)
		if v, ok := sec.versions[id]; ok {
			if !v.val.equal(val) {
				return nil, errResourceExists(msgTokenInUse, id, sec.arn)
			}
			return &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: id}, nil
		}
		sec.addVersion(&version{id: id, val: val, created: now()}, nil)
		out.VersionID = id
	}
	if in.Description != nil {
		sec.description = *in.Description
	}
	if in.KmsKeyID != nil {
		sec.kmsKeyID = *in.KmsKeyID
	}
	if in.Type != nil {
		sec.typ = *in.Type
	}
	sec.changed = s.store.changeDate()
	return out, nil
}
