package secretsmanagertest

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// maxListPage is the most secrets one ListSecrets returns, and the default.
const maxListPage = 100

type listSecretsInput struct {
	IncludePlannedDeletion bool     `json:"IncludePlannedDeletion"`
	MaxResults             *int64   `json:"MaxResults"`
	NextToken              *string  `json:"NextToken"`
	Filters                []filter `json:"Filters"`
	SortOrder              *string  `json:"SortOrder"`
	SortBy                 *string  `json:"SortBy"`
}

func (in *listSecretsInput) check() error {
	var c checks
	c.between("maxResults", in.MaxResults, 1, maxListPage)
	c.length("nextToken", in.NextToken, 1, 4096)
	checkFilters(&c, in.Filters)
	c.oneOf("sortOrder", in.SortOrder, "asc", "desc")
	c.oneOf("sortBy", in.SortBy, "created-date", "last-accessed-date", "last-changed-date", "name")
	if err := c.err(); err != nil {
		return err
	}
	return validateFilters(in.Filters)
}

type secretListEntry struct {
	secretMetadata
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
}

type listSecretsOutput struct {
	SecretList []secretListEntry `json:"SecretList"`
	NextToken  *string           `json:"NextToken,omitempty"`
}

// listSecrets lists the secrets of the request's region (replicas
// included) that pass the filters, leaving out those scheduled for
// deletion unless IncludePlannedDeletion is set. They are sorted by
// SortBy (creation date by default, ties in order of creation), in
// SortOrder (ascending by default), a page at a time; the page token is a
// position in that order. Unlike AWS, which may take minutes to list a new
// secret, the list is always up to date.
func (s *Server) listSecrets(ctx context.Context, in *listSecretsInput) (*listSecretsOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	start, err := decodeIndexToken("secrets", in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults, maxListPage)
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	var found []*secret
	for _, sec := range s.store.secrets[s.regionOf(ctx)] {
		if (in.IncludePlannedDeletion || sec.source().deleted.IsZero()) && matchesAll(sec, in.Filters) {
			found = append(found, sec)
		}
	}
	sortSecrets(found, aws.ToString(in.SortBy), aws.ToString(in.SortOrder) == "desc")
	out := &listSecretsOutput{SecretList: []secretListEntry{}}
	for i := start; i < len(found); i++ {
		if len(out.SecretList) == limit {
			out.NextToken = encodeToken("secrets", strconv.Itoa(i))
			break
		}
		out.SecretList = append(out.SecretList, secretListEntry{
			secretMetadata:         found[i].metadata(),
			SecretVersionsToStages: found[i].source().versionsToStages(),
		})
	}
	return out, nil
}

// sortSecrets orders secrets by the SortBy key, ties by creation order.
func sortSecrets(secrets []*secret, by string, desc bool) {
	date := func(sec *secret) time.Time {
		switch by {
		case "last-accessed-date":
			return sec.accessed
		case "last-changed-date":
			return latest(sec.changed, sec.source().changed)
		}
		return sec.created
	}
	slices.SortFunc(secrets, func(a, b *secret) int {
		c := 0
		if by == "name" {
			c = strings.Compare(a.name, b.name)
		} else {
			c = date(a).Compare(date(b))
		}
		if c == 0 {
			c = cmp.Compare(a.seq, b.seq)
		}
		if desc {
			return -c
		}
		return c
	})
}
