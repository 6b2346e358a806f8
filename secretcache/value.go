package secretcache

import (
	"fmt"
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

// value is one fetched version as the cache keeps it. Without a hook, str or
// bin is read directly on a hit; with one, kept is what Hook.Put returned and
// str and bin are nil.
type value struct {
	meta Version
	str  *string
	bin  []byte
	kept any
}

func (c *Cache) newValue(id string, out *secretsmanager.GetSecretValueOutput) (*value, error) {
	v := &value{meta: Version{
		ARN:       deref(out.ARN),
		Name:      deref(out.Name),
		VersionID: deref(out.VersionId),
		Stages:    slices.Clone(out.VersionStages),
	}}
	if out.CreatedDate != nil {
		v.meta.CreatedDate = *out.CreatedDate
	}
	if c.cfg.hook == nil {
		v.str, v.bin = out.SecretString, out.SecretBinary
		return v, nil
	}
	kept := c.cfg.hook.Put(v.output(out.SecretString, out.SecretBinary))
	if err, ok := kept.(error); ok {
		return nil, &HookError{SecretID: id, Op: "Put", err: err}
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
		return v.str, v.bin, nil
	}
	switch got := c.cfg.hook.Get(v.kept).(type) {
	case *secretsmanager.GetSecretValueOutput:
		if got == nil {
			return nil, nil, &HookError{SecretID: id, Op: "Get"}
		}
		return got.SecretString, got.SecretBinary, nil
	case error:
		return nil, nil, &HookError{SecretID: id, Op: "Get", err: got}
	default:
		return nil, nil, &HookError{SecretID: id, Op: "Get", err: fmt.Errorf("returned %T, want *secretsmanager.GetSecretValueOutput", got)}
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// stringOrNil returns a pointer for the SDK's optional string fields.
func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
