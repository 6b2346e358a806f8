package secretsmanagertest

import (
	"context"
	"sort"
)

// maxBatch is the most secrets one BatchGetSecretValue returns.
const maxBatch = 20

type batchGetSecretValueInput struct {
	SecretIDList []string `json:"SecretIdList"`
	Filters      []filter `json:"Filters"`
	MaxResults   *int64   `json:"MaxResults"`
	NextToken    *string  `json:"NextToken"`
}

func (in *batchGetSecretValueInput) check() error {
	var c checks
	c.count("secretIdList", len(in.SecretIDList), in.SecretIDList != nil, 1, maxBatch)
	for i := range in.SecretIDList {
		c.length(member("secretIdList", i, ""), &in.SecretIDList[i], 1, 2048)
	}
	checkFilters(&c, in.Filters)
	c.between("maxResults", in.MaxResults, 1, maxBatch)
	c.length("nextToken", in.NextToken, 1, 4096)
	if err := c.err(); err != nil {
		return err
	}
	switch {
	case len(in.SecretIDList) > 0 && len(in.Filters) > 0:
		return errInvalidParameter("You can't specify both SecretIdList and Filters in the same request.")
	case len(in.SecretIDList) == 0 && len(in.Filters) == 0:
		return errInvalidParameter("You must specify either SecretIdList or Filters.")
	case len(in.SecretIDList) > 0 && (in.MaxResults != nil || in.NextToken != nil):
		return errInvalidParameter("MaxResults and NextToken can only be used with Filters.")
	}
	return validateFilters(in.Filters)
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
// call, or of the secrets the filters match (those scheduled for deletion
// left out), in name order, a page at a time.
func (s *Server) batchGetSecretValue(ctx context.Context, in *batchGetSecretValueInput) (*batchGetSecretValueOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	region := s.regionOf(ctx)
	if len(in.SecretIDList) > 0 {
		s.store.mu.Lock()
		defer s.store.mu.Unlock()
		return s.store.readCurrent(region, in.SecretIDList), nil
	}
	from, err := decodeToken("batch", in.NextToken)
	if err != nil {
		return nil, err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.readFiltered(region, in.Filters, from, pageSize(in.MaxResults, maxBatch)), nil
}

// readCurrent reads the AWSCURRENT version of each of ids. The caller holds
// st.mu.
func (st *store) readCurrent(region string, ids []string) *batchGetSecretValueOutput {
	out := &batchGetSecretValueOutput{SecretValues: []secretValueEntry{}}
	for _, id := range ids {
		entry, err := st.read(region, id, "", "")
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
func (st *store) readFiltered(region string, filters []filter, from string, limit int) *batchGetSecretValueOutput {
	var names []string
	for name, sec := range st.secrets[region] {
		if name >= from && sec.source().deleted.IsZero() && matchesAll(sec, filters) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var next *string
	if len(names) > limit {
		next = encodeToken("batch", names[limit])
		names = names[:limit]
	}
	out := st.readCurrent(region, names)
	out.NextToken = next
	return out
}

func errorEntry(id string, err error) apiErrorEntry {
	code, msg := apiError(err)
	return apiErrorEntry{SecretID: id, ErrorCode: code, Message: msg}
}
