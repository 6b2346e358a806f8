package secretcache_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// The declarations below are uses of aws-secretsmanager-caching-go's API, as
// its secretcache package (v2) exports it, that compat_test.go does not
// already pin. Each compiles against AWS's package; it must compile here.

type awsStageName string

var (
	// Untyped constants convert to whatever the caller's code needs.
	_ int64        = secretcache.DefaultMaxCacheSize
	_ int32        = secretcache.DefaultMaxCacheSize
	_ awsStageName = secretcache.DefaultVersionStage
	_ float64      = secretcache.DefaultCacheItemTTL

	// Method values typed after AWS's methods.
	_ func(string)                  = (*secretcache.Cache)(nil).RefreshNow
	_ func(context.Context, string) = (*secretcache.Cache)(nil).RefreshNowWithContext

	// The six-method client interface, called through Cache.Client.
	_ = func(c *secretcache.Cache) {
		_, _ = c.Client.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{})
		_, _ = c.Client.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{})
		_, _ = c.Client.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{})
		_, _ = c.Client.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{})
		_, _ = c.Client.UpdateSecret(context.Background(), &secretsmanager.UpdateSecretInput{})
		_, _ = c.Client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{})
	}

	// Keyed literals and field access as AWS's README and tests write them.
	_ = secretcache.CacheConfig{MaxCacheSize: 1, CacheItemTTL: 2, VersionStage: "x", Hook: nil}
	_ = func(c *secretcache.Cache) { c.CacheConfig.Hook = nil; c.MaxCacheSize = 1 }
	_ = func(e1 *secretcache.VersionNotFoundError, e2 *secretcache.InvalidConfigError, e3 *secretcache.InvalidOperationError) string {
		return e1.Message + e2.Message + e3.Message
	}
)

// The functions below follow the usage of AWS's integration tests and
// README (scintegtests/integration_test.go, README.md of
// aws-secretsmanager-caching-go): helpers that take the client interface
// and manage secrets through it, a cache built around it, a TTL held in an
// int64, and a whole CacheConfig assigned with AWS's fields only.

func awsStyleCreate(api secretcache.SecretsManagerAPIClient, name string, value *string) (*secretsmanager.CreateSecretOutput, error) {
	return api.CreateSecret(context.TODO(), &secretsmanager.CreateSecretInput{Name: &name, SecretString: value})
}

func awsStyleCleanup(api secretcache.SecretsManagerAPIClient, names []string, force bool) {
	for _, name := range names {
		_, _ = api.DeleteSecret(context.TODO(), &secretsmanager.DeleteSecretInput{SecretId: &name, ForceDeleteWithoutRecovery: &force})
	}
}

func awsStyleTTL(api secretcache.SecretsManagerAPIClient, ttlNanoSeconds int64) (*secretcache.Cache, error) {
	return secretcache.New(
		func(c *secretcache.Cache) { c.Client = api },
		func(c *secretcache.Cache) { c.CacheItemTTL = ttlNanoSeconds },
	)
}

func awsStyleCustomConfig(client *secretsmanager.Client) (*secretcache.Cache, error) {
	config := secretcache.CacheConfig{
		MaxCacheSize: secretcache.DefaultMaxCacheSize + 10,
		VersionStage: secretcache.DefaultVersionStage,
		CacheItemTTL: secretcache.DefaultCacheItemTTL,
	}
	return secretcache.New(
		func(c *secretcache.Cache) { c.CacheConfig = config },
		func(c *secretcache.Cache) { c.Client = client },
	)
}

// TestAWSUsagePatterns runs the helpers above against the in-process
// Secrets Manager: the SDK client is the interface, and a CacheConfig
// holding AWS's fields only leaves every other setting at its default.
func TestAWSUsagePatterns(t *testing.T) {
	t.Parallel()
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	var api secretcache.SecretsManagerAPIClient = srv.Client()
	value := "integ-value"
	created, err := awsStyleCreate(api, "integ-secret", &value)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := awsStyleTTL(api, int64(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	if got, err := cache.GetSecretString(*created.ARN); err != nil || got != value {
		t.Errorf("GetSecretString by ARN: got %v, want the created value", err)
	}
	custom, err := awsStyleCustomConfig(srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	defer custom.Close()
	if got, err := custom.GetSecretStringWithStage("integ-secret", "AWSCURRENT"); err != nil || got != value {
		t.Errorf("GetSecretStringWithStage with AWS's CacheConfig: got %v, want the created value", err)
	}
	if _, err := custom.Refresh(context.Background(), "integ-secret", ""); err != nil {
		t.Errorf("Refresh with the other settings at their defaults: %v", err)
	}
	awsStyleCleanup(api, []string{"integ-secret"}, true)
	if _, err := custom.Refresh(context.Background(), "integ-secret", ""); err == nil {
		t.Error("Refresh after the secret was deleted: got nil, want an error")
	}
}

// TestAPIMatchesAWS compares, by reflection, the exported shape of the
// types AWS's package exports with the shape they have there: field names,
// types and order, and method signatures.
func TestAPIMatchesAWS(t *testing.T) {
	t.Parallel()
	cfg := reflect.TypeOf(secretcache.CacheConfig{})
	awsFields := []struct{ name, typ string }{
		{"MaxCacheSize", "int"},
		{"CacheItemTTL", "int64"},
		{"VersionStage", "string"},
		{"Hook", "secretcache.CacheHook"},
	}
	for i, f := range awsFields {
		if i >= cfg.NumField() || cfg.Field(i).Name != f.name || cfg.Field(i).Type.String() != f.typ {
			t.Errorf("CacheConfig field %d: want %s %s as in AWS's package", i, f.name, f.typ)
		}
	}
	cache := reflect.TypeOf(secretcache.Cache{})
	for _, f := range []struct{ name, typ string }{
		{"CacheConfig", "secretcache.CacheConfig"},
		{"Client", "secretcache.SecretsManagerAPIClient"},
	} {
		got, ok := cache.FieldByName(f.name)
		if !ok || got.Type.String() != f.typ {
			t.Errorf("Cache.%s: got %v, want %s", f.name, got.Type, f.typ)
		}
	}
	methods := map[string]string{
		"GetSecretString":                     "func(*secretcache.Cache, string) (string, error)",
		"GetSecretStringWithContext":          "func(*secretcache.Cache, context.Context, string) (string, error)",
		"GetSecretStringWithStage":            "func(*secretcache.Cache, string, string) (string, error)",
		"GetSecretStringWithStageWithContext": "func(*secretcache.Cache, context.Context, string, string) (string, error)",
		"GetSecretBinary":                     "func(*secretcache.Cache, string) ([]uint8, error)",
		"GetSecretBinaryWithContext":          "func(*secretcache.Cache, context.Context, string) ([]uint8, error)",
		"GetSecretBinaryWithStage":            "func(*secretcache.Cache, string, string) ([]uint8, error)",
		"GetSecretBinaryWithStageWithContext": "func(*secretcache.Cache, context.Context, string, string) ([]uint8, error)",
		"RefreshNow":                          "func(*secretcache.Cache, string)",
		"RefreshNowWithContext":               "func(*secretcache.Cache, context.Context, string)",
	}
	pc := reflect.TypeOf((*secretcache.Cache)(nil))
	for name, sig := range methods {
		m, ok := pc.MethodByName(name)
		if !ok || m.Type.String() != sig {
			t.Errorf("(*Cache).%s: got %v, want %s", name, m.Type, sig)
		}
	}
	hook := reflect.TypeOf((*secretcache.CacheHook)(nil)).Elem()
	if hook.NumMethod() != 2 {
		t.Errorf("CacheHook has %d methods, want Put and Get only: a hook written for AWS's package must satisfy it", hook.NumMethod())
	}
	client := reflect.TypeOf((*secretcache.SecretsManagerAPIClient)(nil)).Elem()
	if client.NumMethod() != 6 {
		t.Errorf("SecretsManagerAPIClient has %d methods, want AWS's six", client.NumMethod())
	}
}
