package secretcache

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// ModuleVersion is this library's version, sent in the User-Agent of the clients
// that New builds.
const ModuleVersion = "0.1.0"

// SecretsManagerAPIClient is the one Secrets Manager call the cache needs.
// *secretsmanager.Client satisfies it, and so does any mock written for the
// wider interface of aws-secretsmanager-caching-go. Only
// secretsmanager:GetSecretValue permission is needed.
type SecretsManagerAPIClient interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
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
