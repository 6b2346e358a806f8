package secretsmanagertest

import (
	"context"
	"strings"
)

// tag is one tag of a secret.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// checkTags records the model's constraints on a list of tags.
func checkTags(c *checks, path string, tags []tag) {
	for i := range tags {
		c.length(member(path, i, "key"), &tags[i].Key, 1, 128)
		c.length(member(path, i, "value"), &tags[i].Value, 0, 256)
	}
}

// checkSystemTags refuses a tag key in the aws: namespace, which AWS keeps
// for the tags services set (CloudFormation's, for one), with AWS's words.
func checkSystemTags(keys []string) error {
	for _, k := range keys {
		if strings.HasPrefix(k, "aws:") {
			return errInvalidParameter("You can't modify system tags. Tag key: '%s'.", k)
		}
	}
	return nil
}

// addTags sets tags on s: a new key goes last, an existing one keeps its
// place and takes the new value.
func (s *secret) addTags(tags []tag) {
	for _, t := range tags {
		found := false
		for i := range s.tags {
			if s.tags[i].Key == t.Key {
				s.tags[i].Value, found = t.Value, true
			}
		}
		if !found {
			s.tags = append(s.tags, t)
		}
	}
}

// tagsOut returns the tags as DescribeSecret and ListSecrets show them:
// absent for a secret never tagged, an empty list once every tag was
// removed, as AWS does.
func (s *secret) tagsOut() *[]tag {
	if s.tags == nil {
		return nil
	}
	out := append([]tag{}, s.tags...)
	return &out
}

type tagResourceInput struct {
	SecretID string `json:"SecretId"`
	Tags     []tag  `json:"Tags"`
}

// noOutput is the empty answer of the operations that return nothing.
type noOutput struct{}

// tagResource adds tags to a secret, or changes the value of those it has.
func (s *Server) tagResource(ctx context.Context, in *tagResourceInput) (*noOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.required("tags", in.Tags != nil)
	checkTags(&c, "tags", in.Tags)
	sec, unlock, err := s.openSecret(ctx, &c, in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	keys := make([]string, len(in.Tags))
	for i, t := range in.Tags {
		keys[i] = t.Key
	}
	if err := checkSystemTags(keys); err != nil {
		return nil, err
	}
	if sec.tags == nil {
		sec.tags = []tag{}
	}
	sec.addTags(in.Tags)
	sec.changed = s.store.changeDate()
	return &noOutput{}, nil
}

type untagResourceInput struct {
	SecretID string   `json:"SecretId"`
	TagKeys  []string `json:"TagKeys"`
}

// untagResource removes tags by key; a key the secret does not have is
// ignored, as AWS documents.
func (s *Server) untagResource(ctx context.Context, in *untagResourceInput) (*noOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.required("tagKeys", in.TagKeys != nil)
	for i := range in.TagKeys {
		c.length(member("tagKeys", i, ""), &in.TagKeys[i], 1, 128)
	}
	sec, unlock, err := s.openSecret(ctx, &c, in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkSystemTags(in.TagKeys); err != nil {
		return nil, err
	}
	if sec.tags == nil {
		return &noOutput{}, nil
	}
	kept := sec.tags[:0]
	for _, t := range sec.tags {
		remove := false
		for _, k := range in.TagKeys {
			remove = remove || k == t.Key
		}
		if !remove {
			kept = append(kept, t)
		}
	}
	sec.tags = kept
	sec.changed = s.store.changeDate()
	return &noOutput{}, nil
}
