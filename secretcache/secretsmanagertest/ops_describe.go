package secretsmanagertest

import (
	"context"
	"strconv"
)

// maxVersionsPage is the most versions one ListSecretVersionIds returns.
const maxVersionsPage = 100

type describeSecretInput struct {
	SecretID string `json:"SecretId"`
}

type describeSecretOutput struct {
	ARN              string     `json:"ARN"`
	Name             string     `json:"Name"`
	Description      string     `json:"Description,omitempty"`
	CreatedDate      *epochTime `json:"CreatedDate,omitempty"`
	LastChangedDate  *epochTime `json:"LastChangedDate,omitempty"`
	LastAccessedDate *epochTime `json:"LastAccessedDate,omitempty"`
	DeletedDate      *epochTime `json:"DeletedDate,omitempty"`
	rotationFields
	Tags               []tag               `json:"Tags,omitempty"`
	VersionIDsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
}

// describeSecret reports a secret's metadata, never its values. It works
// on a secret scheduled for deletion, which is how a caller sees
// DeletedDate.
func (s *Server) describeSecret(_ context.Context, in *describeSecretInput) (*describeSecretOutput, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookup(in.SecretID)
	if err != nil {
		return nil, err
	}
	out := &describeSecretOutput{
		ARN:              sec.arn,
		Name:             sec.name,
		Description:      sec.description,
		CreatedDate:      epoch(sec.created),
		LastChangedDate:  epoch(sec.changed),
		LastAccessedDate: epoch(sec.accessed),
		DeletedDate:      epoch(sec.deleted),
		rotationFields:   sec.rot.fields(),
	}
	for k, v := range sec.tags {
		out.Tags = append(out.Tags, tag{Key: k, Value: v})
	}
	// Only labelled versions appear, as in AWS: deprecated ones are not
	// part of the secret's visible state.
	for _, id := range sec.order {
		if stages := sec.stagesOf(id); len(stages) > 0 {
			if out.VersionIDsToStages == nil {
				out.VersionIDsToStages = make(map[string][]string)
			}
			out.VersionIDsToStages[id] = stages
		}
	}
	return out, nil
}

type listSecretVersionIDsInput struct {
	SecretID          string  `json:"SecretId"`
	MaxResults        *int    `json:"MaxResults"`
	NextToken         *string `json:"NextToken"`
	IncludeDeprecated bool    `json:"IncludeDeprecated"`
}

type versionsListEntry struct {
	VersionID        string     `json:"VersionId"`
	VersionStages    []string   `json:"VersionStages,omitempty"`
	CreatedDate      *epochTime `json:"CreatedDate,omitempty"`
	LastAccessedDate *epochTime `json:"LastAccessedDate,omitempty"`
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
func (s *Server) listSecretVersionIDs(_ context.Context, in *listSecretVersionIDsInput) (*listSecretVersionIDsOutput, error) {
	limit, err := pageLimit(in.MaxResults, maxVersionsPage)
	if err != nil {
		return nil, err
	}
	start, err := decodeIndexToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookup(in.SecretID)
	if err != nil {
		return nil, err
	}
	out := &listSecretVersionIDsOutput{ARN: sec.arn, Name: sec.name, Versions: []versionsListEntry{}}
	for i := start; i < len(sec.order); i++ {
		v := sec.versions[sec.order[i]]
		stages := sec.stagesOf(v.id)
		if len(stages) == 0 && !in.IncludeDeprecated {
			continue
		}
		if len(out.Versions) == limit {
			out.NextToken = encodeToken(strconv.Itoa(i))
			break
		}
		out.Versions = append(out.Versions, versionsListEntry{
			VersionID:        v.id,
			VersionStages:    stages,
			CreatedDate:      epoch(v.created),
			LastAccessedDate: epoch(v.accessed),
		})
	}
	return out, nil
}

// decodeIndexToken returns the version-list index a NextToken carries, 0
// for none.
func decodeIndexToken(token *string) (int, error) {
	pos, err := decodeToken(token)
	if err != nil || pos == "" {
		return 0, err
	}
	i, err := strconv.Atoi(pos)
	if err != nil || i < 0 {
		return 0, errInvalidNextToken()
	}
	return i, nil
}
