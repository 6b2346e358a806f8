package secretsmanagertest

import "context"

type getSecretValueInput struct {
	SecretID     string `json:"SecretId"`
	VersionID    string `json:"VersionId"`
	VersionStage string `json:"VersionStage"`
}

type getSecretValueOutput struct {
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
func (s *Server) getSecretValue(_ context.Context, in *getSecretValueInput) (*getSecretValueOutput, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookupLive(in.SecretID)
	if err != nil {
		return nil, err
	}
	v, err := sec.pick(in.VersionID, in.VersionStage)
	if err != nil {
		return nil, err
	}
	sec.touch(v)
	return &getSecretValueOutput{
		ARN:           sec.arn,
		Name:          sec.name,
		VersionID:     v.id,
		SecretString:  v.val.str,
		SecretBinary:  v.val.bin,
		VersionStages: sec.stagesOf(v.id),
		CreatedDate:   epoch(v.created),
	}, nil
}
