package secretsmanagertest

import (
	"context"
	"sort"
	"strings"
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
	}
	if len(in.SecretIDList) > 0 {
		s.store.mu.Lock()
		defer s.store.mu.Unlock()
		return s.store.readCurrent(in.SecretIDList), nil
	}
	limit, err := pageLimit(in.MaxResults, maxBatch)
	if err != nil {
		return nil, err
	}
	from, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.readFiltered(in.Filters, from, limit), nil
}

// readCurrent reads the AWSCURRENT version of each of ids. The caller holds
// st.mu.
func (st *store) readCurrent(ids []string) *batchGetSecretValueOutput {
	out := &batchGetSecretValueOutput{SecretValues: []secretValueEntry{}}
	for _, id := range ids {
		entry, err := st.read(id, "", "")
		if err != nil {
			out.Errors = append(out.Errors, errorEntry(id, err))
			continue
		}
		out.SecretValues = append(out.SecretValues, *entry)
	}
	return out
}

// readFiltered reads one page, of at most limit, of the secrets matching
// filters, in name order from the name from on. The page token is the name
// the next page starts at, so secrets created between pages do not shift
// it. The caller holds st.mu.
func (st *store) readFiltered(filters []filter, from string, limit int) *batchGetSecretValueOutput {
	var names []string
	for name, sec := range st.secrets {
		if name >= from && sec.deleted.IsZero() && matchesAll(sec, filters) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var next *string
	if len(names) > limit {
		next = encodeToken(names[limit])
		names = names[:limit]
	}
	out := st.readCurrent(names)
	out.NextToken = next
	return out
}

func errorEntry(id string, err error) apiErrorEntry {
	code, msg := apiError(err)
	return apiErrorEntry{SecretID: id, ErrorCode: code, Message: msg}
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
