package secretsmanagertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// The seeding helpers change the server's state directly from Go, without
// a request: they are not counted by Calls and ignore faults and latency,
// so setting up a test never disturbs what the test measures. They act in
// the server's own region (WithRegion). Their errors are the SDK's own
// types (*types.ResourceExistsException, ...), as a client would see them.

// CreateSecret creates a secret named name whose AWSCURRENT version holds
// the string value, and returns its full ARN. It fails with
// *types.ResourceExistsException if the name is taken.
func (s *Server) CreateSecret(name, value string) (arn string, err error) {
	return s.createHelper(name, &value, nil)
}

// CreateBinarySecret is CreateSecret for a binary value. b is copied.
func (s *Server) CreateBinarySecret(name string, b []byte) (arn string, err error) {
	return s.createHelper(name, nil, clone(b))
}

func (s *Server) createHelper(name string, str *string, bin []byte) (string, error) {
	out, err := s.createSecret(context.Background(), &createSecretInput{Name: name, valueInput: valueInput{
		ClientRequestToken: aws.String(newUUID()), SecretString: str, SecretBinary: bin,
	}})
	if err != nil {
		return "", err
	}
	return out.ARN, nil
}

// PutSecretValue adds a version holding the string value to the secret
// that secretID names (name, full ARN or partial ARN), and returns its
// version ID. The version gets stages, or AWSCURRENT when none are given;
// each stage leaves the version that had it, and moving AWSCURRENT hands
// AWSPREVIOUS to its former version, as the PutSecretValue API does.
func (s *Server) PutSecretValue(secretID, value string, stages ...string) (versionID string, err error) {
	return s.put(secretID, &value, nil, stages)
}

// PutSecretBinary is PutSecretValue for a binary value. b is copied.
func (s *Server) PutSecretBinary(secretID string, b []byte, stages ...string) (versionID string, err error) {
	return s.put(secretID, nil, clone(b), stages)
}

func (s *Server) put(secretID string, str *string, bin []byte, stages []string) (string, error) {
	out, err := s.putSecretValue(context.Background(), &putSecretValueInput{
		SecretID: secretID, VersionStages: stages, valueInput: valueInput{
			ClientRequestToken: aws.String(newUUID()), SecretString: str, SecretBinary: bin,
		},
	})
	if err != nil {
		return "", err
	}
	return out.VersionID, nil
}

// VersionStages returns the staging labels of every version of the secret
// that secretID names, keyed by version ID; versions without labels
// (deprecated ones) are included with an empty list. It lets a test check
// the labels without making a request.
func (s *Server) VersionStages(secretID string) (map[string][]string, error) {
	sec, unlock, err := s.store.lockSecret(s.cfg.region, secretID, (*store).lookup)
	if err != nil {
		return nil, err
	}
	defer unlock()
	src := sec.source()
	stages := make(map[string][]string, len(src.versions))
	for _, id := range src.order {
		stages[id] = src.stagesOf(id)
	}
	return stages, nil
}

// clone copies b so the caller may reuse it, keeping a nil slice nil and an
// empty one non-nil: the difference says whether a binary was given.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// SeedSecret describes a secret WithSeed creates: the fields of a
// CreateSecret request, in the JSON form of that request (the form
// `aws secretsmanager create-secret --cli-input-json` takes, SecretBinary
// in base64), plus the region to create it in and the service that owns
// it.
type SeedSecret struct {
	Name              string                    `json:"Name"`
	Description       *string                   `json:"Description,omitempty"`
	SecretString      *string                   `json:"SecretString,omitempty"`
	SecretBinary      []byte                    `json:"SecretBinary,omitempty"`
	KmsKeyID          *string                   `json:"KmsKeyId,omitempty"`
	Tags              []types.Tag               `json:"Tags,omitempty"`
	AddReplicaRegions []types.ReplicaRegionType `json:"AddReplicaRegions,omitempty"`
	// Region is the region the secret is created in; the server's own
	// region when empty.
	Region string `json:"Region,omitempty"`
	// OwningService, when set, is the service DescribeSecret and
	// ListSecrets report as owning the secret, as for the secrets RDS
	// manages.
	OwningService string `json:"OwningService,omitempty"`
}

// ParseSeed decodes a JSON array of SeedSecret objects, such as the file
// secretsmanager-local reads with -seed. Unknown fields are an error, so
// that a misspelt one is not silently dropped. Errors never quote a value.
func ParseSeed(data []byte) ([]SeedSecret, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var seeds []SeedSecret
	if err := dec.Decode(&seeds); err != nil {
		return nil, fmt.Errorf("secretsmanagertest: seed: %w", err)
	}
	return seeds, nil
}

// ReadSeedFile reads and parses a seed file (see ParseSeed).
func ReadSeedFile(path string) ([]SeedSecret, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secretsmanagertest: seed: %w", err)
	}
	return ParseSeed(data)
}

// seed creates the secrets of WithSeed, through CreateSecret's own checks.
// The caller holds store.mu.
func (s *Server) seed() error {
	for _, sd := range s.cfg.seed {
		region := sd.Region
		if region == "" {
			region = s.cfg.region
		}
		in := &createSecretInput{
			Name: sd.Name, Description: sd.Description, KmsKeyID: sd.KmsKeyID,
			AddReplicaRegions: replicaRegions(sd.AddReplicaRegions),
			valueInput:        valueInput{SecretString: sd.SecretString, SecretBinary: clone(sd.SecretBinary)},
		}
		if in.hasValue() {
			in.ClientRequestToken = aws.String(newUUID())
		}
		for _, t := range sd.Tags {
			in.Tags = append(in.Tags, tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
		}
		err := in.check()
		if err == nil {
			var out *secretOutput
			if out, err = s.create(region, in); err == nil && sd.OwningService != "" {
				s.store.in(region)[out.Name].owningService = sd.OwningService
			}
		}
		if err != nil {
			return fmt.Errorf("secretsmanagertest: seed secret %q: %w", sd.Name, err)
		}
	}
	return nil
}

// replicaRegions converts the SDK's replica regions to the wire's.
func replicaRegions(in []types.ReplicaRegionType) []replicaRegion {
	var out []replicaRegion
	for _, r := range in {
		out = append(out, replicaRegion{Region: aws.ToString(r.Region), KmsKeyID: r.KmsKeyId})
	}
	return out
}
