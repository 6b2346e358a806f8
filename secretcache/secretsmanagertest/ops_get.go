package secretsmanagertest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

type getSecretValueInput struct {
	SecretID     string  `json:"SecretId"`
	VersionID    *string `json:"VersionId"`
	VersionStage *string `json:"VersionStage"`
}

// secretValueEntry is one version's value: the output of GetSecretValue and
// an element of BatchGetSecretValue's SecretValues, which AWS shapes alike.
type secretValueEntry struct {
	ARN           string     `json:"ARN"`
	Name          string     `json:"Name"`
	VersionID     string     `json:"VersionId"`
	SecretString  *string    `json:"SecretString,omitempty"`
	SecretBinary  []byte     `json:"SecretBinary,omitempty"`
	VersionStages []string   `json:"VersionStages,omitempty"`
	CreatedDate   *epochTime `json:"CreatedDate,omitempty"`
}

// getSecretValue returns one version: VersionId and VersionStage select it
// together or alone, AWSCURRENT when neither is given.
func (s *Server) getSecretValue(ctx context.Context, in *getSecretValueInput) (*secretValueEntry, error) {
	var c checks
	c.secretID(in.SecretID)
	c.length("versionId", in.VersionID, 32, 64)
	c.length("versionStage", in.VersionStage, 1, 256)
	if err := c.err(); err != nil {
		return nil, err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.read(s.regionOf(ctx), in.SecretID, aws.ToString(in.VersionID), aws.ToString(in.VersionStage))
}

// read returns the version of the live secret id that versionID and stage
// select (see secret.pick) and records the access. A replica reads its
// primary's versions. The caller holds st.mu.
func (st *store) read(region, id, versionID, stage string) (*secretValueEntry, error) {
	sec, err := st.lookupLive(region, id)
	if err != nil {
		return nil, err
	}
	src := sec.source()
	v, err := src.pick(versionID, stage)
	if err != nil {
		return nil, err
	}
	sec.touch(v)
	return &secretValueEntry{
		ARN:           sec.arn,
		Name:          sec.name,
		VersionID:     v.id,
		SecretString:  v.val.str,
		SecretBinary:  v.val.bin,
		VersionStages: src.stagesOf(v.id),
		CreatedDate:   epoch(v.created),
	}, nil
}
