package secretsmanagertest

import "context"

type getSecretValueInput struct {
	SecretID     string `json:"SecretId"`
	VersionID    string `json:"VersionId"`
	VersionStage string `json:"VersionStage"`
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
func (s *Server) getSecretValue(_ context.Context, in *getSecretValueInput) (*secretValueEntry, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.read(in.SecretID, in.VersionID, in.VersionStage)
}

// read returns the version of the live secret id that versionID and stage
// select (see secret.pick) and records the access. The caller holds st.mu.
func (st *store) read(id, versionID, stage string) (*secretValueEntry, error) {
	sec, err := st.lookupLive(id)
	if err != nil {
		return nil, err
	}
	v, err := sec.pick(versionID, stage)
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
		VersionStages: sec.stagesOf(v.id),
		CreatedDate:   epoch(v.created),
	}, nil
}
