package secretsmanagertest

import (
	"context"
	"strconv"
)

// maxVersionsPage is the most versions one ListSecretVersionIds returns.
const maxVersionsPage = 100

// defaultKmsKeyIDs is what ListSecretVersionIds reports as the keys of a
// version encrypted with the AWS managed key.
var defaultKmsKeyIDs = []string{"DefaultEncryptionKey"}

type listSecretVersionIDsInput struct {
	SecretID          string  `json:"SecretId"`
	MaxResults        *int64  `json:"MaxResults"`
	NextToken         *string `json:"NextToken"`
	IncludeDeprecated bool    `json:"IncludeDeprecated"`
}

type versionsListEntry struct {
	VersionID        string     `json:"VersionId"`
	VersionStages    []string   `json:"VersionStages,omitempty"`
	CreatedDate      *epochTime `json:"CreatedDate,omitempty"`
	LastAccessedDate *epochTime `json:"LastAccessedDate,omitempty"`
	KmsKeyIDs        []string   `json:"KmsKeyIds,omitempty"`
}

type listSecretVersionIDsOutput struct {
	ARN       string              `json:"ARN"`
	Name      string              `json:"Name"`
	Versions  []versionsListEntry `json:"Versions"`
	NextToken *string             `json:"NextToken,omitempty"`
}

// listSecretVersionIDs lists versions oldest first, hiding the deprecated
// (unlabelled) ones unless asked. The page token is a position in the
// version list, which only ever grows.
func (s *Server) listSecretVersionIDs(ctx context.Context, in *listSecretVersionIDsInput) (*listSecretVersionIDsOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.between("maxResults", in.MaxResults, 1, maxVersionsPage)
	c.length("nextToken", in.NextToken, 1, 4096)
	if err := c.err(); err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults, maxVersionsPage)
	start, err := decodeIndexToken("versions", in.NextToken)
	if err != nil {
		return nil, err
	}
	sec, unlock, err := s.store.lockSecret(s.regionOf(ctx), in.SecretID, (*store).lookup)
	if err != nil {
		return nil, err
	}
	defer unlock()
	src := sec.source()
	keys := defaultKmsKeyIDs
	if src.kmsKeyID != "" {
		keys = []string{src.kmsKeyID}
	}
	out := &listSecretVersionIDsOutput{ARN: sec.arn, Name: sec.name, Versions: []versionsListEntry{}}
	for i := start; i < len(src.order); i++ {
		v := src.versions[src.order[i]]
		stages := src.stagesOf(v.id)
		if len(stages) == 0 && !in.IncludeDeprecated {
			continue
		}
		if len(out.Versions) == limit {
			out.NextToken = encodeToken("versions", strconv.Itoa(i))
			break
		}
		out.Versions = append(out.Versions, versionsListEntry{
			VersionID:        v.id,
			VersionStages:    stages,
			CreatedDate:      epoch(v.created),
			LastAccessedDate: epoch(v.accessed),
			KmsKeyIDs:        keys,
		})
	}
	return out, nil
}
