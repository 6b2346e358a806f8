package rotation

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fakeSM is an in-memory Secrets Manager with the staging-label rules a
// rotation relies on, for the handler's unit tests: a version may exist
// without a value (RotateSecret's placeholder), and calls can be made to
// fail. The database tests use package secretsmanagertest instead.
type fakeSM struct {
	mu      sync.Mutex
	secrets map[string]*fakeSecret                     // by ID; guarded by mu
	calls   map[string]int                             // per operation; guarded by mu
	fail    map[string]func(ctx context.Context) error // per operation; guarded by mu
	lastPut *secretsmanager.PutSecretValueInput        // guarded by mu
}

type fakeSecret struct {
	arn     string
	enabled *bool
	values  map[string]*string // version ID -> value; nil for a version without one
	labels  map[string]string  // label -> version ID
}

func newFakeSM() *fakeSM {
	return &fakeSM{secrets: map[string]*fakeSecret{}, calls: map[string]int{}, fail: map[string]func(context.Context) error{}}
}

// create makes secret id with value as version v0, labelled AWSCURRENT.
func (f *fakeSM) create(id, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[id] = &fakeSecret{arn: id, values: map[string]*string{"v0": &value}, labels: map[string]string{StageCurrent: "v0"}}
}

// startRotation adds the valueless version token labelled AWSPENDING, as
// RotateSecret does, and turns rotation on.
func (f *fakeSM) startRotation(id, token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[id]
	s.values[token] = nil
	s.labels[StagePending] = token
	s.enabled = aws.Bool(true)
}

// put adds version token with value and labels, as a test sets the scene.
func (f *fakeSM) put(id, token, value string, labels ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[id]
	s.values[token] = &value
	for _, l := range labels {
		s.labels[l] = token
	}
}

// stages returns label -> version ID.
func (f *fakeSM) stages(id string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.secrets[id].labels)
}

func (f *fakeSM) value(id, version string) *string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.secrets[id].values[version]
}

func (f *fakeSM) failWith(op string, fn func(ctx context.Context) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = fn
}

func (f *fakeSM) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// enter counts a call, runs its injected failure, and returns the secret
// with f.mu held; the caller unlocks.
func (f *fakeSM) enter(ctx context.Context, op, id string) (*fakeSecret, error) {
	f.mu.Lock()
	f.calls[op]++
	fail := f.fail[op]
	f.mu.Unlock()
	if fail != nil {
		if err := fail(ctx); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	s, ok := f.secrets[id]
	if !ok && id != "" {
		f.mu.Unlock()
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	return s, nil
}

func (f *fakeSM) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	s, err := f.enter(ctx, "DescribeSecret", aws.ToString(in.SecretId))
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	out := &secretsmanager.DescribeSecretOutput{ARN: aws.String(s.arn), RotationEnabled: s.enabled, VersionIdsToStages: map[string][]string{}}
	for label, v := range s.labels {
		out.VersionIdsToStages[v] = append(out.VersionIdsToStages[v], label)
	}
	return out, nil
}

func (f *fakeSM) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s, err := f.enter(ctx, "GetSecretValue", aws.ToString(in.SecretId))
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	notFound := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value.")}
	version := aws.ToString(in.VersionId)
	if stage := aws.ToString(in.VersionStage); stage != "" {
		v, ok := s.labels[stage]
		if !ok || version != "" && v != version {
			return nil, notFound
		}
		version = v
	}
	value := s.values[version]
	if value == nil {
		return nil, notFound
	}
	return &secretsmanager.GetSecretValueOutput{ARN: aws.String(s.arn), VersionId: aws.String(version), SecretString: value}, nil
}

func (f *fakeSM) PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	s, err := f.enter(ctx, "PutSecretValue", aws.ToString(in.SecretId))
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	f.lastPut = in
	token := aws.ToString(in.ClientRequestToken)
	if old := s.values[token]; old != nil && *old != aws.ToString(in.SecretString) {
		return nil, &types.ResourceExistsException{Message: aws.String("You can't modify an existing version, you can only create a new version.")}
	}
	v := aws.ToString(in.SecretString)
	s.values[token] = &v
	for _, l := range in.VersionStages {
		s.labels[l] = token
	}
	return &secretsmanager.PutSecretValueOutput{ARN: aws.String(s.arn), VersionId: aws.String(token)}, nil
}

func (f *fakeSM) UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	s, err := f.enter(ctx, "UpdateSecretVersionStage", aws.ToString(in.SecretId))
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	label, to, from := aws.ToString(in.VersionStage), aws.ToString(in.MoveToVersionId), aws.ToString(in.RemoveFromVersionId)
	if cur, ok := s.labels[label]; ok && cur != from {
		return nil, &types.InvalidParameterException{Message: aws.String(fmt.Sprintf("The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", label, cur))}
	}
	if label == StageCurrent && from != "" {
		s.labels[StagePrevious] = from
	}
	s.labels[label] = to
	return &secretsmanager.UpdateSecretVersionStageOutput{ARN: aws.String(s.arn)}, nil
}

func (f *fakeSM) GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	if _, err := f.enter(ctx, "GetRandomPassword", ""); err != nil {
		return nil, err
	}
	f.mu.Unlock()
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-.:;<=>?[]^_{|}~'\"\\/@"
	var allowed []byte
	for i := range len(chars) {
		if !slices.Contains([]byte(aws.ToString(in.ExcludeCharacters)), chars[i]) {
			allowed = append(allowed, chars[i])
		}
	}
	pw := make([]byte, aws.ToInt64(in.PasswordLength))
	for i := range pw {
		b := make([]byte, 1)
		_, _ = rand.Read(b)
		pw[i] = allowed[int(b[0])%len(allowed)]
	}
	return &secretsmanager.GetRandomPasswordOutput{RandomPassword: aws.String(string(pw))}, nil
}
