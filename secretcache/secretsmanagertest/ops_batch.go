package secretsmanagertest

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// maxBatch is the most secrets one BatchGetSecretValue returns.
const maxBatch = 20

type filter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type batchGetSecretValueInput struct {
	SecretIDList []string `json:"SecretIdList"`
	Filters      []filter `json:"Filters"`
	MaxResults   *int     `json:"MaxResults"`
	NextToken    *string  `json:"NextToken"`
}

type secretValueEntry struct {
	ARN           string     `json:"ARN"`
	Name          string     `json:"Name"`
	VersionID     string     `json:"VersionId"`
	SecretString  *string    `json:"SecretString,omitempty"`
	SecretBinary  []byte     `json:"SecretBinary,omitempty"`
	VersionStages []string   `json:"VersionStages,omitempty"`
	CreatedDate   *epochTime `json:"CreatedDate,omitempty"`
}

type apiErrorEntry struct {
	SecretID  string `json:"SecretId"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

type batchGetSecretValueOutput struct {
	SecretValues []secretValueEntry `json:"SecretValues"`
	Errors       []apiErrorEntry    `json:"Errors,omitempty"`
	NextToken    *string            `json:"NextToken,omitempty"`
}

// batchGetSecretValue returns the AWSCURRENT values of the listed secrets,
// reporting each one it cannot return in Errors rather than failing the
// call, or of the secrets the filters match, a page at a time.
func (s *Server) batchGetSecretValue(_ context.Context, in *batchGetSecretValueInput) (*batchGetSecretValueOutput, error) {
	switch {
	case len(in.SecretIDList) > 0 && len(in.Filters) > 0:
		return nil, errInvalidParameter("You can't specify both SecretIdList and Filters in the same request.")
	case len(in.SecretIDList) == 0 && len(in.Filters) == 0:
		return nil, errInvalidParameter("You must specify either SecretIdList or Filters.")
	case len(in.SecretIDList) > maxBatch:
		return nil, errInvalidParameter("SecretIdList can contain at most %d secret IDs.", maxBatch)
	case len(in.SecretIDList) > 0 && (in.MaxResults != nil || in.NextToken != nil):
		return nil, errInvalidParameter("MaxResults and NextToken can only be used with Filters.")
	case in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > maxBatch):
		return nil, errInvalidParameter("MaxResults must be between 1 and %d.", maxBatch)
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if len(in.SecretIDList) > 0 {
		return s.batchByID(in.SecretIDList), nil
	}
	return s.batchByFilter(in)
}

// batchByID answers for a list of IDs. The caller holds s.store.mu.
func (s *Server) batchByID(ids []string) *batchGetSecretValueOutput {
	out := &batchGetSecretValueOutput{SecretValues: []secretValueEntry{}}
	for _, id := range ids {
		entry, err := s.currentEntry(id)
		if err != nil {
			out.Errors = append(out.Errors, errorEntry(id, err))
			continue
		}
		out.SecretValues = append(out.SecretValues, entry)
	}
	return out
}

// batchByFilter answers one page of the secrets matching in.Filters, in
// name order. The token is the name the next page starts at, so secrets
// created between pages do not shift it. The caller holds s.store.mu.
func (s *Server) batchByFilter(in *batchGetSecretValueInput) (*batchGetSecretValueOutput, error) {
	from := ""
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, errInvalidNextToken()
		}
		from = string(b)
	}
	limit := maxBatch
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	var names []string
	for name, sec := range s.store.secrets {
		if name >= from && sec.deleted.IsZero() && matchesAll(sec, in.Filters) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := &batchGetSecretValueOutput{SecretValues: []secretValueEntry{}}
	if len(names) > limit {
		out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString([]byte(names[limit])))
		names = names[:limit]
	}
	for _, name := range names {
		entry, err := s.currentEntry(name)
		if err != nil {
			out.Errors = append(out.Errors, errorEntry(name, err))
			continue
		}
		out.SecretValues = append(out.SecretValues, entry)
	}
	return out, nil
}

// currentEntry reads the AWSCURRENT version of id. The caller holds
// s.store.mu.
func (s *Server) currentEntry(id string) (secretValueEntry, error) {
	sec, err := s.store.lookupLive(id)
	if err != nil {
		return secretValueEntry{}, err
	}
	v, err := sec.versionByStage(StageCurrent)
	if err != nil {
		return secretValueEntry{}, err
	}
	sec.touch(v)
	return secretValueEntry{
		ARN:           sec.arn,
		Name:          sec.name,
		VersionID:     v.id,
		SecretString:  v.val.str,
		SecretBinary:  v.val.bin,
		VersionStages: sec.stagesOf(v.id),
		CreatedDate:   epoch(v.created),
	}, nil
}

func errorEntry(id string, err error) apiErrorEntry {
	e := apiErrorEntry{SecretID: id, ErrorCode: "InternalServiceError", Message: err.Error()}
	if apiErr, ok := err.(smithy.APIError); ok {
		e.ErrorCode, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	return e
}

// matchesAll reports whether sec passes every filter, as ListSecrets
// filters do: within one filter any value may match, values are
// case-insensitive prefixes, and a leading "!" negates a value.
func matchesAll(sec *secret, filters []filter) bool {
	for _, f := range filters {
		if !matches(sec, f) {
			return false
		}
	}
	return true
}

func matches(sec *secret, f filter) bool {
	fields := filterFields(sec, f.Key)
	positive, hit := false, false
	for _, v := range f.Values {
		v, negated := strings.CutPrefix(v, "!")
		found := anyHasPrefix(fields, v)
		if negated && found {
			return false
		}
		if !negated {
			positive = true
			hit = hit || found
		}
	}
	return hit || !positive
}

// filterFields lists the attributes of sec that a filter key looks at.
func filterFields(sec *secret, key string) []string {
	var fields []string
	tagKeys := key == "tag-key" || key == "all"
	tagValues := key == "tag-value" || key == "all"
	if key == "name" || key == "all" {
		fields = append(fields, sec.name)
	}
	if key == "description" || key == "all" {
		fields = append(fields, sec.description)
	}
	for k, v := range sec.tags {
		if tagKeys {
			fields = append(fields, k)
		}
		if tagValues {
			fields = append(fields, v)
		}
	}
	return fields
}

func anyHasPrefix(fields []string, prefix string) bool {
	for _, f := range fields {
		if len(f) >= len(prefix) && strings.EqualFold(f[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}
