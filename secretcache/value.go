package secretcache

import (
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Version describes a cached secret version. It holds no secret value.
type Version struct {
	// ARN is the secret's full ARN.
	ARN string
	// Name is the secret's friendly name.
	Name string
	// VersionID identifies the version; it changes when the secret is
	// rotated or a new value is put, so comparing it tells whether a refresh
	// brought anything new.
	VersionID string
	// Stages are the staging labels the version carried when it was fetched.
	Stages []string
	// CreatedDate is when the version was created.
	CreatedDate time.Time
}

func (m Version) clone() Version {
	m.Stages = slices.Clone(m.Stages)
	return m
}

// value is one fetched version as the cache keeps it. It is immutable once
// stored in a slot: a refresh stores a new value, and a failure stores a
// copy with a different freshUntil.
//
// Without a hook, str (when hasStr) or bin is read directly on a hit; with
// one, kept is what Hook.Put returned and str and bin are empty. The value
// owns all of it: nothing the client returned is kept, so a client that
// reuses or changes its output after returning it changes nothing here.
type value struct {
	meta   Version
	str    string
	hasStr bool
	bin    []byte
	kept   any

	// freshUntil is when the value stops being served by the hit path
	// alone, in nanoseconds since the Unix epoch (see tickFor). Zero sends
	// every read to the slow path, which is how a value whose refresh failed
	// is served: counted as stale, and retried once its delay has passed.
	freshUntil int64
}

// withFreshUntil returns a copy of v that the hit path serves until t.
func (v *value) withFreshUntil(t int64) *value {
	cp := *v
	cp.freshUntil = t
	return &cp
}

// newValue turns a GetSecretValue answer into a value, passing it through
// the hook if there is one.
func (c *Cache) newValue(id string, out *secretsmanager.GetSecretValueOutput) (*value, error) {
	v := &value{meta: Version{
		ARN:       aws.ToString(out.ARN),
		Name:      aws.ToString(out.Name),
		VersionID: aws.ToString(out.VersionId),
		Stages:    slices.Clone(out.VersionStages),
	}}
	if out.CreatedDate != nil {
		v.meta.CreatedDate = *out.CreatedDate
	}
	bin := slices.Clone(out.SecretBinary) // the client may reuse its buffer
	if c.cfg.hook == nil {
		if out.SecretString != nil {
			v.str, v.hasStr = *out.SecretString, true
		}
		v.bin = bin
		return v, nil
	}
	var str *string
	if out.SecretString != nil {
		s := *out.SecretString
		str = &s
	}
	kept, err := c.hookPut(id, v.output(str, bin))
	if err != nil {
		return nil, err
	}
	v.kept = kept
	return v, nil
}

// output builds the GetSecretValueOutput a hook sees.
func (v *value) output(str *string, bin []byte) *secretsmanager.GetSecretValueOutput {
	out := &secretsmanager.GetSecretValueOutput{
		ARN:           stringOrNil(v.meta.ARN),
		Name:          stringOrNil(v.meta.Name),
		VersionId:     stringOrNil(v.meta.VersionID),
		VersionStages: slices.Clone(v.meta.Stages),
		SecretString:  str,
		SecretBinary:  bin,
	}
	if !v.meta.CreatedDate.IsZero() {
		t := v.meta.CreatedDate
		out.CreatedDate = &t
	}
	return out
}

// open returns the secret held in v, through the hook if there is one.
func (c *Cache) open(id string, v *value) (str *string, bin []byte, err error) {
	if c.cfg.hook == nil {
		if v.hasStr {
			str = &v.str
		}
		return str, v.bin, nil
	}
	return c.hookGet(id, v.kept)
}

// stringOrNil returns a pointer for the SDK's optional string fields.
func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
