package secretcache

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The components of this library's version, as aws-secretsmanager-caching-go
// exports them: ModuleVersion is VersionNumber.MajorRevisionNumber.MinorRevisionNumber,
// and BugfixRevisionNumber is kept for code that builds AWS's four-part form.
const (
	VersionNumber        = "0"
	MajorRevisionNumber  = "2"
	MinorRevisionNumber  = "0"
	BugfixRevisionNumber = "0"
)

// ModuleVersion is this library's version, sent in the User-Agent of the clients
// that New builds.
const ModuleVersion = VersionNumber + "." + MajorRevisionNumber + "." + MinorRevisionNumber

// SecretsManagerAPIClient is the type of Cache.Client: the six Secrets
// Manager calls of aws-secretsmanager-caching-go's interface of the same
// name, so that code naming that interface compiles unchanged.
// *secretsmanager.Client satisfies it.
//
// The cache itself calls only GetSecretValue, and BatchGetSecretValue (see
// BatchGetSecretValueAPIClient) in Prefetch when the client has it, so only
// secretsmanager:GetSecretValue permission is needed. A test double embeds
// the interface and implements just the methods it needs, as AWS's mocks do:
//
//	type mockClient struct {
//		secretcache.SecretsManagerAPIClient // nil: the other methods panic if called
//		value string
//	}
//
//	func (m *mockClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
//		return &secretsmanager.GetSecretValueOutput{SecretString: &m.value}, nil
//	}
type SecretsManagerAPIClient interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	CreateSecret(ctx context.Context, params *secretsmanager.CreateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	DeleteSecret(ctx context.Context, params *secretsmanager.DeleteSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error)
	DescribeSecret(ctx context.Context, params *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	ListSecrets(ctx context.Context, params *secretsmanager.ListSecretsInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error)
	UpdateSecret(ctx context.Context, params *secretsmanager.UpdateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error)
}

// BatchGetSecretValueAPIClient is the optional call Prefetch uses to fetch up
// to 20 secrets per request. When Cache.Client does not implement it, or the
// call fails, Prefetch falls back to GetSecretValue per secret.
type BatchGetSecretValueAPIClient interface {
	BatchGetSecretValue(ctx context.Context, params *secretsmanager.BatchGetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error)
}

// defaultClient builds a client from the standard AWS configuration chain
// (environment, shared config and credentials files, IRSA, IMDS) and tags its
// requests with this library's name and version.
func defaultClient(ctx context.Context) (*secretsmanager.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(cfg, AppendUserAgent), nil
}

// AppendUserAgent adds this library's name and version to the User-Agent of
// a Secrets Manager client, as New does for the client it builds. Pass it to
// secretsmanager.NewFromConfig when building a client for a Cache yourself:
//
//	client := secretsmanager.NewFromConfig(cfg, secretcache.AppendUserAgent)
func AppendUserAgent(o *secretsmanager.Options) {
	o.APIOptions = append(o.APIOptions, awsmiddleware.AddUserAgentKeyValue("secretcache-go", ModuleVersion))
}
