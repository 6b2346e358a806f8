package secretcache_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
)

// The tests in this file are written the way code for
// aws-secretsmanager-caching-go is: a mock that embeds the six-method
// client interface and counts calls, options that set Client and
// CacheConfig fields, and the library's exported names. They pin what must
// keep compiling and behaving after an import-path change.

// Compile-time checks of the signatures AWS's package has.
var (
	_ secretcache.SecretsManagerAPIClient = (*secretsmanager.Client)(nil)
	_ interface {
		RefreshNow(secretId string)
		RefreshNowWithContext(ctx context.Context, secretId string)
		GetSecretString(secretId string) (string, error)
		GetSecretStringWithContext(ctx context.Context, secretId string) (string, error)
		GetSecretStringWithStage(secretId string, versionStage string) (string, error)
		GetSecretStringWithStageWithContext(ctx context.Context, secretId string, versionStage string) (string, error)
		GetSecretBinary(secretId string) ([]byte, error)
		GetSecretBinaryWithContext(ctx context.Context, secretId string) ([]byte, error)
		GetSecretBinaryWithStage(secretId string, versionStage string) ([]byte, error)
		GetSecretBinaryWithStageWithContext(ctx context.Context, secretId string, versionStage string) ([]byte, error)
	} = (*secretcache.Cache)(nil)
	_ func(...func(*secretcache.Cache)) (*secretcache.Cache, error) = secretcache.New

	// DefaultCacheItemTTL is untyped, as in AWS's package: it converts to
	// both int64 and time.Duration without a cast.
	_ int64                 = secretcache.DefaultCacheItemTTL
	_ time.Duration         = secretcache.DefaultCacheItemTTL
	_ string                = secretcache.VersionNumber + secretcache.MajorRevisionNumber + secretcache.MinorRevisionNumber + secretcache.BugfixRevisionNumber
	_ error                 = (*secretcache.VersionNotFoundError)(nil)
	_ error                 = (*secretcache.InvalidConfigError)(nil)
	_ error                 = (*secretcache.InvalidOperationError)(nil)
	_ secretcache.CacheHook = (*countingHook)(nil)
)

// awsStyleMock is shaped like the mocks written for AWS's library.
type awsStyleMock struct {
	secretcache.SecretsManagerAPIClient
	MockedGetResult         *secretsmanager.GetSecretValueOutput
	GetSecretValueErr       error
	GetSecretValueCallCount int
}

func (m *awsStyleMock) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	m.GetSecretValueCallCount++
	if m.GetSecretValueErr != nil {
		return nil, m.GetSecretValueErr
	}
	return m.MockedGetResult, nil
}

func newAWSStyleMock() *awsStyleMock {
	return &awsStyleMock{MockedGetResult: &secretsmanager.GetSecretValueOutput{
		ARN:           aws.String("dummy-arn"),
		Name:          aws.String("dummy-secret-name"),
		VersionId:     aws.String("very-random-uuid"),
		VersionStages: []string{"hello", "versionStage-42", "AWSCURRENT"},
		SecretString:  aws.String("my secret string"),
	}}
}

func TestAWSStyleClientAndOptions(t *testing.T) {
	mock := newAWSStyleMock()
	cache, err := secretcache.New(
		func(c *secretcache.Cache) { c.Client = mock },
		func(c *secretcache.Cache) { c.CacheConfig.VersionStage = "" }, // empty means the default
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	for range 100 {
		got, err := cache.GetSecretString("dummy-secret-name")
		if err != nil || got != "my secret string" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if mock.GetSecretValueCallCount != 1 {
		t.Errorf("GetSecretValue calls: got %d, want 1", mock.GetSecretValueCallCount)
	}
	if got, err := cache.GetSecretStringWithStage("dummy-secret-name", ""); err != nil || got != "my secret string" {
		t.Errorf("empty stage: got %q, %v", got, err)
	}
	cache.RefreshNow("dummy-secret-name")
	if mock.GetSecretValueCallCount != 2 {
		t.Errorf("GetSecretValue calls after RefreshNow: got %d, want 2", mock.GetSecretValueCallCount)
	}
	// The client's other methods are reachable through Cache.Client, as
	// in AWS's package; the mock did not implement them.
	var api secretcache.SecretsManagerAPIClient = cache.Client
	_ = api.DescribeSecret
}

func TestAWSStyleFailures(t *testing.T) {
	tests := []struct {
		name string
		mock func(*awsStyleMock)
	}{
		{"no SecretString or SecretBinary", func(m *awsStyleMock) { m.MockedGetResult.SecretString = nil }},
		{"service error", func(m *awsStyleMock) { m.MockedGetResult, m.GetSecretValueErr = nil, errors.New("resourceNotFound") }},
		{"neither a value nor an error", func(m *awsStyleMock) { m.MockedGetResult = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock := newAWSStyleMock()
			tt.mock(mock)
			cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = mock })
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			if _, err := cache.GetSecretString("test"); err == nil {
				t.Error("GetSecretString: got nil error")
			}
			if _, err := cache.GetSecretBinary("test"); err == nil {
				t.Error("GetSecretBinary: got nil error")
			}
		})
	}
}

type countingHook struct{ puts, gets int }

func (h *countingHook) Put(data interface{}) interface{} { h.puts++; return data }
func (h *countingHook) Get(data interface{}) interface{} { h.gets++; return data }

func TestAWSStyleHookAndBinary(t *testing.T) {
	mock := newAWSStyleMock()
	mock.MockedGetResult.SecretString = nil
	mock.MockedGetResult.SecretBinary = []byte{0, 1, 1, 0, 0, 1, 1, 0}
	hook := &countingHook{}
	cache, err := secretcache.New(
		func(c *secretcache.Cache) { c.Client = mock },
		func(c *secretcache.Cache) { c.CacheConfig.Hook = hook },
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	got, err := cache.GetSecretBinary("test")
	if err != nil || !bytes.Equal(got, []byte{0, 1, 1, 0, 0, 1, 1, 0}) {
		t.Fatalf("got %v, %v", got, err)
	}
	// One Put per fetched version and one Get per read (AWS's library
	// calls each twice: see the README's migration notes).
	if hook.puts != 1 || hook.gets != 1 {
		t.Errorf("hook calls: got %d puts and %d gets, want 1 and 1", hook.puts, hook.gets)
	}
}

func TestInvalidConfigIsAnError(t *testing.T) {
	_, err := secretcache.New(
		func(c *secretcache.Cache) { c.Client = newAWSStyleMock() },
		func(c *secretcache.Cache) { c.CacheConfig.MaxCacheSize = -1 },
	)
	var ice *secretcache.InvalidConfigError
	if !errors.As(err, &ice) {
		t.Fatalf("got %v, want *InvalidConfigError", err)
	}
}
