package secretsmanagertest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

type createSecretInput struct {
	Name                        string          `json:"Name"`
	Description                 *string         `json:"Description"`
	KmsKeyID                    *string         `json:"KmsKeyId"`
	Tags                        []tag           `json:"Tags"`
	AddReplicaRegions           []replicaRegion `json:"AddReplicaRegions"`
	ForceOverwriteReplicaSecret bool            `json:"ForceOverwriteReplicaSecret"`
	Type                        *string         `json:"Type"`
	valueInput
}

// check applies the model's constraints, then the rules the model cannot
// express, before anything is looked up.
func (in *createSecretInput) check() error {
	var c checks
	c.requiredString("name", in.Name, 1, 512)
	in.checkValue(&c)
	c.length("description", in.Description, 0, 2048)
	c.length("kmsKeyId", in.KmsKeyID, 0, 2048)
	checkTags(&c, "tags", in.Tags)
	checkReplicaRegions(&c, in.AddReplicaRegions)
	c.length("type", in.Type, 0, 256)
	if err := c.err(); err != nil {
		return err
	}
	if err := checkName(in.Name); err != nil {
		return err
	}
	_, err := in.value()
	return err
}

// createSecret creates a secret in the request's region, with a first
// AWSCURRENT version when a value is given, and its replicas when
// AddReplicaRegions is. Repeating a create with the same ClientRequestToken
// and value succeeds again, so that an SDK retry is harmless.
func (s *Server) createSecret(ctx context.Context, in *createSecretInput) (*secretOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.create(s.regionOf(ctx), in)
}

// create creates a checked request's secret. The caller holds store.mu.
func (s *Server) create(region string, in *createSecretInput) (*secretOutput, error) {
	val, _ := in.value() // checked
	if sec, ok := s.store.in(region)[in.Name]; ok {
		return s.recreate(sec, in, val)
	}
	if err := s.checkReplication(region, in.AddReplicaRegions); err != nil {
		return nil, err
	}
	sec := s.store.newSecret(region, in.Name)
	sec.description = aws.ToString(in.Description)
	sec.kmsKeyID = aws.ToString(in.KmsKeyID)
	sec.typ = aws.ToString(in.Type)
	if in.Tags != nil {
		sec.tags = []tag{}
		sec.addTags(in.Tags)
	}
	out := &secretOutput{ARN: sec.arn, Name: sec.name}
	if !val.isEmpty() {
		out.VersionID = aws.ToString(in.ClientRequestToken)
		sec.addVersion(&version{id: out.VersionID, val: val, created: sec.created}, nil)
	}
	if len(in.AddReplicaRegions) > 0 {
		out.ReplicationStatus = s.replicate(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
	}
	return out, nil
}

// recreate answers a CreateSecret for a name that is taken: a retry of the
// request that created the secret (same token, same value) succeeds again;
// anything else fails as AWS fails it.
func (s *Server) recreate(sec *secret, in *createSecretInput, val value) (*secretOutput, error) {
	if !sec.source().deleted.IsZero() {
		return nil, errInvalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.")
	}
	if in.ClientRequestToken != nil && sec.primary == nil {
		if v, ok := sec.versions[*in.ClientRequestToken]; ok {
			if !v.val.equal(val) {
				return nil, errResourceExists(msgTokenInUse, v.id, sec.arn)
			}
			return &secretOutput{ARN: sec.arn, Name: sec.name, VersionID: v.id}, nil
		}
	}
	return nil, errResourceExists("The operation failed because the secret %s already exists.", in.Name)
}
