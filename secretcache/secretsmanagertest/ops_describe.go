package secretsmanagertest

import "context"

// secretMetadata is what DescribeSecret and a ListSecrets entry share: a
// secret's metadata, never its values.
type secretMetadata struct {
	ARN              string     `json:"ARN"`
	Name             string     `json:"Name"`
	Type             string     `json:"Type,omitempty"`
	Description      string     `json:"Description,omitempty"`
	KmsKeyID         string     `json:"KmsKeyId,omitempty"`
	CreatedDate      *epochTime `json:"CreatedDate,omitempty"`
	LastChangedDate  *epochTime `json:"LastChangedDate,omitempty"`
	LastAccessedDate *epochTime `json:"LastAccessedDate,omitempty"`
	DeletedDate      *epochTime `json:"DeletedDate,omitempty"`
	Tags             *[]tag     `json:"Tags,omitempty"`
	OwningService    string     `json:"OwningService,omitempty"`
	PrimaryRegion    string     `json:"PrimaryRegion,omitempty"`
	rotationFields
}

// metadata reports sec as seen in its region: a replica shows its
// primary's state under its own ARN, with its own dates of creation and
// last access. The caller holds store.mu.
func (sec *secret) metadata() secretMetadata {
	src := sec.source()
	return secretMetadata{
		ARN:              sec.arn,
		Name:             sec.name,
		Type:             src.typ,
		Description:      src.description,
		KmsKeyID:         src.kmsKeyID,
		CreatedDate:      epoch(sec.created),
		LastChangedDate:  epoch(latest(sec.changed, src.changed)),
		LastAccessedDate: epoch(sec.accessed),
		DeletedDate:      epoch(src.deleted),
		Tags:             src.tagsOut(),
		OwningService:    src.owningService,
		PrimaryRegion:    sec.primaryRegion(),
		rotationFields:   src.rot.fields(),
	}
}

// primaryRegion is the region of the primary of a replicated secret, and
// "" for a secret that is not replicated.
func (sec *secret) primaryRegion() string {
	switch {
	case sec.primary != nil:
		return sec.primary.region
	case len(sec.replicas) > 0:
		return sec.region
	}
	return ""
}

// versionsToStages maps each labelled version to its labels. Deprecated
// (unlabelled) versions are left out, as AWS does.
func (sec *secret) versionsToStages() map[string][]string {
	var out map[string][]string
	for _, id := range sec.order {
		if stages := sec.stagesOf(id); len(stages) > 0 {
			if out == nil {
				out = make(map[string][]string)
			}
			out[id] = stages
		}
	}
	return out
}

type describeSecretOutput struct {
	secretMetadata
	VersionIDsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	ReplicationStatus  []replicaStatus     `json:"ReplicationStatus,omitempty"`
}

// describeSecret reports a secret's metadata. It works on a secret
// scheduled for deletion, which is how a caller sees DeletedDate.
func (s *Server) describeSecret(ctx context.Context, in *secretIDInput) (*describeSecretOutput, error) {
	sec, unlock, err := s.openSecretID(ctx, in, (*store).lookup)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return &describeSecretOutput{
		secretMetadata:     sec.metadata(),
		VersionIDsToStages: sec.source().versionsToStages(),
		ReplicationStatus:  sec.replicationStatus(),
	}, nil
}
